//! Transfers between funds in the generated books (issue 20): which funds send to which, how
//! much and when (`ledger` writes them).

use super::{date, day_between, Ctx, AS_OF};
use chrono::NaiveDate;
use rand::Rng;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Province,
    Commune,
    Scholarship,
    Branch,
}

pub(crate) struct Fund {
    pub(crate) id: i64,
    pub(crate) unit_id: i64,
    pub(crate) level: Level,
}

/// One transfer: indexes into the funds, the amount, the day.
pub(crate) struct Planned {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) amount: i64,
    pub(crate) on: NaiveDate,
}

/// Transfers between funds, so that every consolidated report has transfers to leave out and
/// transfers crossing its boundary: a province fund sends to the commune funds of its province
/// (inside the province, across the commune's boundary), a commune fund to its scholarship
/// fund (inside the commune) and to the funds of its branches, a branch fund now and then back
/// to its commune, and one commune fund in twenty to a commune fund of another province (inside
/// nothing but the centre). Each sends 2–10 % of the cash it holds at the end of its books
/// (`cash`, moved as the transfers go), so no fund is overdrawn.
pub(crate) fn plan(cx: &Ctx, funds: &[Fund], cash: &mut [i64]) -> Vec<Planned> {
    let mut rng = cx.rng("transfers", 0);
    let at_unit: BTreeMap<(i64, Level), usize> = funds
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.unit_id, f.level), i))
        .collect();
    let communes: Vec<(usize, i64)> = funds
        .iter()
        .enumerate()
        .filter(|(_, f)| f.level == Level::Commune)
        .map(|(i, f)| (i, f.unit_id))
        .collect();
    let mut pairs: Vec<(usize, usize)> = vec![];
    let mut province_of: BTreeMap<i64, usize> = BTreeMap::new();
    for c in &cx.communes {
        province_of.insert(c.id, c.province);
    }
    for c in &cx.communes {
        let Some(&commune) = at_unit.get(&(c.id, Level::Commune)) else {
            continue;
        };
        let province = cx.provinces[c.province].id;
        if let Some(&p) = at_unit.get(&(province, Level::Province)) {
            pairs.push((p, commune));
        }
        if let Some(&sch) = at_unit.get(&(c.id, Level::Scholarship)) {
            pairs.push((commune, sch));
        }
        for b in c.branches.clone() {
            if let Some(&branch) = at_unit.get(&(cx.branches[b].id, Level::Branch)) {
                pairs.push((commune, branch));
                if rng.gen_bool(0.3) {
                    pairs.push((branch, commune));
                }
            }
        }
        if !communes.is_empty() && rng.gen_bool(0.05) {
            let (other, unit) = communes[rng.gen_range(0..communes.len())];
            if province_of.get(&unit) != Some(&c.province) {
                pairs.push((commune, other));
            }
        }
    }
    let mut out = vec![];
    for (from, to) in pairs {
        let have = cash[from];
        if have < 200_000 {
            continue;
        }
        let share = i64::from(rng.gen_range(2u32..=10));
        let amount = (have / 100 * share / 10_000 * 10_000).max(10_000);
        cash[from] -= amount;
        cash[to] += amount;
        let on = day_between(&mut rng, date((2024, 1, 1)), date(AS_OF));
        out.push(Planned {
            from,
            to,
            amount,
            on,
        });
    }
    out
}
