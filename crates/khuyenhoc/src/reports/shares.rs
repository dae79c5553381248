//! How the figures of units that no longer exist reach the units of a later structure: the
//! succession links in force on a date, the rule each split predecessor's shares follow, and the
//! parts by the largest remainder method (`khuyenhoc_reports::apportion`), so that a
//! predecessor's figure is counted once across its successors and its parts add up exactly.
//!
//! A unit `U` on the structure of day `D` carries, for every link `P → S` in force on `D` whose
//! successor `S` is `U` or lies below it and whose predecessor `P` does not (what lies below `U`
//! is already in its counters), `S`'s part of `P`'s flow. `P`'s flow is its own figure less that of
//! the predecessors below it, which flow through their own links (an old province's link carries
//! what its communes' links do not: its own records and communes without a link), plus the parts
//! it received from its own predecessors (chains, up to four generations). All the links in force
//! on `D` are read in one query, the rest is done in memory.

use crate::db::Db;
use khuyenhoc_reports::apportion;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Base metric → value (as `figures::Base`).
type Base = BTreeMap<String, i64>;

/// A unit asked about: its id and path.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub id: i64,
    pub path: &'a str,
}

/// A wide total back to a figure, at the limit when beyond (as `figures::narrow`).
fn narrow(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// How the shares of one predecessor's successors are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ShareRule")]
pub enum Rule {
    /// One successor: the whole figure.
    Whole,
    /// Shares typed by a province officer (permille).
    Set,
    /// From the population of each piece.
    Population,
    /// Equal parts.
    Equal,
}

impl Rule {
    /// The stored code (`unit_successions.share_rule`); `whole` is never stored.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Whole => "whole",
            Rule::Set => "set",
            Rule::Population => "population",
            Rule::Equal => "equal",
        }
    }

    /// The rule a person reads.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Rule::Whole => ("toàn bộ", "whole"),
            Rule::Set => ("tỉ lệ do tỉnh đặt", "shares set by the province"),
            Rule::Population => ("theo dân số", "by population"),
            Rule::Equal => ("chia đều", "equal parts"),
        }
    }
}

/// One succession link as stored.
#[derive(Debug, Clone)]
pub struct Link {
    pub successor: i64,
    pub permille: Option<i64>,
    pub rule: Option<String>,
    pub population: Option<i64>,
}

/// The rule in force for one predecessor's links and the weight of each successor, in the order
/// of `links` (sorted by successor id, the tie-breaking key). A single successor takes the whole;
/// shares typed ('set') are used as typed; otherwise population when every piece's population is
/// known (and not all zero), else equal parts. Links recorded with a share and no rule (before
/// the rule was stored) count as set.
pub fn weights(links: &[Link]) -> (Rule, Vec<(i64, i64)>) {
    if links.len() == 1 {
        return (Rule::Whole, vec![(links[0].successor, 1)]);
    }
    let chosen = links.first().and_then(|l| l.rule.as_deref());
    let all_set = links.iter().all(|l| l.permille.is_some());
    let pops: Option<Vec<i64>> = links.iter().map(|l| l.population).collect();
    let pops = pops.filter(|p| p.iter().any(|n| *n > 0));
    let rule = match (chosen, all_set, &pops) {
        (Some("set"), true, _) => Rule::Set,
        (Some("equal"), _, _) => Rule::Equal,
        (_, _, Some(_)) => Rule::Population,
        (None, true, _) => Rule::Set,
        _ => Rule::Equal,
    };
    let w = links
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let w = match rule {
                Rule::Set => l.permille.unwrap_or(0),
                Rule::Population => pops.as_ref().map_or(1, |p| p[i]),
                Rule::Whole | Rule::Equal => 1,
            };
            (l.successor, w)
        })
        .collect();
    (rule, w)
}

/// What a person reads of a part: "1/2", "37,5 %", or nothing for a whole.
pub fn fraction(rule: Rule, weights: &[(i64, i64)], successor: i64) -> String {
    let Some(w) = weights.iter().find(|(s, _)| *s == successor).map(|x| x.1) else {
        return String::new();
    };
    match rule {
        Rule::Whole => String::new(),
        Rule::Equal => format!("1/{}", weights.len()),
        Rule::Set | Rule::Population => {
            let total: i128 = weights.iter().map(|(_, w)| i128::from(*w)).sum();
            if total == 0 {
                return String::new();
            }
            // Tenths of a percent, rounded half up.
            let tenths = (i128::from(w) * 2000 + total) / (2 * total);
            format!("{},{} %", tenths / 10, tenths % 10)
        }
    }
}

/// A predecessor as the figures need it.
#[derive(Debug, Clone)]
struct Old {
    path: String,
    code: String,
    name: String,
}

/// The succession links in force on a date, with what the figures need of their units.
#[derive(Debug, Default)]
pub struct Links {
    /// Predecessor → its links (sorted by successor).
    out: BTreeMap<i64, Vec<Link>>,
    /// Successor → its predecessors.
    into: BTreeMap<i64, Vec<i64>>,
    /// Every unit of a link: path, code, name.
    units: BTreeMap<i64, Old>,
    /// Predecessors by path, for "which predecessors lie below this one".
    by_path: Vec<(String, i64)>,
}

/// A figure a unit carries from a predecessor, and how it was decided.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "CarriedFrom")]
pub struct Carried {
    pub code: String,
    pub name: String,
    pub rule: Rule,
    /// "1/2", "37,5 %"; empty for a whole.
    pub part: String,
    /// In Vietnamese, e.g. "gồm 1/2 của Phường Bùi Hữu Nghĩa (chia đều)".
    pub text_vi: String,
    pub text_en: String,
}

impl Links {
    /// Every link in force on `as_of` (one query).
    pub async fn load(db: &Db, as_of: &str) -> Result<Links, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT s.predecessor_id, s.successor_id, s.share_permille, s.share_rule, s.piece_population, \
             p.path, p.code, p.name, u.path, u.code, u.name FROM unit_successions s \
             JOIN units p ON p.id = s.predecessor_id JOIN units u ON u.id = s.successor_id \
             WHERE s.effective_date <= $1 ORDER BY s.predecessor_id, s.successor_id",
        )
        .bind(as_of)
        .fetch_all(&db.pool)
        .await?;
        let mut l = Links::default();
        for r in rows {
            let (pred, succ): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            l.out.entry(pred).or_default().push(Link {
                successor: succ,
                permille: r.try_get(2)?,
                rule: r.try_get(3)?,
                population: r.try_get(4)?,
            });
            l.into.entry(succ).or_default().push(pred);
            for (id, k) in [(pred, 5), (succ, 8)] {
                if let std::collections::btree_map::Entry::Vacant(e) = l.units.entry(id) {
                    e.insert(Old {
                        path: r.try_get(k)?,
                        code: r.try_get(k + 1)?,
                        name: r.try_get(k + 2)?,
                    });
                }
            }
        }
        l.by_path = l
            .out
            .keys()
            .filter_map(|id| l.units.get(id).map(|u| (u.path.clone(), *id)))
            .collect();
        l.by_path.sort();
        Ok(l)
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    fn path(&self, id: i64) -> &str {
        self.units.get(&id).map_or("", |u| u.path.as_str())
    }

    /// The links whose successor is `u` or lies below it and whose predecessor does not.
    fn entries(&self, u: At<'_>) -> Vec<(i64, i64)> {
        let mut out = vec![];
        for (pred, links) in &self.out {
            if self.path(*pred).starts_with(u.path) {
                continue;
            }
            for l in links {
                if l.successor == u.id || self.path(l.successor).starts_with(u.path) {
                    out.push((*pred, l.successor));
                }
            }
        }
        out
    }

    /// The predecessors right below `p` (not below another predecessor below `p`): their figures
    /// flow through their own links, so `p`'s flow leaves them out.
    fn below(&self, p: i64) -> Vec<i64> {
        let path = self.path(p).to_owned();
        let start = self
            .by_path
            .partition_point(|(q, _)| q.as_str() <= path.as_str());
        let mut out = vec![];
        let mut last: Option<&str> = None;
        for (q, id) in &self.by_path[start..] {
            if !q.starts_with(&path) {
                break;
            }
            if last.is_some_and(|l| q.starts_with(l)) {
                continue;
            }
            last = Some(q);
            out.push(*id);
        }
        out
    }

    /// Every unit whose counters the figures of `units` need (the units themselves, their
    /// predecessors of every generation, and the predecessors below those).
    pub fn needed(&self, units: &[At<'_>]) -> BTreeSet<i64> {
        let mut ids: BTreeSet<i64> = units.iter().map(|u| u.id).collect();
        let mut todo: Vec<(i64, usize)> = units
            .iter()
            .flat_map(|u| self.entries(*u))
            .map(|(p, _)| (p, 0))
            .collect();
        let mut seen = BTreeSet::new();
        while let Some((p, depth)) = todo.pop() {
            if !seen.insert(p) {
                continue;
            }
            ids.insert(p);
            ids.extend(self.below(p));
            if depth < GENERATIONS {
                for q in self.into.get(&p).into_iter().flatten() {
                    todo.push((*q, depth + 1));
                }
            }
        }
        ids
    }

    /// A unit's figures: its own counters and its part of each predecessor's flow.
    pub fn figures(&self, u: At<'_>, counters: &BTreeMap<i64, Base>) -> Base {
        let mut wide: BTreeMap<String, i128> = BTreeMap::new();
        add(&mut wide, counters.get(&u.id), 1);
        let mut flows: BTreeMap<i64, Base> = BTreeMap::new();
        for (pred, succ) in self.entries(u) {
            let flow = flows
                .entry(pred)
                .or_insert_with(|| self.flow(pred, u.path, 0, counters))
                .clone();
            add(&mut wide, Some(&self.part(pred, succ, &flow)), 1);
        }
        wide.into_iter().map(|(m, v)| (m, narrow(v))).collect()
    }

    /// What a unit carries from its own predecessors, each with the rule of its share.
    pub fn carried_from(&self, u: At<'_>) -> Vec<Carried> {
        let mut out = vec![];
        for pred in self.into.get(&u.id).into_iter().flatten() {
            if self.path(*pred).starts_with(u.path) {
                continue;
            }
            let Some(links) = self.out.get(pred) else {
                continue;
            };
            let (rule, w) = weights(links);
            let part = fraction(rule, &w, u.id);
            let old = self.units.get(pred).cloned().unwrap_or(Old {
                path: String::new(),
                code: String::new(),
                name: String::new(),
            });
            let (rvi, ren) = rule.words();
            let (text_vi, text_en) = if rule == Rule::Whole {
                (
                    format!("gồm toàn bộ {}", old.name),
                    format!("includes all of {}", old.name),
                )
            } else {
                (
                    format!("gồm {part} của {} ({rvi})", old.name),
                    format!("includes {part} of {} ({ren})", old.name),
                )
            };
            out.push(Carried {
                code: old.code,
                name: old.name,
                rule,
                part,
                text_vi,
                text_en,
            });
        }
        out
    }

    /// `p`'s flow for a unit whose subtree is `within`: its own figures less those of the
    /// predecessors below it, plus its parts of its own predecessors' flows (those not within).
    fn flow(&self, p: i64, within: &str, depth: usize, counters: &BTreeMap<i64, Base>) -> Base {
        let mut wide: BTreeMap<String, i128> = BTreeMap::new();
        add(&mut wide, counters.get(&p), 1);
        for q in self.below(p) {
            add(&mut wide, counters.get(&q), -1);
        }
        if depth < GENERATIONS {
            for q in self.into.get(&p).into_iter().flatten() {
                if *q == p || self.path(*q).starts_with(within) {
                    continue;
                }
                let f = self.flow(*q, within, depth + 1, counters);
                add(&mut wide, Some(&self.part(*q, p, &f)), 1);
            }
        }
        wide.into_iter().map(|(m, v)| (m, narrow(v))).collect()
    }

    /// `succ`'s part of `pred`'s flow: every figure apportioned over all of `pred`'s successors
    /// together. Stocks (members now) are not split: they stay whole with a single successor and
    /// are left out of a split.
    fn part(&self, pred: i64, succ: i64, flow: &Base) -> Base {
        let Some(links) = self.out.get(&pred) else {
            return Base::new();
        };
        let (rule, w) = weights(links);
        let Some(i) = w.iter().position(|(s, _)| *s == succ) else {
            return Base::new();
        };
        let mut out = Base::new();
        for (m, v) in flow {
            if rule != Rule::Whole && is_stock(m) {
                continue;
            }
            let part = apportion(*v, &w)
                .and_then(|p| p.get(i).copied())
                .unwrap_or(0);
            out.insert(m.clone(), part);
        }
        out
    }
}

/// Generations of successions followed (a merger of mergers).
const GENERATIONS: usize = 4;

fn is_stock(metric: &str) -> bool {
    metric.starts_with("members.active") || metric.starts_with("members.sector")
}

fn add(wide: &mut BTreeMap<String, i128>, base: Option<&Base>, sign: i128) {
    for (m, v) in base.into_iter().flatten() {
        *wide.entry(m.clone()).or_insert(0) += sign * i128::from(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::{fraction, weights, Link, Rule};

    fn link(successor: i64, permille: Option<i64>, rule: Option<&str>, pop: Option<i64>) -> Link {
        Link {
            successor,
            permille,
            rule: rule.map(str::to_owned),
            population: pop,
        }
    }

    #[test]
    fn the_rule_in_force() {
        let (r, w) = weights(&[link(5, None, None, None)]);
        assert_eq!((r, w), (Rule::Whole, vec![(5, 1)]));
        let (r, w) = weights(&[link(1, None, None, Some(600)), link(2, None, None, None)]);
        assert_eq!((r, w.clone()), (Rule::Equal, vec![(1, 1), (2, 1)]));
        assert_eq!(fraction(r, &w, 2), "1/2");
        let (r, w) = weights(&[
            link(1, None, None, Some(600)),
            link(2, None, None, Some(400)),
        ]);
        assert_eq!((r, w.clone()), (Rule::Population, vec![(1, 600), (2, 400)]));
        assert_eq!(fraction(r, &w, 1), "60,0 %");
        let (r, _) = weights(&[
            link(1, Some(300), Some("set"), Some(600)),
            link(2, Some(700), Some("set"), Some(400)),
        ]);
        assert_eq!(r, Rule::Set);
        let (r, _) = weights(&[
            link(1, None, Some("equal"), Some(600)),
            link(2, None, Some("equal"), Some(400)),
        ]);
        assert_eq!(r, Rule::Equal);
        let (r, w) = weights(&[
            link(1, Some(375), None, None),
            link(2, Some(625), None, None),
        ]);
        assert_eq!(r, Rule::Set);
        assert_eq!(fraction(r, &w, 1), "37,5 %");
    }
}
