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

fn add(slot: &mut Dong, amount: Dong) -> Result<(), Invalid> {
    *slot = slot.checked_add(amount)?;
    Ok(())
}

/// The balance of `fund`: the sum of its asset lines.
pub fn balance<'a>(
    fund: FundId,
    lines: impl IntoIterator<Item = &'a Line>,
) -> Result<Dong, Invalid> {
    Dong::checked_sum(
        lines
            .into_iter()
            .filter(|l| l.fund == fund && l.account.is_asset())
            .map(|l| l.amount),
    )
}

/// The balance of `fund` per asset account (`Cash`, `Bank`, `InKind`).
pub fn balance_by_asset<'a>(
    fund: FundId,
    lines: impl IntoIterator<Item = &'a Line>,
) -> Result<Vec<AccountTotal>, Invalid> {
    let mut sums = [Dong::ZERO; N];
    for l in lines {
        if l.fund == fund && l.account.is_asset() {
            add(&mut sums[index(l.account)], l.amount)?;
        }
    }
    Ok(Account::assets()
        .map(|account| AccountTotal {
            account,
            amount: sums[index(account)],
        })
        .collect())
}

/// The balance of every fund that has a line.
pub fn balances<'a>(
    lines: impl IntoIterator<Item = &'a Line>,
) -> Result<BTreeMap<FundId, Dong>, Invalid> {
    let mut out: BTreeMap<FundId, Dong> = BTreeMap::new();
    for l in lines {
        let slot = out.entry(l.fund).or_default();
        if l.account.is_asset() {
            add(slot, l.amount)?;
        }
    }
    Ok(out)
}

/// The report of receipts and payments of the funds in `funds` over `period` (see the module
/// documentation for the consolidation rule). Errors: [`errors::OVERFLOW`] if a total does not
/// fit in `i64`, [`errors::LEDGER_UNBALANCED`] if the lines of the period do not sum to zero
/// (rows missing or corrupted), which is what makes `closing = opening + receipts − payments`.
pub fn receipts_and_payments<'a>(
    funds: &BTreeSet<FundId>,
    period: Period,
    lines: impl IntoIterator<Item = &'a ReportLine>,
) -> Result<ReceiptsPayments, Invalid> {
    let mut before = [Dong::ZERO; N];
    let mut during = [Dong::ZERO; N];
    let mut internal_in = Dong::ZERO;
    let mut internal_out = Dong::ZERO;
    let mut period_sum = Dong::ZERO;
    for l in lines {
        if !funds.contains(&l.fund) || l.on > period.to() {
            continue;
        }
        if l.on < period.from() {
            if l.account.is_asset() {
                add(&mut before[index(l.account)], l.amount)?;
            }
            continue;
        }
        add(&mut period_sum, l.amount)?;
        let internal = l.account.is_transfer()
            && l.transfer_counterpart_fund
                .is_some_and(|c| funds.contains(&c));
        match l.account {
            Account::TransferIn if internal => internal_in = internal_in.checked_sub(l.amount)?,
            Account::TransferOut if internal => add(&mut internal_out, l.amount)?,
            account => add(&mut during[index(account)], l.amount)?,
        }
    }
    if !period_sum.is_zero() {
        return Err(errors::LEDGER_UNBALANCED);
    }
    let eliminated = internal_in.min(internal_out);
    let mut receipts = Vec::new();
    for account in Account::income() {
        let mut amount = during[index(account)].checked_neg()?;
        if account == Account::TransferIn {
            amount = amount.checked_add(internal_in.checked_sub(eliminated)?)?;
        }
        receipts.push(AccountTotal { account, amount });
    }
    let mut payments = Vec::new();
    for account in Account::expenses() {
        let mut amount = during[index(account)];
        if account == Account::TransferOut {
            amount = amount.checked_add(internal_out.checked_sub(eliminated)?)?;
        }
        payments.push(AccountTotal { account, amount });
    }
    let mut opening_by_asset = Vec::new();
    let mut closing_by_asset = Vec::new();
    for account in Account::assets() {
        let i = index(account);
        opening_by_asset.push(AccountTotal {
            account,
            amount: before[i],
        });
        closing_by_asset.push(AccountTotal {
            account,
            amount: before[i].checked_add(during[i])?,
        });
    }
    let total = |v: &[AccountTotal]| Dong::checked_sum(v.iter().map(|t| t.amount));
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
        eliminated_internal_transfers: eliminated,
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
