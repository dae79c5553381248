//! The report on small ledgers written out by hand; `properties` checks it on random ones.

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

/// A year of a province fund P, a commune fund C under it and another province's fund X: a
/// donation, a transfer down, a scholarship, a receipt made by mistake and reversed, a gift
/// from X.
fn small_year_ledger() -> Result<Vec<ReportLine>, Invalid> {
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
    Ok(ledger)
}

#[test]
fn a_small_year() -> Result<(), Invalid> {
    let d = Dong::new;
    let ledger = small_year_ledger()?;
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

mod properties;
