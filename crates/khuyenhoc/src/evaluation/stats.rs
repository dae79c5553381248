//! Live counts for an officer's subtree and a year: registrations and recognitions per model and
//! per form group, and the share of recognised subjects against the national targets.

use crate::db::Db;
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, Default)]
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

#[derive(Debug, Clone, Serialize, Default)]
pub struct Stats {
    pub rows: Vec<Row2>,
    /// (model, Vietnamese label, recognised, registered, target percent, reached percent).
    pub targets: Vec<(String, String, i64, i64, u32, u32)>,
}

pub async fn for_subtree(db: &Db, path: &str, year: i64) -> Result<Stats, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.model, COALESCE(e.form_group, ''), COUNT(*), CAST(SUM(CASE WHEN e.status = 'recognised' THEN 1 ELSE 0 END) AS BIGINT) \
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
            .unwrap_or_else(|| (model.clone(), model.clone()));
        Ok(Row2 {
            model,
            group_name: (form_group.clone(), form_group.clone()),
            form_group,
            model_name,
            registered: r.try_get(2)?,
            recognised: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut targets = vec![];
    for t in khuyenhoc_criteria::targets() {
        if let khuyenhoc_criteria::TargetMeasure::Recognised(m) = t.measure {
            let (rec, reg) = rows
                .iter()
                .filter(|r| r.model == m.code())
                .fold((0, 0), |acc, r| {
                    (acc.0 + r.recognised, acc.1 + r.registered)
                });
            let reached = if reg > 0 {
                u32::try_from(rec * 100 / reg).unwrap_or(0)
            } else {
                0
            };
            targets.push((
                m.code().to_owned(),
                m.vi().to_owned(),
                rec,
                reg,
                u32::from(t.percent),
                reached,
            ));
        }
    }
    Ok(Stats { rows, targets })
}
