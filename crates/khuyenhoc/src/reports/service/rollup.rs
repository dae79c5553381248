//! The completeness view and roll-up of a unit's children for a period (their status, live and
//! submitted values, the sums), and the reported values of many units at once (the snapshot
//! when handed in, live otherwise).

use super::lines::{adjusted, heads, reported_base, snapshot_values, values};
use super::model::{parse_period, state_of, unit_visible, Head, Status};
use super::read::{build, load_many};
use super::template::template_for;
use crate::auth::Viewer;
use crate::db::{today, Db};
use crate::error::AppError;
use crate::reports::figures::{self, Base, UnitRef};
use crate::state::AppState;
use khuyenhoc_reports::{derive, is_summable, Period, Source, Template};
use serde::Serialize;
use std::collections::BTreeMap;

/// One child unit in the completeness view and the roll-up.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RollupChild")]
pub struct ChildRow {
    pub unit: UnitRef,
    pub report_id: Option<i64>,
    pub status: Status,
    pub state: &'static str,
    pub deadline: Option<String>,
    pub submitted_at: Option<i64>,
    pub submitted_late: bool,
    pub return_reason: Option<String>,
    /// Live values per indicator (numbers; None for text).
    pub live: Vec<Option<i64>>,
    /// Values as submitted, when handed in.
    pub submitted: Option<Vec<Option<i64>>>,
    /// The units whose figures this one carries on the structure asked for, each with its part
    /// and the rule of the share (`reports::shares`).
    pub carried: Vec<crate::reports::shares::Carried>,
}

/// The roll-up of a unit for a period: its children (as of a date) with their status, live and
/// submitted values, and the sums.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Rollup {
    pub unit: UnitRef,
    pub period: String,
    pub period_vi: String,
    pub as_of: String,
    pub heads: Vec<Head>,
    pub children: Vec<ChildRow>,
    pub total_live: Vec<Option<i64>>,
    pub total_submitted: Vec<Option<i64>>,
    /// Children per state: not_started, draft, submitted, late, returned, accepted.
    pub states: BTreeMap<&'static str, usize>,
}

/// Adds up the children's rows: every indicator that adds up is the sum of the children's own
/// values (overrides and typed numbers included); shares are derived again from the children's
/// bases added up, with their overrides applied. `kids` holds (adjusted base, values).
fn sum(t: &Template, kids: &[(Base, Vec<Option<i64>>)]) -> Vec<Option<i64>> {
    let mut wide: std::collections::BTreeMap<&str, i128> = std::collections::BTreeMap::new();
    for (b, _) in kids {
        for (m, v) in b {
            *wide.entry(m.as_str()).or_insert(0) += i128::from(*v);
        }
    }
    let base: Base = wide
        .into_iter()
        .map(|(m, v)| (m.to_owned(), crate::reports::figures::narrow(v)))
        .collect();
    t.indicators
        .iter()
        .filter(|i| !i.is_text())
        .enumerate()
        .map(|(n, i)| match &i.source {
            Source::Computed(m) if !is_summable(m) => derive(m, &base),
            source => {
                let values: Vec<i64> = kids
                    .iter()
                    .filter_map(|(_, v)| v.get(n).copied().flatten())
                    .collect();
                if values.is_empty() && *source == Source::Number {
                    None
                } else {
                    Some(crate::reports::figures::total(&values))
                }
            }
        })
        .collect()
}

/// The day whose structure a roll-up, report or cluster table is asked on: `as_of` as typed
/// (YYYY-MM-DD, 400 otherwise), today when not given. Before 2025-07-01 that is the old map
/// (old provinces and their communes, their own figures); on a later day, today's units carrying
/// their predecessors' parts (`reports::shares`).
pub fn structure_date(as_of: Option<&str>) -> Result<String, AppError> {
    Ok(match as_of.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => khuyenhoc_ledger::Date::parse(d)
            .map_err(|e| AppError::bad_request(e.vi, e.en))?
            .to_string(),
        None => today(),
    })
}

/// The completeness view and roll-up of a unit's children for a period, for the structure as
/// of `as_of` (today when not given).
pub async fn rollup(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
    as_of: Option<&str>,
) -> Result<Rollup, AppError> {
    let db = &state.db;
    let p = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    let as_of = structure_date(as_of)?;
    let (t, _) = template_for(db, &unit.path).await?;
    // Dated moves: the children of a period are those linked to the unit on its last day.
    let links_on = std::cmp::min(as_of.clone(), p.end_date());
    let kids = figures::children_on(db, unit.id, &as_of, &links_on).await?;
    let live = figures::live(db, &kids, &p, &as_of).await?;
    let mut stored = load_many(db, &kids, &p).await?;
    let links = crate::reports::shares::Links::load(db, &as_of).await?;
    let handed_in = predecessors_handed_in(db, &t, &links, &kids, &p).await?;
    let day = today();
    let mut children = vec![];
    let mut states: BTreeMap<&'static str, usize> = [
        "not_started",
        "draft",
        "submitted",
        "late",
        "returned",
        "accepted",
    ]
    .into_iter()
    .map(|s| (s, 0))
    .collect();
    let (mut live_rows, mut submitted_rows) = (vec![], vec![]);
    for (u, base) in kids.iter().zip(&live) {
        let s = stored.remove(&u.id);
        let status = s.as_ref().map_or(Status::NotStarted, |s| s.status);
        let deadline = t.deadline(&p, u.level.code());
        let st = state_of(status, deadline.as_deref(), &day);
        *states.entry(st).or_insert(0) += 1;
        let entries = s.as_ref().map(|s| s.entries.clone()).unwrap_or_default();
        let snap = s
            .as_ref()
            .and_then(|s| s.snapshot.as_ref())
            .filter(|_| status.is_in());
        let mut submitted = snap.map(|sn| snapshot_values(&t, sn));
        if let (Some(sn), Some(values)) = (snap, &submitted) {
            submitted_rows.push((reported_base(&t, sn), values.clone()));
        } else if !handed_in.is_empty() {
            // Not handed in by the unit itself (it did not exist then): its parts of what its
            // predecessors handed in.
            let base = links.figures(u.at(), &handed_in);
            if !base.is_empty() {
                let v = values(&t, &base, &super::model::Entries::default());
                submitted_rows.push((base, v.clone()));
                submitted = Some(v);
            }
        }
        let r = build(u, &p, &t, String::new(), s, None);
        children.push(ChildRow {
            unit: u.clone(),
            report_id: r.id,
            status,
            state: st,
            deadline,
            submitted_at: r.submitted_at,
            submitted_late: r.submitted_late,
            return_reason: r.return_reason,
            live: values(&t, base, &entries),
            submitted,
            carried: links.carried_from(u.at()),
        });
        let overrides = entries.overrides.iter().map(|(k, o)| (k.clone(), o.value));
        live_rows.push((adjusted(&t, base, overrides), values(&t, base, &entries)));
    }
    Ok(Rollup {
        total_live: sum(&t, &live_rows),
        total_submitted: sum(&t, &submitted_rows),
        unit,
        period: p.to_string(),
        period_vi: p.label_vi(),
        as_of,
        heads: heads(&t),
        children,
        states,
    })
}

/// The bases the predecessors of `kids` handed in for the period (snapshots of submitted or
/// accepted reports), by unit: what a successor's "as submitted" figures carry.
async fn predecessors_handed_in(
    db: &Db,
    t: &Template,
    links: &crate::reports::shares::Links,
    kids: &[UnitRef],
    p: &Period,
) -> Result<BTreeMap<i64, Base>, AppError> {
    if links.is_empty() {
        return Ok(BTreeMap::new());
    }
    let at: Vec<crate::reports::shares::At<'_>> = kids.iter().map(UnitRef::at).collect();
    let own: std::collections::BTreeSet<i64> = kids.iter().map(|k| k.id).collect();
    let preds: Vec<UnitRef> = links
        .needed(&at)
        .into_iter()
        .filter(|id| !own.contains(id))
        .map(|id| UnitRef {
            id,
            code: String::new(),
            name: String::new(),
            level: khuyenhoc_domain::Level::Commune,
            path: String::new(),
        })
        .collect();
    Ok(load_many(db, &preds, p)
        .await?
        .into_iter()
        .filter_map(|(id, s)| {
            s.snapshot
                .as_ref()
                .filter(|_| s.status.is_in())
                .map(|sn| (id, reported_base(t, sn)))
        })
        .collect())
}

/// The reported values of units for a period: the snapshot when handed in, live otherwise (with
/// what they typed so far). Returns (values per number indicator, texts, handed in).
pub async fn reported(
    db: &Db,
    t: &Template,
    units: &[UnitRef],
    p: &Period,
    as_of: &str,
) -> Result<Vec<(Vec<Option<i64>>, BTreeMap<String, String>, bool)>, AppError> {
    let live = figures::live(db, units, p, as_of).await?;
    let mut stored = load_many(db, units, p).await?;
    let mut out = vec![];
    for (u, base) in units.iter().zip(&live) {
        let s = stored.remove(&u.id);
        match s
            .as_ref()
            .and_then(|s| s.snapshot.as_ref().filter(|_| s.status.is_in()))
        {
            Some(sn) => {
                let texts = sn
                    .lines
                    .iter()
                    .filter_map(|l| l.text.clone().map(|t| (l.key.clone(), t)))
                    .collect();
                out.push((snapshot_values(t, sn), texts, true));
            }
            None => {
                let e = s.map(|s| s.entries).unwrap_or_default();
                out.push((values(t, base, &e), e.texts.clone(), false));
            }
        }
    }
    Ok(out)
}
