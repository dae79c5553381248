//! The cluster briefing: the provinces of an emulation cluster side by side per indicator, with
//! ranks and the change from the same period a year earlier, and each province's narrative.
//! A province's values are those it handed in when it has, live figures otherwise (marked).

use super::figures::UnitRef;
use super::service::{heads, reported, Head};
use crate::auth::Viewer;
use crate::db::Db;
use crate::error::AppError;
use khuyenhoc_reports::{ranks_known, Template};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ClusterProvince {
    pub unit: UnitRef,
    /// The values come from a submitted (or accepted) report.
    pub handed_in: bool,
    pub values: Vec<Option<i64>>,
    pub previous: Vec<Option<i64>>,
    /// value − previous, when both are known.
    pub change: Vec<Option<i64>>,
    /// 1 = highest among the cluster's provinces; a missing value ranks after every known one.
    pub ranks: Vec<Option<usize>>,
    /// Narrative parts by indicator key (results, shortcomings, tasks, proposals).
    pub texts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ClusterTable {
    pub code: String,
    pub name: String,
    pub period: String,
    pub period_vi: String,
    pub previous_period: String,
    pub as_of: String,
    pub heads: Vec<Head>,
    /// Text indicators (key, Vietnamese label, English label), in template order.
    pub text_heads: Vec<(String, String, String)>,
    pub provinces: Vec<ClusterProvince>,
}

/// The cluster with this code and its provinces on `as_of`, if the viewer reads the central
/// office or one of the provinces.
pub async fn members(
    db: &Db,
    v: &Viewer,
    code: &str,
    as_of: &str,
) -> Result<(String, Vec<UnitRef>), AppError> {
    let row = sqlx::query("SELECT id, name FROM clusters WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let id: i64 = row.try_get(0)?;
    let name: String = row.try_get(1)?;
    let provinces: Vec<UnitRef> = sqlx::query(
        "SELECT u.id, u.code, u.name, u.level, u.path FROM cluster_memberships m JOIN units u ON u.id = m.unit_id \
         WHERE m.cluster_id = $1 AND m.valid_from <= $2 AND (m.valid_to IS NULL OR m.valid_to > $2) ORDER BY u.code",
    )
    .bind(id)
    .bind(as_of)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(UnitRef {
            id: r.try_get(0)?,
            code: r.try_get(1)?,
            name: r.try_get(2)?,
            level: crate::auth::level_of(&r.try_get::<String, _>(3)?)?,
            path: r.try_get(4)?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    if !provinces.iter().any(|p| v.can_read(&p.path)) && !v.can_read("/VN/") {
        return Err(AppError::NotFound);
    }
    Ok((name, provinces))
}

pub async fn table(
    db: &Db,
    v: &Viewer,
    code: &str,
    period: &str,
    as_of: Option<&str>,
) -> Result<ClusterTable, AppError> {
    let p = super::service::parse_period(period)?;
    let as_of = super::service::structure_date(as_of)?;
    let (name, provinces) = members(db, v, code, &as_of).await?;
    // The cluster compares on the national template: every province has those indicators.
    let t = Template::national();
    let now = reported(db, &t, &provinces, &p, &as_of).await?;
    let before = reported(db, &t, &provinces, &p.previous(), &as_of).await?;
    let hs = heads(&t);
    let mut rows: Vec<ClusterProvince> = provinces
        .iter()
        .zip(now.into_iter().zip(before))
        .map(|(u, ((values, texts, handed_in), (previous, _, _)))| {
            let change = values
                .iter()
                .zip(&previous)
                .map(|(a, b)| a.zip(*b).map(|(a, b)| a - b))
                .collect();
            ClusterProvince {
                unit: u.clone(),
                handed_in,
                values,
                previous,
                change,
                ranks: vec![],
                texts,
            }
        })
        .collect();
    // A missing value (a number not typed, a share without its population) is no zero: it
    // is shown as missing and ranked after every known value.
    for i in 0..hs.len() {
        let column: Vec<Option<i64>> = rows
            .iter()
            .map(|r| r.values.get(i).copied().flatten())
            .collect();
        for (r, rank) in rows.iter_mut().zip(ranks_known(&column)) {
            r.ranks.push(Some(rank));
        }
    }
    Ok(ClusterTable {
        code: code.trim().to_owned(),
        name,
        period: p.to_string(),
        period_vi: p.label_vi(),
        previous_period: p.previous().label_vi(),
        as_of,
        heads: hs,
        text_heads: t
            .indicators
            .iter()
            .filter(|i| i.is_text())
            .map(|i| (i.key.clone(), i.label_vi.clone(), i.label_en.clone()))
            .collect(),
        provinces: rows,
    })
}
