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
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct AccountTotal {
    pub account: Account,
    pub amount: Dong,
}

/// The report of receipts and payments of a set of funds over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
mod tests;
