//! Balances and the report of receipts and payments (báo cáo thu chi).
//!
//! # Consolidation
//!
//! [`receipts_and_payments`] reports on a set of funds S: one fund, or a fund and every fund
//! below it in the tree. Transfers **inside** S (both halves in S: a `TransferOut` line of a fund
//! in S whose counterpart is in S, and the matching `TransferIn`) are not receipts or payments of
//! S, so they are eliminated; transfers **crossing** the boundary of S (counterpart outside S, or
//! unknown) are kept as `TransferIn` receipts and `TransferOut` payments.
//!
//! Precisely: within the period, the internal transfer-in lines (as a receipt, `in`) and the
//! internal transfer-out lines (`out`) are netted; `min(in, out)` is eliminated from both and
//! reported as [`ReceiptsPayments::eliminated_internal_transfers`]. The halves of a transfer are
//! posted together on the same date, so normally `in == out` and nothing remains. If they ever
//! differ (halves dated in different periods, one half reversed alone), the remainder stays
//! under `TransferIn` or `TransferOut`, so the report never hides money and
//! `closing = opening + total_receipts − total_payments` holds in every case.
//!
//! # Input
//!
//! [`ReportLine`] is a ledger line with its entry's date and, for transfer lines, the fund on
//! the other side. Amounts only add up, so a row may also be a pre-aggregated sum (for instance
//! `GROUP BY fund, account, counterpart, date` in SQL). Rows of funds outside S and rows after
//! the end of the period are ignored, so the caller may pass a superset.

use crate::account::Account;
use crate::date::{Date, Period};
use crate::dong::Dong;
use crate::entry::{FundId, Line};
use crate::errors;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A ledger row as the application reads it for a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportLine {
    pub fund: FundId,
    pub account: Account,
    /// Debit positive, credit negative, as in [`Line`].
    pub amount: Dong,
    /// The date of the entry.
    pub on: Date,
    /// On `TransferIn` / `TransferOut` lines: the fund on the other side of the transfer (the
    /// sender for `TransferIn`, the receiver for `TransferOut`). Ignored on other accounts;
    /// `None` on a transfer line means "outside every set" (never eliminated).
    pub transfer_counterpart_fund: Option<FundId>,
}

impl ReportLine {
    pub fn new(line: &Line, on: Date, transfer_counterpart_fund: Option<FundId>) -> Self {
        Self {
            fund: line.fund,
            account: line.account,
            amount: line.amount,
            on,
            transfer_counterpart_fund,
        }
    }
}

/// An amount per account, in the order of [`Account::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountTotal {
    pub account: Account,
    pub amount: Dong,
}

/// The report of receipts and payments of a set of funds over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptsPayments {
    pub period: Period,
    /// Assets before the first day of the period.
    pub opening: Dong,
    /// `opening` per asset account (`Cash`, `Bank`, `InKind`).
    pub opening_by_asset: Vec<AccountTotal>,
    /// Per income category, every one listed (zeros included), money received positive. A
    /// reversal in the period of a receipt from an earlier period makes a category smaller,
    /// possibly negative.
    pub receipts: Vec<AccountTotal>,
    pub total_receipts: Dong,
    /// Per expense category, every one listed, money paid positive.
    pub payments: Vec<AccountTotal>,
    pub total_payments: Dong,
    /// Assets at the end of the last day of the period:
    /// `opening + total_receipts − total_payments`.
    pub closing: Dong,
    pub closing_by_asset: Vec<AccountTotal>,
    /// Transfers between funds of the set during the period, left out of both receipts and
    /// payments (zero for a single fund).
    pub eliminated_internal_transfers: Dong,
}

impl ReceiptsPayments {
    /// The receipts of one income category (zero for any other account).
    pub fn receipt(&self, account: Account) -> Dong {
        find(&self.receipts, account)
    }
    /// The payments of one expense category (zero for any other account).
    pub fn payment(&self, account: Account) -> Dong {
        find(&self.payments, account)
    }
}

fn find(totals: &[AccountTotal], account: Account) -> Dong {
    totals
        .iter()
        .find(|t| t.account == account)
        .map_or(Dong::ZERO, |t| t.amount)
}

const N: usize = Account::ALL.len();

fn index(account: Account) -> usize {
    account as usize
}

/// Sums are taken in `i128`: gross amounts are not bounded (a receipt and its reversal, again
/// and again), only the results are, by the caps of [`crate::dong`].
fn add(slot: &mut i128, amount: Dong) {
    *slot += i128::from(amount.get());
}

/// The balance of `fund`: the sum of its asset lines.
pub fn balance<'a>(
    fund: FundId,
    lines: impl IntoIterator<Item = &'a Line>,
) -> Result<Dong, Invalid> {
    let mut sum = 0i128;
    for l in lines {
        if l.fund == fund && l.account.is_asset() {
            add(&mut sum, l.amount);
        }
    }
    Dong::from_wide(sum)
}

/// The balance of `fund` per asset account (`Cash`, `Bank`, `InKind`).
pub fn balance_by_asset<'a>(
    fund: FundId,
    lines: impl IntoIterator<Item = &'a Line>,
) -> Result<Vec<AccountTotal>, Invalid> {
    let mut sums = [0i128; N];
    for l in lines {
        if l.fund == fund && l.account.is_asset() {
            add(&mut sums[index(l.account)], l.amount);
        }
    }
    Account::assets()
        .map(|account| {
            Ok(AccountTotal {
                account,
                amount: Dong::from_wide(sums[index(account)])?,
            })
        })
        .collect()
}

/// The balance of every fund that has a line.
pub fn balances<'a>(
    lines: impl IntoIterator<Item = &'a Line>,
) -> Result<BTreeMap<FundId, Dong>, Invalid> {
    let mut out: BTreeMap<FundId, i128> = BTreeMap::new();
    for l in lines {
        let slot = out.entry(l.fund).or_default();
        if l.account.is_asset() {
            add(slot, l.amount);
        }
    }
    out.into_iter()
        .map(|(fund, sum)| Ok((fund, Dong::from_wide(sum)?)))
        .collect()
}

/// What the lines of a report add up to, per account, before the totals are made.
#[derive(Default)]
struct Sums {
    before: [i128; N],
    during: [i128; N],
    internal_in: i128,
    internal_out: i128,
    period: i128,
}

fn sums<'a>(
    funds: &BTreeSet<FundId>,
    period: Period,
    lines: impl IntoIterator<Item = &'a ReportLine>,
) -> Sums {
    let mut s = Sums::default();
    for l in lines {
        if !funds.contains(&l.fund) || l.on > period.to() {
            continue;
        }
        if l.on < period.from() {
            if l.account.is_asset() {
                add(&mut s.before[index(l.account)], l.amount);
            }
            continue;
        }
        add(&mut s.period, l.amount);
        let internal = l.account.is_transfer()
            && l.transfer_counterpart_fund
                .is_some_and(|c| funds.contains(&c));
        match l.account {
            Account::TransferIn if internal => s.internal_in -= i128::from(l.amount.get()),
            Account::TransferOut if internal => add(&mut s.internal_out, l.amount),
            account => add(&mut s.during[index(account)], l.amount),
        }
    }
    s
}

fn totals(
    accounts: impl Iterator<Item = Account>,
    amount: impl Fn(Account) -> i128,
) -> Result<Vec<AccountTotal>, Invalid> {
    accounts
        .map(|account| {
            Ok(AccountTotal {
                account,
                amount: Dong::from_wide(amount(account))?,
            })
        })
        .collect()
}

/// The report of receipts and payments of the funds in `funds` over `period` (see the module
/// documentation for the consolidation rule). Errors: [`errors::OVERFLOW`] if a total does not
/// fit in `i64` (the caps of [`crate::dong`] keep every total of stored lines within it),
/// [`errors::LEDGER_UNBALANCED`] if the lines of the period do not sum to zero (rows missing or
/// corrupted), which is what makes `closing = opening + receipts − payments`.
pub fn receipts_and_payments<'a>(
    funds: &BTreeSet<FundId>,
    period: Period,
    lines: impl IntoIterator<Item = &'a ReportLine>,
) -> Result<ReceiptsPayments, Invalid> {
    let s = sums(funds, period, lines);
    if s.period != 0 {
        return Err(errors::LEDGER_UNBALANCED);
    }
    let eliminated = s.internal_in.min(s.internal_out);
    let receipts = totals(Account::income(), |account| {
        let amount = -s.during[index(account)];
        if account == Account::TransferIn {
            amount + s.internal_in - eliminated
        } else {
            amount
        }
    })?;
    let payments = totals(Account::expenses(), |account| {
        let amount = s.during[index(account)];
        if account == Account::TransferOut {
            amount + s.internal_out - eliminated
        } else {
            amount
        }
    })?;
    let opening_by_asset = totals(Account::assets(), |a| s.before[index(a)])?;
    let closing_by_asset = totals(Account::assets(), |a| {
        s.before[index(a)] + s.during[index(a)]
    })?;
    let total =
        |v: &[AccountTotal]| Dong::from_wide(v.iter().map(|t| i128::from(t.amount.get())).sum());
    Ok(ReceiptsPayments {
        period,
        opening: total(&opening_by_asset)?,
        total_receipts: total(&receipts)?,
        total_payments: total(&payments)?,
        closing: total(&closing_by_asset)?,
        opening_by_asset,
        receipts,
        payments,
        closing_by_asset,
        eliminated_internal_transfers: Dong::from_wide(eliminated)?,
    })
}

/// [`receipts_and_payments`] of a single fund (no transfer is internal).
pub fn receipts_and_payments_of_fund<'a>(
    fund: FundId,
    period: Period,
    lines: impl IntoIterator<Item = &'a ReportLine>,
) -> Result<ReceiptsPayments, Invalid> {
    receipts_and_payments(&BTreeSet::from([fund]), period, lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Entry;
    use proptest::prelude::*;

    fn day(m: u8, d: u8) -> Date {
        match Date::new(2025, m, d) {
            Ok(date) => date,
            Err(e) => panic!("{m}/{d}: {e}"),
        }
    }

    fn period(from: Date, to: Date) -> Period {
        match Period::new(from, to) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    fn rows(entry: &Entry, on: Date, counterpart: Option<FundId>) -> Vec<ReportLine> {
        entry
            .lines()
            .iter()
            .map(|l| ReportLine::new(l, on, counterpart))
            .collect()
    }

    fn fail(e: Invalid) -> TestCaseError {
        TestCaseError::fail(e.to_string())
    }

    const P: FundId = FundId(1); // province fund
    const C: FundId = FundId(2); // commune fund under P
    const X: FundId = FundId(3); // another province's fund

    fn set(funds: &[FundId]) -> BTreeSet<FundId> {
        funds.iter().copied().collect()
    }

    #[test]
    fn a_small_year() -> Result<(), Invalid> {
        let d = Dong::new;
        let mut ledger = Vec::new();
        ledger.extend(rows(
            &Entry::receipt(P, Account::Bank, d(10_000_000), Account::Donation)?,
            day(1, 5),
            None,
        ));
        let t = Entry::transfer(P, C, Account::Bank, d(3_000_000))?;
        ledger.extend(rows(&t.out, day(3, 1), Some(t.to)));
        ledger.extend(rows(&t.into, day(3, 1), Some(t.from)));
        ledger.extend(rows(
            &Entry::payment(C, Account::Bank, d(2_000_000), Account::Scholarship)?,
            day(4, 1),
            None,
        ));
        let wrong = Entry::receipt(C, Account::Cash, d(500_000), Account::MembershipFee)?;
        ledger.extend(rows(&wrong, day(5, 1), None));
        ledger.extend(rows(&wrong.reversal(), day(5, 2), None));
        let gift = Entry::transfer(X, C, Account::Cash, d(1_000_000))?;
        ledger.extend(rows(&gift.out, day(6, 1), Some(gift.to)));
        ledger.extend(rows(&gift.into, day(6, 1), Some(gift.from)));

        let year = Period::year(2025)?;
        let commune = receipts_and_payments_of_fund(C, year, &ledger)?;
        assert_eq!(commune.receipt(Account::TransferIn), d(4_000_000));
        assert_eq!(commune.receipt(Account::MembershipFee), d(0));
        assert_eq!(commune.payment(Account::Scholarship), d(2_000_000));
        assert_eq!(commune.closing, d(2_000_000));
        assert_eq!(commune.eliminated_internal_transfers, d(0));

        let province = receipts_and_payments_of_fund(P, year, &ledger)?;
        assert_eq!(province.total_receipts, d(10_000_000));
        assert_eq!(province.payment(Account::TransferOut), d(3_000_000));
        assert_eq!(province.closing, d(7_000_000));

        // P with C below it: the 3.000.000 passed down is internal, the gift from X is not.
        let tree = receipts_and_payments(&set(&[P, C]), year, &ledger)?;
        assert_eq!(tree.receipt(Account::Donation), d(10_000_000));
        assert_eq!(tree.receipt(Account::TransferIn), d(1_000_000));
        assert_eq!(tree.total_receipts, d(11_000_000));
        assert_eq!(tree.total_payments, d(2_000_000));
        assert_eq!(tree.payment(Account::TransferOut), d(0));
        assert_eq!(tree.eliminated_internal_transfers, d(3_000_000));
        assert_eq!(tree.opening, d(0));
        assert_eq!(tree.closing, d(9_000_000));
        assert_eq!(
            tree.closing_by_asset,
            vec![
                AccountTotal {
                    account: Account::Cash,
                    amount: d(1_000_000)
                },
                AccountTotal {
                    account: Account::Bank,
                    amount: d(8_000_000)
                },
                AccountTotal {
                    account: Account::InKind,
                    amount: d(0)
                },
            ]
        );

        // The second quarter alone: opening carries the first.
        let q2 = receipts_and_payments(&set(&[P, C]), period(day(4, 1), day(6, 30)), &ledger)?;
        assert_eq!(q2.opening, d(10_000_000));
        assert_eq!(q2.total_receipts, d(1_000_000));
        assert_eq!(q2.closing, d(9_000_000));

        let lines: Vec<Line> = ledger
            .iter()
            .map(|r| Line::new(r.fund, r.account, r.amount))
            .collect();
        assert_eq!(balance(C, &lines), Ok(d(2_000_000)));
        assert_eq!(balance(X, &lines), Ok(d(-1_000_000)));
        assert_eq!(
            balances(&lines),
            Ok(BTreeMap::from([
                (P, d(7_000_000)),
                (C, d(2_000_000)),
                (X, d(-1_000_000))
            ]))
        );
        assert_eq!(
            balance_by_asset(C, &lines).map(|v| v[0].amount),
            Ok(d(1_000_000))
        );
        Ok(())
    }

    #[test]
    fn halves_in_different_periods_are_not_hidden() -> Result<(), Invalid> {
        let t = Entry::transfer(P, C, Account::Cash, Dong::new(700))?;
        let mut ledger = rows(&t.out, day(6, 30), Some(C));
        ledger.extend(rows(&t.into, day(7, 1), Some(P)));
        let h1 = receipts_and_payments(&set(&[P, C]), Period::first_half(2025)?, &ledger)?;
        assert_eq!(h1.payment(Account::TransferOut), Dong::new(700));
        assert_eq!(h1.eliminated_internal_transfers, Dong::ZERO);
        assert_eq!(h1.closing, Dong::new(-700));
        let year = receipts_and_payments(&set(&[P, C]), Period::year(2025)?, &ledger)?;
        assert_eq!(year.total_payments, Dong::ZERO);
        assert_eq!(year.eliminated_internal_transfers, Dong::new(700));
        Ok(())
    }

    #[test]
    fn unbalanced_rows_and_overflow_are_reported() -> Result<(), Invalid> {
        let year = Period::year(2025)?;
        let half = rows(
            &Entry::receipt(P, Account::Cash, Dong::new(5), Account::Donation)?,
            day(1, 1),
            None,
        );
        assert_eq!(
            receipts_and_payments_of_fund(P, year, &half[..1]),
            Err(errors::LEDGER_UNBALANCED)
        );
        // Held before the period: the opening balance does not fit.
        let huge = |account, amount| ReportLine {
            fund: P,
            account,
            amount: Dong::new(amount),
            on: Date::new(2024, 12, 31).unwrap_or(day(1, 1)),
            transfer_counterpart_fund: None,
        };
        let rows = [huge(Account::Cash, i64::MAX), huge(Account::Bank, 1)];
        assert_eq!(
            receipts_and_payments_of_fund(P, year, &rows),
            Err(errors::OVERFLOW)
        );
        let lines = [
            Line::new(P, Account::Cash, Dong::new(i64::MAX)),
            Line::new(P, Account::Bank, Dong::new(1)),
        ];
        assert_eq!(balance(P, &lines), Err(errors::OVERFLOW));
        assert_eq!(balances(&lines), Err(errors::OVERFLOW));
        assert_eq!(
            balance_by_asset(P, &[lines[0], lines[0]]),
            Err(errors::OVERFLOW)
        );
        Ok(())
    }

    #[test]
    fn gross_sums_beyond_i64_still_report_their_net() -> Result<(), Invalid> {
        // A receipt of 10^15 and its reversal, 10,000 times: 2·10^19 đ went through the books,
        // more than an i64 holds, and the report still says what is there.
        let year = Period::year(2025)?;
        let gift = Entry::receipt(P, Account::Cash, Dong::MAX_AMOUNT, Account::Donation)?;
        let big: Vec<Line> = gift
            .lines()
            .iter()
            .map(|l| Line::new(l.fund, l.account, Dong::new(l.amount.get() * 1000)))
            .collect();
        let big = Entry::new(big)?;
        let mut ledger = Vec::new();
        for _ in 0..10_000 {
            ledger.extend(rows(&big, day(2, 1), None));
            ledger.extend(rows(&big.reversal(), day(2, 2), None));
        }
        ledger.extend(rows(&gift, day(3, 1), None));
        let r = receipts_and_payments_of_fund(P, year, &ledger)?;
        assert_eq!(r.closing, Dong::MAX_AMOUNT);
        assert_eq!(r.receipt(Account::Donation), Dong::MAX_AMOUNT);
        let lines: Vec<Line> = ledger
            .iter()
            .map(|l| Line::new(l.fund, l.account, l.amount))
            .collect();
        assert_eq!(balance(P, &lines)?, Dong::MAX_AMOUNT);
        Ok(())
    }

    #[test]
    fn serialises_for_the_api() -> Result<(), serde_json::Error> {
        let r = ReportLine {
            fund: P,
            account: Account::TransferIn,
            amount: Dong::new(-5),
            on: day(3, 1),
            transfer_counterpart_fund: Some(X),
        };
        let json = serde_json::to_string(&r)?;
        assert_eq!(
            json,
            r#"{"fund":1,"account":"transfer_in","amount":-5,"on":"2025-03-01","transfer_counterpart_fund":3}"#
        );
        assert_eq!(serde_json::from_str::<ReportLine>(&json)?, r);
        Ok(())
    }

    // ---- Random ledgers over a tree of funds ----------------------------------------------

    /// Funds 1..=7: 1 is the root, 2 and 3 its children, 4 and 5 under 2, 6 and 7 under 3.
    fn parent(f: i64) -> Option<i64> {
        (f > 1).then_some(f / 2)
    }
    fn subtree(root: i64) -> BTreeSet<FundId> {
        (1..=7)
            .filter(|&f| {
                let mut g = Some(f);
                while let Some(x) = g {
                    if x == root {
                        return true;
                    }
                    g = parent(x);
                }
                false
            })
            .map(FundId)
            .collect()
    }

    #[derive(Debug, Clone)]
    enum Move {
        Receipt(i64, Account, Account, i64),
        Payment(i64, Account, Account, i64),
        Transfer(i64, i64, Account, i64),
        Reverse(usize),
    }

    fn any_move() -> impl Strategy<Value = Move> {
        use crate::entry::tests::{any_asset, any_expense, any_income};
        let fund = 1i64..=7;
        let amount = 1i64..=1_000_000_000;
        prop_oneof![
            (fund.clone(), any_asset(), any_income(), amount.clone())
                .prop_map(|(f, a, c, x)| Move::Receipt(f, a, c, x)),
            (fund.clone(), any_asset(), any_expense(), amount.clone())
                .prop_map(|(f, a, c, x)| Move::Payment(f, a, c, x)),
            (fund.clone(), fund, any_asset(), amount)
                .prop_map(|(f, g, a, x)| Move::Transfer(f, g, a, x)),
            any::<usize>().prop_map(Move::Reverse),
        ]
    }

    /// What a posted movement did, kept by the test's own bookkeeping.
    #[derive(Debug, Clone)]
    struct Posted {
        on: Date,
        rows: Vec<ReportLine>,
        /// (fund, receipts, payments) effects; transfers as (from, to, amount).
        receipt: Option<(i64, i64)>,
        payment: Option<(i64, i64)>,
        transfer: Option<(i64, i64, i64)>,
    }

    fn post(moves: &[(Move, Date)]) -> Result<Vec<Posted>, Invalid> {
        let mut posted: Vec<Posted> = Vec::new();
        for (m, on) in moves {
            let on = *on;
            let p = match m {
                Move::Receipt(f, a, c, x) => Posted {
                    on,
                    rows: rows(
                        &Entry::receipt(FundId(*f), *a, Dong::new(*x), *c)?,
                        on,
                        None,
                    ),
                    receipt: Some((*f, *x)),
                    payment: None,
                    transfer: None,
                },
                Move::Payment(f, a, c, x) => Posted {
                    on,
                    rows: rows(
                        &Entry::payment(FundId(*f), *a, Dong::new(*x), *c)?,
                        on,
                        None,
                    ),
                    receipt: None,
                    payment: Some((*f, *x)),
                    transfer: None,
                },
                Move::Transfer(f, g, a, x) => {
                    let Ok(t) = Entry::transfer(FundId(*f), FundId(*g), *a, Dong::new(*x)) else {
                        continue; // same fund: refused, nothing posted
                    };
                    let mut r = rows(&t.out, on, Some(t.to));
                    r.extend(rows(&t.into, on, Some(t.from)));
                    Posted {
                        on,
                        rows: r,
                        receipt: None,
                        payment: None,
                        transfer: Some((*f, *g, *x)),
                    }
                }
                Move::Reverse(i) => {
                    if posted.is_empty() {
                        continue;
                    }
                    let orig = posted[i % posted.len()].clone();
                    let neg = |x: i64| -x;
                    Posted {
                        on,
                        rows: orig
                            .rows
                            .iter()
                            .map(|r| ReportLine {
                                on,
                                amount: Dong::new(-r.amount.get()),
                                ..*r
                            })
                            .collect(),
                        receipt: orig.receipt.map(|(f, x)| (f, neg(x))),
                        payment: orig.payment.map(|(f, x)| (f, neg(x))),
                        transfer: orig.transfer.map(|(f, g, x)| (f, g, neg(x))),
                    }
                }
            };
            posted.push(p);
        }
        Ok(posted)
    }

    /// The test's own figures for set `s` over `[from, to]`: (opening, receipts, payments,
    /// closing, internal transfers), from the movements, not from the lines.
    fn model(posted: &[Posted], s: &BTreeSet<FundId>, from: Date, to: Date) -> [i128; 5] {
        let inside = |f: i64| s.contains(&FundId(f));
        let (mut opening, mut receipts, mut payments, mut internal) = (0i128, 0i128, 0i128, 0i128);
        for p in posted.iter().filter(|p| p.on <= to) {
            let mut delta = 0i128;
            let (mut r, mut pay) = (0i128, 0i128);
            if let Some((_, x)) = p.receipt.filter(|(f, _)| inside(*f)) {
                delta += i128::from(x);
                r += i128::from(x);
            }
            if let Some((_, x)) = p.payment.filter(|(f, _)| inside(*f)) {
                delta -= i128::from(x);
                pay += i128::from(x);
            }
            if let Some((f, g, x)) = p.transfer {
                let x = i128::from(x);
                if inside(f) {
                    delta -= x;
                    pay += x;
                }
                if inside(g) {
                    delta += x;
                    r += x;
                }
                if inside(f) && inside(g) && p.on >= from {
                    internal += x;
                }
            }
            if p.on < from {
                opening += delta;
            } else {
                receipts += r;
                payments += pay;
            }
        }
        let closing = opening + receipts - payments;
        [
            opening,
            receipts - internal,
            payments - internal,
            closing,
            internal,
        ]
    }

    fn figures(r: &ReceiptsPayments) -> [i128; 5] {
        [
            r.opening,
            r.total_receipts,
            r.total_payments,
            r.closing,
            r.eliminated_internal_transfers,
        ]
        .map(|d| i128::from(d.get()))
    }

    fn dated_moves() -> impl Strategy<Value = Vec<(Move, Date)>> {
        prop::collection::vec((any_move(), 1u8..=12, 1u8..=28), 0..40).prop_map(|v| {
            let mut v: Vec<(Move, Date)> =
                v.into_iter().map(|(m, mo, d)| (m, day(mo, d))).collect();
            v.sort_by_key(|(_, on)| *on);
            v
        })
    }

    fn any_period() -> impl Strategy<Value = Period> {
        ((1u8..=12, 1u8..=28), (1u8..=12, 1u8..=28)).prop_map(|(a, b)| {
            let (a, b) = (day(a.0, a.1), day(b.0, b.1));
            period(a.min(b), a.max(b))
        })
    }

    proptest! {
        #[test]
        fn consolidation_over_subtrees(moves in dated_moves(), root in 1i64..=7, p in any_period()) {
            let posted = post(&moves).map_err(fail)?;
            let ledger: Vec<ReportLine> = posted.iter().flat_map(|p| p.rows.clone()).collect();
            let s = subtree(root);
            let report = receipts_and_payments(&s, p, &ledger).map_err(fail)?;
            // Independent: the set's movements minus the transfers between its own funds.
            prop_assert_eq!(figures(&report), model(&posted, &s, p.from(), p.to()));
            // Against the per-fund reports of the same function.
            let mut sum_receipts = Dong::ZERO;
            let mut sum_payments = Dong::ZERO;
            for f in &s {
                let one = receipts_and_payments_of_fund(*f, p, &ledger).map_err(fail)?;
                prop_assert_eq!(figures(&one), model(&posted, &BTreeSet::from([*f]), p.from(), p.to()));
                sum_receipts = sum_receipts.checked_add(one.total_receipts).map_err(fail)?;
                sum_payments = sum_payments.checked_add(one.total_payments).map_err(fail)?;
            }
            let internal = report.eliminated_internal_transfers;
            prop_assert_eq!(Ok(report.total_receipts), sum_receipts.checked_sub(internal));
            prop_assert_eq!(Ok(report.total_payments), sum_payments.checked_sub(internal));
            // Non-transfer categories simply add up.
            for c in Account::income().chain(Account::expenses()).filter(|a| !a.is_transfer()) {
                let mut sum = Dong::ZERO;
                for f in &s {
                    let one = receipts_and_payments_of_fund(*f, p, &ledger).map_err(fail)?;
                    sum = sum.checked_add(one.receipt(c).checked_add(one.payment(c)).map_err(fail)?).map_err(fail)?;
                }
                prop_assert_eq!(report.receipt(c).checked_add(report.payment(c)), Ok(sum));
            }
        }

        #[test]
        fn closing_is_opening_plus_receipts_minus_payments(
            moves in dated_moves(),
            members in prop::collection::btree_set(1i64..=7, 0..=7),
            p in any_period(),
        ) {
            let posted = post(&moves).map_err(fail)?;
            let ledger: Vec<ReportLine> = posted.iter().flat_map(|p| p.rows.clone()).collect();
            let s: BTreeSet<FundId> = members.into_iter().map(FundId).collect();
            let r = receipts_and_payments(&s, p, &ledger).map_err(fail)?;
            let expected = r.opening.checked_add(r.total_receipts).and_then(|x| x.checked_sub(r.total_payments));
            prop_assert_eq!(Ok(r.closing), expected);
            prop_assert_eq!(figures(&r), model(&posted, &s, p.from(), p.to()));
            // The closing balance is the balance of the lines up to the end of the period.
            let lines: Vec<Line> = ledger
                .iter()
                .filter(|l| l.on <= p.to())
                .map(|l| Line::new(l.fund, l.account, l.amount))
                .collect();
            let mut total = Dong::ZERO;
            for f in &s {
                total = total.checked_add(balance(*f, &lines).map_err(fail)?).map_err(fail)?;
            }
            prop_assert_eq!(r.closing, total);
        }

        #[test]
        fn reversal_restores_every_balance(moves in dated_moves(), k in any::<usize>()) {
            let posted = post(&moves).map_err(fail)?;
            prop_assume!(!posted.is_empty());
            let k = k % posted.len();
            let to_lines = |rows: &[ReportLine]| -> Vec<Line> {
                rows.iter().map(|r| Line::new(r.fund, r.account, r.amount)).collect()
            };
            let without: Vec<Line> = posted
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != k)
                .flat_map(|(_, p)| to_lines(&p.rows))
                .collect();
            let mut with_reversal: Vec<Line> = posted.iter().flat_map(|p| to_lines(&p.rows)).collect();
            let original = Entry::new(to_lines(&posted[k].rows)).map_err(fail)?;
            with_reversal.extend(original.reversal().into_lines());
            for f in 1..=7 {
                prop_assert_eq!(
                    balance(FundId(f), &with_reversal),
                    balance(FundId(f), &without)
                );
            }
        }
    }
}
