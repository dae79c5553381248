//! The vocabulary of computed metrics. Base metrics are read from live counters (or counted from
//! the map) and add up across units; derived metrics (shares, totals of categories) are computed
//! from base metrics after adding up, never added themselves.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// A whole number of people, units, payments…
    #[default]
    Count,
    /// Whole đồng.
    Money,
    /// A share in basis points (1/10,000): 1234 is 12,34 %.
    Percent,
}

const MODELS: [&str; 5] = ["citizen", "family", "clan", "community", "unit"];
const SECTORS: [&str; 4] = ["university", "enterprise", "armed_forces", "party"];
const BRANCH_KINDS: [&str; 10] = [
    "total",
    "village",
    "boards",
    "school",
    "agency",
    "enterprise",
    "armed_forces",
    "university",
    "study_board",
    "commune",
];
/// The population each model's national target counts (Decisions 387 and 677): people for
/// learning citizens, households for families, clans, village communities (villages and
/// residential groups) and organisations for units. A unit records them with its population.
pub const POPULATIONS: [(&str, &str); 5] = [
    ("citizen", "population"),
    ("family", "population.households"),
    ("clan", "population.clans"),
    ("community", "population.communities"),
    ("unit", "population.organisations"),
];

/// The base metric a model's share of recognised titles divides by.
pub fn denominator_of(model: &str) -> Option<&'static str> {
    POPULATIONS
        .iter()
        .find(|(m, _)| *m == model)
        .map(|(_, k)| *k)
}

const INCOME: [&str; 4] = ["donation", "membership_fee", "piggy_bank", "other_income"];
const EXPENSE: [&str; 4] = ["scholarship", "award", "teacher_support", "other_expense"];

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether `m` names a metric the program can compute.
pub fn is_known_metric(m: &str) -> bool {
    let parts: Vec<&str> = m.split('.').collect();
    match parts.as_slice() {
        ["members", "active" | "joined" | "share"] | ["population"] => true,
        ["population", p] => POPULATIONS
            .iter()
            .any(|(_, k)| k.strip_prefix("population.") == Some(*p)),
        ["members", "sector", s] => SECTORS.contains(s),
        ["branches", k] => BRANCH_KINDS.contains(k),
        ["eval", "registered" | "recognised" | "pending" | "checked" | "recognised_share", model] => {
            MODELS.contains(model)
        }
        ["eval", "registered" | "recognised", model, fg] => MODELS.contains(model) && is_code(fg),
        ["fund", "receipts" | "payments"] => true,
        ["ledger", a] => {
            INCOME.contains(a) || EXPENSE.contains(a) || *a == "transfer_in" || *a == "transfer_out"
        }
        ["paid", "scholarship" | "award"] => true,
        // Cooperation programmes: in force for part of the period, reviews held and due in it.
        ["coop", "in_force" | "reviews_held" | "reviews_due"] => true,
        _ => false,
    }
}

/// Whether a metric's values add up across units (shares do not).
pub fn is_summable(m: &str) -> bool {
    !(m == "members.share" || m.starts_with("eval.recognised_share."))
}

/// The natural format of a metric.
pub fn format_of(m: &str) -> Format {
    if !is_summable(m) {
        Format::Percent
    } else if m.starts_with("ledger.") || m.starts_with("fund.") {
        Format::Money
    } else {
        Format::Count
    }
}

/// `num / den` in basis points, rounded half up (`i128`, so large populations cannot overflow);
/// `None` without a denominator: a share of nothing is missing, not zero.
pub fn share(num: i64, den: Option<i64>) -> Option<i64> {
    let den = den.filter(|d| *d > 0)?;
    Some(
        i64::try_from((i128::from(num) * 10_000 + i128::from(den) / 2) / i128::from(den))
            .unwrap_or(i64::MAX),
    )
}

/// A sum taken in `i128`, brought back to the nearest `i64` (the caps on money keep real
/// figures far inside; this only keeps a figure stored beyond them from overflowing).
fn wide_sum(values: impl Iterator<Item = i64>) -> i64 {
    let total: i128 = values.map(i128::from).sum();
    i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
}

/// The value of metric `m` given the base values. A missing count is zero; a share whose
/// population is missing (not recorded for the year, or zero) is `None`: shown as missing,
/// never divided by something else. A model's share of recognised titles divides by the
/// population its national target counts ([`POPULATIONS`]), not by registrations.
pub fn derive(m: &str, base: &BTreeMap<String, i64>) -> Option<i64> {
    let get = |k: &str| base.get(k).copied().unwrap_or(0);
    match m {
        "members.share" => share(get("members.active"), base.get("population").copied()),
        "fund.receipts" => Some(wide_sum(INCOME.iter().map(|a| get(&format!("ledger.{a}"))))),
        "fund.payments" => Some(wide_sum(
            EXPENSE.iter().map(|a| get(&format!("ledger.{a}"))),
        )),
        _ => match m.strip_prefix("eval.recognised_share.") {
            Some(model) => share(
                get(&format!("eval.recognised.{model}")),
                denominator_of(model).and_then(|d| base.get(d).copied()),
            ),
            None if m.starts_with("population.") => base.get(m).copied(),
            None => Some(get(m)),
        },
    }
}

/// Competition ranks, highest value first: [10, 30, 30, 5] → [3, 1, 1, 4].
pub fn ranks(values: &[i64]) -> Vec<usize> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|o| *o > v).count())
        .collect()
}

/// Competition ranks of values some of which are missing: the known ones ranked highest first,
/// every missing one ranked last, after all the known ones ([10, None, 30, 10] → [2, 4, 1, 2]).
/// A missing value is never taken for a zero.
pub fn ranks_known(values: &[Option<i64>]) -> Vec<usize> {
    let known = values.iter().flatten().count();
    values
        .iter()
        .map(|v| match v {
            Some(v) => 1 + values.iter().flatten().filter(|o| *o > v).count(),
            None => known + 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary() {
        for m in [
            "members.active",
            "members.sector.party",
            "population",
            "branches.village",
            "eval.recognised.citizen",
            "eval.registered.citizen.farmer",
            "eval.recognised_share.family",
            "population.households",
            "population.organisations",
            "fund.receipts",
            "ledger.scholarship",
            "paid.award",
            "coop.in_force",
            "coop.reviews_held",
            "coop.reviews_due",
        ] {
            assert!(is_known_metric(m), "{m}");
        }
        for m in [
            "members",
            "eval.recognised.dog",
            "ledger.cash",
            "paid.x",
            "eval.registered.citizen.Bad",
            "population.cats",
        ] {
            assert!(!is_known_metric(m), "{m}");
        }
    }

    #[test]
    fn derived_values() {
        let base: BTreeMap<String, i64> = [
            ("members.active", 1_234),
            ("population", 10_000),
            ("ledger.donation", 5_000_000),
            ("ledger.membership_fee", 200_000),
            ("ledger.transfer_in", 9_999_999),
            ("ledger.scholarship", 1_000_000),
            ("eval.recognised.citizen", 2),
            ("eval.registered.citizen", 3),
            ("eval.recognised.family", 7),
            ("eval.registered.family", 8),
            ("population.households", 20),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(derive("members.share", &base), Some(1_234));
        assert_eq!(
            derive("fund.receipts", &base),
            Some(5_200_000),
            "transfers are not receipts"
        );
        assert_eq!(derive("fund.payments", &base), Some(1_000_000));
        assert_eq!(
            derive("eval.recognised_share.citizen", &base),
            Some(2),
            "2 of a population of 10,000, not 2 of 3 registered"
        );
        assert_eq!(
            derive("eval.recognised_share.family", &base),
            Some(3_500),
            "7 of 20 households, not 7 of 8 registered"
        );
        assert_eq!(
            derive("eval.recognised_share.clan", &base),
            None,
            "no clans recorded: missing, not a division by registrations"
        );
        assert_eq!(derive("population.clans", &base), None);
        assert_eq!(derive("population.households", &base), Some(20));
        assert_eq!(derive("members.joined", &base), Some(0));
        assert_eq!(
            derive("members.share", &BTreeMap::new()),
            None,
            "no population, no share"
        );
        assert_eq!(ranks(&[10, 30, 30, 5]), [3, 1, 1, 4]);
        assert_eq!(
            ranks_known(&[Some(10), None, Some(30), Some(10), Some(0)]),
            [2, 5, 1, 2, 4],
            "missing ranks last, after a real zero"
        );
    }
}
