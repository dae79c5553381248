//! Random ledgers over a tree of funds: the consolidated report against an independent model
//! and against the per-fund reports, closing balances, reversals.

use super::*;

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
        let mut v: Vec<(Move, Date)> = v.into_iter().map(|(m, mo, d)| (m, day(mo, d))).collect();
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
