//! Live counts for an officer's subtree and a year: registrations and recognitions per model and
//! per form group (a revoked title is registered, never recognised), and the share of each
//! model's population recognised against the national targets (households for families, clans,
//! villages and residential groups for communities, organisations for units, people for
//! citizens: the unit's yearly population data); without that population the share is missing.

use crate::db::Db;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
#[schemars(rename = "StatsRow")]
pub struct Row2 {
    pub model: String,
    pub form_group: String,
    /// The model's name (Vietnamese, English), never its code.
    pub model_name: (String, String),
    /// The form group's name from the criteria set (Vietnamese, English); empty when none.
    pub group_name: (String, String),
    pub registered: i64,
    pub recognised: i64,
}

/// One national target against the subtree's figures.
#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
#[schemars(rename = "StatsTarget")]
pub struct TargetRow {
    pub model: String,
    /// The target as the decision words it (Vietnamese, English).
    pub label: (String, String),
    /// What its share counts (Vietnamese, English): "hộ gia đình", "dòng họ"...
    pub counted: (String, String),
    pub recognised: i64,
    /// The population the target counts, when the unit recorded it for the year.
    pub population: Option<i64>,
    pub target_percent: u32,
    /// `recognised / population` in percent (rounded down); missing without a population.
    pub reached_percent: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
#[schemars(rename = "UnitStats")]
pub struct Stats {
    pub rows: Vec<Row2>,
    pub targets: Vec<TargetRow>,
}

/// What each model's population counts, in words.
fn counted(model: khuyenhoc_criteria::Model) -> (&'static str, &'static str) {
    use khuyenhoc_criteria::Model::*;
    match model {
        Citizen => ("người dân", "inhabitants"),
        Family => ("hộ gia đình", "households"),
        Clan => ("dòng họ", "clans"),
        Community => ("thôn, tổ dân phố", "villages and residential groups"),
        Unit => ("cơ quan, đơn vị", "organisations"),
    }
}

/// The counts of the subtree at `path` for `year`, with the national targets against the
/// populations of the unit at `path`. Form groups are left unnamed (see [`for_unit`]).
pub async fn for_subtree(db: &Db, path: &str, year: i64) -> Result<Stats, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.model, COALESCE(e.form_group, ''), COUNT(*), CAST(SUM(CASE WHEN e.status = 'recognised' AND e.revoked_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
         FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.path >= $1 AND u.path < $2 AND e.year = $3 \
         GROUP BY e.model, COALESCE(e.form_group, '') ORDER BY e.model, COALESCE(e.form_group, '')",
    )
    .bind(path)
    .bind(crate::org::path_upper_bound(path))
    .bind(year)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        let model: String = r.try_get(0)?;
        let form_group: String = r.try_get(1)?;
        let model_name = khuyenhoc_criteria::Model::from_code(&model)
            .map(|m| (m.vi().to_owned(), m.en().to_owned()))
            .unwrap_or_else(|| ("Danh hiệu khác".to_owned(), "Other title".to_owned()));
        Ok(Row2 {
            model,
            group_name: (String::new(), String::new()),
            form_group,
            model_name,
            registered: r.try_get(2)?,
            recognised: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let pops = populations(db, path, year).await?;
    let mut targets = vec![];
    for t in khuyenhoc_criteria::targets() {
        if let khuyenhoc_criteria::TargetMeasure::Recognised(m) = t.measure {
            let recognised = rows
                .iter()
                .filter(|r| r.model == m.code())
                .map(|r| r.recognised)
                .sum();
            let population = khuyenhoc_reports::denominator_of(m.code())
                .and_then(|d| pops.get(d).copied())
                .filter(|p| *p > 0);
            let reached_percent = population.map(|p| {
                u32::try_from(i128::from(recognised) * 100 / i128::from(p)).unwrap_or(u32::MAX)
            });
            let (cv, ce) = counted(m);
            targets.push(TargetRow {
                model: m.code().to_owned(),
                label: (t.vi.to_owned(), t.en.to_owned()),
                counted: (cv.to_owned(), ce.to_owned()),
                recognised,
                population,
                target_percent: u32::from(t.percent),
                reached_percent,
            });
        }
    }
    Ok(Stats { rows, targets })
}

/// The populations recorded for the unit at `path` (or the nearest below it) for `year`.
async fn populations(
    db: &Db,
    path: &str,
    year: i64,
) -> Result<crate::reports::figures::Base, sqlx::Error> {
    let row = sqlx::query("SELECT id, code, name, level FROM units WHERE path = $1")
        .bind(path)
        .fetch_optional(&db.pool)
        .await?;
    let Some(r) = row else {
        return Ok(Default::default());
    };
    let unit = crate::reports::figures::UnitRef {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        name: r.try_get(2)?,
        level: crate::auth::level_of(&r.try_get::<String, _>(3)?)?,
        path: path.to_owned(),
    };
    crate::reports::figures::populations_of(db, &unit, year).await
}

/// [`for_subtree`] with every form group named as the criteria sets of the counted evaluations
/// name it (Vietnamese, English), never by its code.
pub async fn for_unit(state: &AppState, path: &str, year: i64) -> Result<Stats, AppError> {
    let mut stats = for_subtree(&state.db, path, year).await?;
    let sets: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT e.set_id FROM evaluations e JOIN units u ON u.id = e.unit_id \
         WHERE u.path >= $1 AND u.path < $2 AND e.year = $3 AND e.form_group IS NOT NULL ORDER BY e.set_id DESC",
    )
    .bind(path)
    .bind(crate::org::path_upper_bound(path))
    .bind(year)
    .fetch_all(&state.db.pool)
    .await?;
    let mut names: Vec<(String, String, String, String)> = vec![];
    for id in sets {
        let set = super::sets::by_id(state, id).await?;
        let model = set.model().code().to_owned();
        for g in set.form_groups() {
            if !names.iter().any(|n| n.0 == model && n.1 == g.code) {
                names.push((
                    model.clone(),
                    g.code.clone(),
                    g.name.vi.clone(),
                    g.name.en.clone(),
                ));
            }
        }
    }
    for row in stats.rows.iter_mut().filter(|r| !r.form_group.is_empty()) {
        row.group_name = names
            .iter()
            .find(|n| n.0 == row.model && n.1 == row.form_group)
            .map(|n| (n.2.clone(), n.3.clone()))
            .unwrap_or_else(|| ("Nhóm khác".to_owned(), "Other group".to_owned()));
    }
    Ok(stats)
}
