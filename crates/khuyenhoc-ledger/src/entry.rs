//! Lines and entries (bút toán). An entry is the unit of posting: it is checked once here, then
//! stored and never changed.
//!
//! # Rules of an entry ([`Entry::new`])
//!
//! * at least two lines, none with a zero amount, none beyond [`Dong::MAX_BALANCE`] (what an
//!   entry read back from storage may hold; the builders take at most [`Dong::MAX_AMOUNT`]);
//! * **the lines of each fund sum to zero**: every fund's books balance on their own, so a
//!   posting can never move value between funds silently.
//!
//! # Transfers between funds
//!
//! A transfer from fund A to fund B (say a province fund passing money to a commune fund) is
//! **two entries**, one per fund, built together by [`Entry::transfer`] and posted in the same
//! transaction: in A `TransferOut +X, asset −X` (A's payment voucher, phiếu chi) and in B
//! `asset +X, TransferIn −X` (B's receipt voucher, phiếu thu). The application stores on each
//! transfer line the fund on the other side (`from`/`to` of the returned [`Transfer`]); the
//! consolidated report uses it to eliminate transfers inside a subtree
//! ([`crate::report::ReportLine::transfer_counterpart_fund`]). A transfer is corrected by
//! reversing both halves ([`Transfer::reversal`]). A single four-line entry balanced per fund
//! is also accepted by [`Entry::new`], but the builder gives one entry per fund so that each
//! fund's voucher numbering and audit stay its own.

use crate::account::{Account, AccountKind};
use crate::dong::Dong;
use crate::errors;
use crate::voucher::VoucherKind;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The database id of a fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FundId(pub i64);

impl std::fmt::Display for FundId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One line of an entry. **Debit positive, credit negative**: an asset or an expense grows with a
/// positive amount, an income category grows with a negative amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Line {
    pub fund: FundId,
    pub account: Account,
    pub amount: Dong,
}

impl Line {
    pub fn new(fund: FundId, account: Account, amount: Dong) -> Self {
        Self {
            fund,
            account,
            amount,
        }
    }
}

/// A balanced entry: see the module documentation for its rules. Serialised as
/// `{"lines": [...]}`; deserialising checks the rules again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawEntry")]
pub struct Entry {
    lines: Vec<Line>,
}

#[derive(Deserialize)]
struct RawEntry {
    lines: Vec<Line>,
}

impl TryFrom<RawEntry> for Entry {
    type Error = Invalid;
    fn try_from(raw: RawEntry) -> Result<Self, Invalid> {
        Entry::new(raw.lines)
    }
}

/// The two halves of a transfer between funds, from [`Entry::transfer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    /// The sending fund: counterpart of the `into` half's `TransferIn` line.
    pub from: FundId,
    /// The receiving fund: counterpart of the `out` half's `TransferOut` line.
    pub to: FundId,
    /// In `from`: `TransferOut +X`, asset `−X`.
    pub out: Entry,
    /// In `to`: asset `+X`, `TransferIn −X`.
    pub into: Entry,
}

impl Transfer {
    /// Reverses both halves; `from` and `to` stay as they were, so the counterparts stored with
    /// the reversing lines are the same as those of the original lines.
    pub fn reversal(&self) -> Transfer {
        Transfer {
            from: self.from,
            to: self.to,
            out: self.out.reversal(),
            into: self.into.reversal(),
        }
    }
}

fn positive(amount: Dong) -> Result<Dong, Invalid> {
    if !amount.is_positive() {
        Err(errors::NOT_POSITIVE)
    } else if amount > Dong::MAX_AMOUNT {
        Err(errors::TOO_LARGE)
    } else {
        Ok(amount)
    }
}

fn asset(account: Account) -> Result<Account, Invalid> {
    if account.is_asset() {
        Ok(account)
    } else {
        Err(errors::NOT_ASSET)
    }
}

/// `−amount` for an amount already known to be within the limit.
fn negate(amount: Dong) -> Dong {
    Dong::new(-amount.get())
}

impl Entry {
    /// Checks the rules of an entry (see the module documentation).
    pub fn new(lines: Vec<Line>) -> Result<Self, Invalid> {
        if lines.len() < 2 {
            return Err(errors::TOO_FEW_LINES);
        }
        let mut per_fund: BTreeMap<FundId, Dong> = BTreeMap::new();
        for line in &lines {
            if line.amount.is_zero() {
                return Err(errors::ZERO_LINE);
            }
            if !line.amount.within_limit() {
                return Err(errors::LINE_TOO_LARGE);
            }
            let sum = per_fund.entry(line.fund).or_default();
            *sum = sum.checked_add(line.amount)?;
        }
        if per_fund.values().any(|s| !s.is_zero()) {
            return Err(errors::UNBALANCED);
        }
        Ok(Self { lines })
    }

    /// Money coming into `fund`: `asset +amount`, `category −amount`. `asset` is `Cash`, `Bank`
    /// or `InKind`; `category` an income category other than `TransferIn`; `amount > 0`.
    pub fn receipt(
        fund: FundId,
        asset_account: Account,
        amount: Dong,
        category: Account,
    ) -> Result<Self, Invalid> {
        let amount = positive(amount)?;
        let asset_account = asset(asset_account)?;
        if category.kind() != AccountKind::Income || category.is_transfer() {
            return Err(errors::NOT_INCOME);
        }
        Self::new(vec![
            Line::new(fund, asset_account, amount),
            Line::new(fund, category, negate(amount)),
        ])
    }

    /// Money going out of `fund`: `category +amount`, `asset −amount`. `category` an expense
    /// category other than `TransferOut`; `amount > 0`.
    pub fn payment(
        fund: FundId,
        asset_account: Account,
        amount: Dong,
        category: Account,
    ) -> Result<Self, Invalid> {
        let amount = positive(amount)?;
        let asset_account = asset(asset_account)?;
        if category.kind() != AccountKind::Expense || category.is_transfer() {
            return Err(errors::NOT_EXPENSE);
        }
        Self::new(vec![
            Line::new(fund, category, amount),
            Line::new(fund, asset_account, negate(amount)),
        ])
    }

    /// A transfer of `amount` held as `asset` from one fund to another: two entries, one per
    /// fund (see the module documentation).
    pub fn transfer(
        from: FundId,
        to: FundId,
        asset_account: Account,
        amount: Dong,
    ) -> Result<Transfer, Invalid> {
        let amount = positive(amount)?;
        let asset_account = asset(asset_account)?;
        if from == to {
            return Err(errors::SAME_FUND);
        }
        let out = Self::new(vec![
            Line::new(from, Account::TransferOut, amount),
            Line::new(from, asset_account, negate(amount)),
        ])?;
        let into = Self::new(vec![
            Line::new(to, asset_account, amount),
            Line::new(to, Account::TransferIn, negate(amount)),
        ])?;
        Ok(Transfer {
            from,
            to,
            out,
            into,
        })
    }

    /// The entry that cancels this one: every line negated. The application stores it as a new
    /// entry linked to the original; the original is never touched.
    pub fn reversal(&self) -> Entry {
        Entry {
            lines: self
                .lines
                .iter()
                .map(|l| Line::new(l.fund, l.account, negate(l.amount)))
                .collect(),
        }
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    pub fn into_lines(self) -> Vec<Line> {
        self.lines
    }

    /// The funds this entry touches, in id order.
    pub fn funds(&self) -> Vec<FundId> {
        let mut funds: Vec<FundId> = self.lines.iter().map(|l| l.fund).collect();
        funds.sort_unstable();
        funds.dedup();
        funds
    }

    /// The change of `fund`'s assets made by this entry.
    pub fn asset_change(&self, fund: FundId) -> Result<Dong, Invalid> {
        Dong::checked_sum(
            self.lines
                .iter()
                .filter(|l| l.fund == fund && l.account.is_asset())
                .map(|l| l.amount),
        )
    }

    /// The voucher this entry needs in its fund: a receipt voucher (phiếu thu) when the fund's
    /// assets grow, a payment voucher (phiếu chi) when they shrink, none when they do not
    /// change (cash deposited at the bank) or when the entry touches several funds.
    pub fn voucher_kind(&self) -> Option<VoucherKind> {
        let [fund] = self.funds()[..] else {
            return None;
        };
        let change = self.asset_change(fund).ok()?;
        if change.is_positive() {
            Some(VoucherKind::Receipt)
        } else if change.is_negative() {
            Some(VoucherKind::Payment)
        } else {
            None
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: FundId = FundId(1);
    const B: FundId = FundId(2);

    fn d(x: i64) -> Dong {
        Dong::new(x)
    }

    #[test]
    fn builders_make_the_expected_lines() -> Result<(), Invalid> {
        let r = Entry::receipt(A, Account::Cash, d(500_000), Account::PiggyBank)?;
        assert_eq!(
            r.lines(),
            &[
                Line::new(A, Account::Cash, d(500_000)),
                Line::new(A, Account::PiggyBank, d(-500_000)),
            ]
        );
        assert_eq!(r.voucher_kind(), Some(VoucherKind::Receipt));
        let p = Entry::payment(A, Account::Bank, d(2_000_000), Account::Scholarship)?;
        assert_eq!(p.asset_change(A), Ok(d(-2_000_000)));
        assert_eq!(p.voucher_kind(), Some(VoucherKind::Payment));
        assert_eq!(p.reversal().voucher_kind(), Some(VoucherKind::Receipt));
        let t = Entry::transfer(A, B, Account::Bank, d(7))?;
        assert_eq!(t.out.funds(), vec![A]);
        assert_eq!(t.into.funds(), vec![B]);
        assert_eq!(t.out.voucher_kind(), Some(VoucherKind::Payment));
        assert_eq!(t.into.voucher_kind(), Some(VoucherKind::Receipt));
        assert_eq!(t.reversal().reversal(), t);
        let deposit = Entry::new(vec![
            Line::new(A, Account::Bank, d(10)),
            Line::new(A, Account::Cash, d(-10)),
        ])?;
        assert_eq!(deposit.voucher_kind(), None);
        Ok(())
    }

    #[test]
    fn bad_entries_are_refused() {
        let cash = |f, x| Line::new(f, Account::Cash, d(x));
        let gift = |f, x| Line::new(f, Account::Donation, d(x));
        assert_eq!(Entry::new(vec![]), Err(errors::TOO_FEW_LINES));
        assert_eq!(Entry::new(vec![cash(A, 5)]), Err(errors::TOO_FEW_LINES));
        assert_eq!(
            Entry::new(vec![cash(A, 5), gift(A, -4)]),
            Err(errors::UNBALANCED)
        );
        // Balanced overall but not per fund: money may not move between funds in one entry.
        assert_eq!(
            Entry::new(vec![cash(A, 5), gift(B, -5)]),
            Err(errors::UNBALANCED)
        );
        assert_eq!(
            Entry::new(vec![cash(A, 0), gift(A, 0)]),
            Err(errors::ZERO_LINE)
        );
        assert_eq!(
            Entry::new(vec![cash(A, i64::MAX), gift(A, -i64::MAX)]),
            Err(errors::LINE_TOO_LARGE)
        );
        let four = Entry::new(vec![
            Line::new(A, Account::TransferOut, d(3)),
            cash(A, -3),
            cash(B, 3),
            Line::new(B, Account::TransferIn, d(-3)),
        ]);
        assert!(four.is_ok());
        assert_eq!(four.map(|e| e.voucher_kind()), Ok(None));

        assert_eq!(
            Entry::receipt(A, Account::Cash, d(0), Account::Donation),
            Err(errors::NOT_POSITIVE)
        );
        assert_eq!(
            Entry::receipt(A, Account::Cash, d(-5), Account::Donation),
            Err(errors::NOT_POSITIVE)
        );
        assert_eq!(
            Entry::receipt(
                A,
                Account::Cash,
                d(Dong::MAX_AMOUNT.get() + 1),
                Account::Donation
            ),
            Err(errors::TOO_LARGE)
        );
        assert_eq!(
            Entry::receipt(A, Account::Donation, d(5), Account::Donation),
            Err(errors::NOT_ASSET)
        );
        assert_eq!(
            Entry::receipt(A, Account::Cash, d(5), Account::Scholarship),
            Err(errors::NOT_INCOME)
        );
        assert_eq!(
            Entry::receipt(A, Account::Cash, d(5), Account::TransferIn),
            Err(errors::NOT_INCOME)
        );
        assert_eq!(
            Entry::payment(A, Account::Cash, d(5), Account::TransferOut),
            Err(errors::NOT_EXPENSE)
        );
        assert_eq!(
            Entry::payment(A, Account::Cash, d(5), Account::Donation),
            Err(errors::NOT_EXPENSE)
        );
        assert_eq!(
            Entry::transfer(A, A, Account::Cash, d(5)),
            Err(errors::SAME_FUND)
        );
    }

    #[test]
    fn serde_checks_again() -> Result<(), serde_json::Error> {
        let e = Entry::receipt(A, Account::Cash, d(5), Account::Donation)
            .map_err(serde::ser::Error::custom)?;
        let json = serde_json::to_string(&e)?;
        assert_eq!(
            json,
            r#"{"lines":[{"fund":1,"account":"cash","amount":5},{"fund":1,"account":"donation","amount":-5}]}"#
        );
        assert_eq!(serde_json::from_str::<Entry>(&json)?, e);
        let unbalanced = json.replace("-5", "-4");
        assert!(serde_json::from_str::<Entry>(&unbalanced).is_err());
        Ok(())
    }

    pub(crate) fn any_asset() -> impl Strategy<Value = Account> {
        prop::sample::select(Account::assets().collect::<Vec<_>>())
    }
    pub(crate) fn any_income() -> impl Strategy<Value = Account> {
        prop::sample::select(
            Account::income()
                .filter(|a| !a.is_transfer())
                .collect::<Vec<_>>(),
        )
    }
    pub(crate) fn any_expense() -> impl Strategy<Value = Account> {
        prop::sample::select(
            Account::expenses()
                .filter(|a| !a.is_transfer())
                .collect::<Vec<_>>(),
        )
    }

    fn balances_per_fund(e: &Entry) -> BTreeMap<FundId, i128> {
        let mut m = BTreeMap::new();
        for l in e.lines() {
            *m.entry(l.fund).or_insert(0i128) += i128::from(l.amount.get());
        }
        m
    }

    proptest! {
        #[test]
        fn builders_balance_per_fund(
            f in 0i64..5, g in 0i64..5, asset in any_asset(), inc in any_income(),
            exp in any_expense(), x in 1..=Dong::MAX_AMOUNT.get(),
        ) {
            let (f, g, x) = (FundId(f), FundId(g), Dong::new(x));
            let mut entries = vec![
                Entry::receipt(f, asset, x, inc),
                Entry::payment(f, asset, x, exp),
            ];
            match Entry::transfer(f, g, asset, x) {
                Ok(t) => { entries.push(Ok(t.out)); entries.push(Ok(t.into)); }
                Err(e) => prop_assert!(f == g && e == errors::SAME_FUND),
            }
            for e in entries {
                let e = e.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(balances_per_fund(&e).values().all(|s| *s == 0));
                prop_assert!(balances_per_fund(&e.reversal()).values().all(|s| *s == 0));
                prop_assert_eq!(Entry::new(e.lines().to_vec()), Ok(e.clone()));
                prop_assert_eq!(e.reversal().reversal(), e);
            }
        }

        #[test]
        fn builders_refuse_non_positive(x in i64::MIN..=0, asset in any_asset(), inc in any_income()) {
            prop_assert_eq!(Entry::receipt(A, asset, Dong::new(x), inc), Err(errors::NOT_POSITIVE));
            prop_assert_eq!(Entry::transfer(A, B, asset, Dong::new(x)), Err(errors::NOT_POSITIVE));
        }
    }
}
