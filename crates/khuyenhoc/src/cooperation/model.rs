//! Cooperation programmes in the database: partners, programmes, the units they cover, their
//! commitments, reviews and files, and the states computed from the days.

use crate::auth::InScope;
use crate::db::Db;
use crate::org::path_upper_bound;
use crate::web::list::{page_of, Cursor, ListPage, Search};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Kinds of partner organisations: (code, Vietnamese, English).
pub const PARTNER_KINDS: &[(&str, &str, &str)] = &[
    (
        "armed_forces",
        "Đơn vị lực lượng vũ trang",
        "Armed-forces unit",
    ),
    ("mass_org", "Đoàn thể", "Union or mass organisation"),
    ("agency", "Cơ quan", "State agency"),
    ("firm", "Doanh nghiệp", "Firm"),
    ("school", "Trường học", "School"),
    ("other", "Khác", "Other"),
];

/// A kind of partner in words (Vietnamese, English).
pub fn kind_labels(code: &str) -> (&'static str, &'static str) {
    PARTNER_KINDS
        .iter()
        .find(|k| k.0 == code)
        .map_or(("Khác", "Other"), |k| (k.1, k.2))
}

/// Kinds of reviews: (code, Vietnamese, English).
pub const REVIEW_KINDS: &[(&str, &str, &str)] = &[
    ("interim", "Sơ kết", "Interim review"),
    ("final", "Tổng kết", "Final review"),
];

/// A kind of review in words (Vietnamese, English).
pub fn review_labels(code: &str) -> (&'static str, &'static str) {
    REVIEW_KINDS
        .iter()
        .find(|k| k.0 == code)
        .map_or(("Sơ kết", "Interim review"), |k| (k.1, k.2))
}

/// How many days before its due day a review is listed as coming due, and reminded.
pub const DUE_SOON_DAYS: i64 = 14;

/// A partner organisation in a unit's register.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopPartner")]
pub struct Partner {
    pub id: i64,
    /// The unit whose register holds it.
    pub unit_code: String,
    /// armed_forces, mass_org, agency, firm, school or other
    pub kind: String,
    pub name: String,
    pub contact: Option<String>,
    #[serde(skip)]
    pub unit_path: String,
}

impl InScope for Partner {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

/// A cooperation programme, as lists show it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopProgramme")]
pub struct Programme {
    pub id: i64,
    /// The unit that signed it and keeps it.
    pub unit_code: String,
    pub unit_name: String,
    pub title: String,
    /// YYYY-MM-DD
    pub signed_on: String,
    /// YYYY-MM-DD: the first day of its term.
    pub starts_on: String,
    /// YYYY-MM-DD: the last day of its term.
    pub ends_on: String,
    /// Whether today lies in its term.
    pub in_force: bool,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub title_folded: String,
}

impl InScope for Programme {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

/// A unit of ours a programme covers.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopCoveredUnit")]
pub struct Covered {
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub path: String,
}

/// What a party undertook, by when.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopCommitment")]
pub struct Commitment {
    pub id: i64,
    pub what: String,
    /// The partner who undertook it; none: our side (the owning unit).
    pub partner_id: Option<i64>,
    pub partner_name: Option<String>,
    /// YYYY-MM-DD
    pub due_on: String,
    /// YYYY-MM-DD, when it was done.
    pub done_on: Option<String>,
    /// open, done, or late (not done and its day has passed).
    pub state: &'static str,
}

/// A review (sơ kết, tổng kết) the programme foresees.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopReview")]
pub struct Review {
    pub id: i64,
    /// interim (sơ kết) or final (tổng kết)
    pub kind: String,
    /// YYYY-MM-DD
    pub due_on: String,
    /// YYYY-MM-DD, when it was held.
    pub held_on: Option<String>,
    pub results: Option<String>,
    /// planned, due (within 14 days), overdue, or held.
    pub state: &'static str,
}

/// A file attached to a programme (or to one of its reviews).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopFile")]
pub struct Attachment {
    pub id: i64,
    pub review_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub object_key: String,
}

/// A programme with everything it holds.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopProgrammeDetail")]
pub struct Detail {
    pub programme: Programme,
    pub partners: Vec<Partner>,
    /// The units of ours it covers (besides the owner).
    pub units: Vec<Covered>,
    pub commitments: Vec<Commitment>,
    pub reviews: Vec<Review>,
    pub files: Vec<Attachment>,
}

/// The state of a commitment on `today`.
pub fn commitment_state(due_on: &str, done_on: Option<&str>, today: &str) -> &'static str {
    match done_on {
        Some(_) => "done",
        None if due_on < today => "late",
        None => "open",
    }
}

/// The state of a review on `today`.
pub fn review_state(due_on: &str, held_on: Option<&str>, today: &str) -> &'static str {
    if held_on.is_some() {
        "held"
    } else if due_on < today {
        "overdue"
    } else if due_on <= add_days(today, DUE_SOON_DAYS).as_str() {
        "due"
    } else {
        "planned"
    }
}

/// `YYYY-MM-DD` plus `n` days (the same text if unreadable).
pub fn add_days(day: &str, n: i64) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(n)))
        .map_or_else(|| day.to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

/// The paths of a unit and of every unit above it (`/VN/01/00004/` → `/VN/`, `/VN/01/`, itself).
pub fn self_and_ancestors(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    (1..=segments.len())
        .map(|n| format!("/{}/", segments[..n].join("/")))
        .collect()
}

fn partner_of(r: &AnyRow) -> Result<Partner, sqlx::Error> {
    Ok(Partner {
        id: r.try_get("id")?,
        unit_code: r.try_get("unit_code")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        contact: r.try_get("contact")?,
        unit_path: r.try_get("unit_path")?,
    })
}

const PARTNER: &str =
    "SELECT p.id, u.code AS unit_code, p.kind, p.name, p.contact, u.path AS unit_path, \
     p.name_folded FROM coop_partners p JOIN units u ON u.id = p.unit_id";

pub async fn partner(db: &Db, id: i64) -> Result<Option<Partner>, sqlx::Error> {
    sqlx::query(&format!("{PARTNER} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(partner_of)
        .transpose()
}

/// A unit's register of partners, by folded name, paged by key.
pub async fn partners(
    db: &Db,
    unit_id: i64,
    q: Option<&Search>,
    cursor: Option<&Cursor>,
    per_page: i64,
) -> Result<ListPage<Partner>, crate::error::AppError> {
    let pattern = q.map(Search::pattern);
    let filter = "p.unit_id = $1 AND ($2 IS NULL OR p.name_folded LIKE $2 ESCAPE '\\')";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM coop_partners p WHERE {filter}"
    ))
    .bind(unit_id)
    .bind(pattern.clone())
    .fetch_one(&db.pool)
    .await?;
    let (after_name, after_id) = match cursor {
        Some(c) => (Some(c.text()?.to_owned()), c.id),
        None => (None, 0),
    };
    let rows = sqlx::query(&format!(
        "{PARTNER} WHERE {filter} AND ($3 IS NULL OR p.name_folded > $3 OR (p.name_folded = $3 AND p.id > $4)) \
         ORDER BY p.name_folded, p.id LIMIT $5"
    ))
    .bind(unit_id)
    .bind(pattern)
    .bind(after_name)
    .bind(after_id)
    .bind(per_page + 1)
    .fetch_all(&db.pool)
    .await?;
    let mut items = vec![];
    let mut keys = vec![];
    for r in &rows {
        items.push(partner_of(r)?);
        keys.push(r.try_get::<String, _>("name_folded")?);
    }
    let keyed: Vec<(Partner, String)> = items.into_iter().zip(keys).collect();
    let page = page_of(keyed, per_page, total, |(p, k)| Cursor {
        key: serde_json::Value::String(k.clone()),
        id: p.id,
    });
    Ok(ListPage {
        items: page.items.into_iter().map(|(p, _)| p).collect(),
        total: page.total,
        next_cursor: page.next_cursor,
    })
}

/// Every partner a unit may name in a programme: its own register and those of the units above.
pub async fn partners_for(db: &Db, path: &str) -> Result<Vec<Partner>, sqlx::Error> {
    let paths = self_and_ancestors(path);
    let marks: Vec<String> = (1..=paths.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT p.id FROM coop_partners p JOIN units u ON u.id = p.unit_id WHERE u.path IN ({}) \
         ORDER BY p.name_folded, p.id LIMIT 500",
        marks.join(", ")
    );
    let mut q = sqlx::query_as::<_, (i64,)>(&sql);
    for p in &paths {
        q = q.bind(p);
    }
    let ids = q.fetch_all(&db.pool).await?;
    let mut out = vec![];
    for (id,) in ids {
        if let Some(p) = partner(db, id).await? {
            out.push(p);
        }
    }
    Ok(out)
}

const PROGRAMME: &str =
    "SELECT p.id, u.code AS unit_code, u.name AS unit_name, p.title, p.signed_on, \
     p.starts_on, p.ends_on, p.unit_id, u.path AS unit_path, p.title_folded \
     FROM coop_programmes p JOIN units u ON u.id = p.unit_id";

fn programme_of(r: &AnyRow, today: &str) -> Result<Programme, sqlx::Error> {
    let starts_on: String = r.try_get("starts_on")?;
    let ends_on: String = r.try_get("ends_on")?;
    Ok(Programme {
        id: r.try_get("id")?,
        unit_code: r.try_get("unit_code")?,
        unit_name: r.try_get("unit_name")?,
        title: r.try_get("title")?,
        signed_on: r.try_get("signed_on")?,
        in_force: starts_on.as_str() <= today && today <= ends_on.as_str(),
        starts_on,
        ends_on,
        unit_id: r.try_get("unit_id")?,
        unit_path: r.try_get("unit_path")?,
        title_folded: r.try_get("title_folded")?,
    })
}

pub async fn programme(db: &Db, id: i64) -> Result<Option<Programme>, sqlx::Error> {
    let today = crate::db::today();
    sqlx::query(&format!("{PROGRAMME} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(|r| programme_of(r, &today))
        .transpose()
}

/// The units a programme covers.
pub async fn covered(db: &Db, programme_id: i64) -> Result<Vec<Covered>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.code, u.name, u.path FROM coop_programme_units c JOIN units u ON u.id = c.unit_id \
         WHERE c.programme_id = $1 ORDER BY u.path",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Covered {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                path: r.try_get(2)?,
            })
        })
        .collect()
}

/// Everything a programme holds.
pub async fn detail(db: &Db, p: Programme) -> Result<Detail, sqlx::Error> {
    let today = crate::db::today();
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT partner_id FROM coop_programme_partners WHERE programme_id = $1 ORDER BY partner_id",
    )
    .bind(p.id)
    .fetch_all(&db.pool)
    .await?;
    let mut partners = vec![];
    for (id,) in ids {
        if let Some(x) = partner(db, id).await? {
            partners.push(x);
        }
    }
    let units = covered(db, p.id).await?;
    let commitments = sqlx::query(
        "SELECT c.id, c.what, c.partner_id, x.name, c.due_on, c.done_on FROM coop_commitments c \
         LEFT JOIN coop_partners x ON x.id = c.partner_id WHERE c.programme_id = $1 ORDER BY c.due_on, c.id",
    )
    .bind(p.id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let due_on: String = r.try_get(4)?;
        let done_on: Option<String> = r.try_get(5)?;
        Ok(Commitment {
            id: r.try_get(0)?,
            what: r.try_get(1)?,
            partner_id: r.try_get(2)?,
            partner_name: r.try_get(3)?,
            state: commitment_state(&due_on, done_on.as_deref(), &today),
            due_on,
            done_on,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let reviews = reviews(db, p.id, &today).await?;
    let files = sqlx::query(
        "SELECT id, review_id, file_name, content_type, size_bytes, object_key FROM coop_files \
         WHERE programme_id = $1 ORDER BY id",
    )
    .bind(p.id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Attachment {
            id: r.try_get(0)?,
            review_id: r.try_get(1)?,
            file_name: r.try_get(2)?,
            content_type: r.try_get(3)?,
            size_bytes: r.try_get(4)?,
            object_key: r.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Detail {
        programme: p,
        partners,
        units,
        commitments,
        reviews,
        files,
    })
}

async fn reviews(db: &Db, programme_id: i64, today: &str) -> Result<Vec<Review>, sqlx::Error> {
    sqlx::query(
        "SELECT id, kind, due_on, held_on, results FROM coop_reviews WHERE programme_id = $1 \
         ORDER BY due_on, id",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let due_on: String = r.try_get(2)?;
        let held_on: Option<String> = r.try_get(3)?;
        Ok(Review {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            state: review_state(&due_on, held_on.as_deref(), today),
            due_on,
            held_on,
            results: r.try_get(4)?,
        })
    })
    .collect()
}

/// The condition "the programme `p` concerns the unit at `$1`…": owned in its subtree
/// (`$1`, `$2` the range), or covering it or a unit above it (`marks`).
fn concerns(marks: &[String]) -> String {
    format!(
        "((u.path >= $1 AND u.path < $2) OR EXISTS (SELECT 1 FROM coop_programme_units cu \
         JOIN units cv ON cv.id = cu.unit_id WHERE cu.programme_id = p.id AND cv.path IN ({})))",
        marks.join(", ")
    )
}

/// The programmes a unit sees: those owned in its subtree, and those covering it (or a unit
/// above it); by folded title, paged by key.
pub async fn programmes_of(
    db: &Db,
    path: &str,
    q: Option<&Search>,
    cursor: Option<&Cursor>,
    per_page: i64,
) -> Result<ListPage<Programme>, crate::error::AppError> {
    let up = self_and_ancestors(path);
    let marks: Vec<String> = (0..up.len()).map(|i| format!("${}", i + 4)).collect();
    let next = up.len() + 4;
    let filter = format!(
        "{} AND ($3 IS NULL OR p.title_folded LIKE $3 ESCAPE '\\')",
        concerns(&marks)
    );
    let count_sql = format!(
        "SELECT COUNT(*) FROM coop_programmes p JOIN units u ON u.id = p.unit_id WHERE {filter}"
    );
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql)
        .bind(path.to_owned())
        .bind(path_upper_bound(path))
        .bind(q.map(Search::pattern));
    for p in &up {
        count = count.bind(p.clone());
    }
    let total = count.fetch_one(&db.pool).await?;
    let (after, after_id) = match cursor {
        Some(c) => (Some(c.text()?.to_owned()), c.id),
        None => (None, 0),
    };
    let sql = format!(
        "{PROGRAMME} WHERE {filter} AND (${n0} IS NULL OR p.title_folded > ${n0} OR \
         (p.title_folded = ${n0} AND p.id > ${n1})) ORDER BY p.title_folded, p.id LIMIT ${n2}",
        n0 = next,
        n1 = next + 1,
        n2 = next + 2
    );
    let mut rows = sqlx::query(&sql)
        .bind(path.to_owned())
        .bind(path_upper_bound(path))
        .bind(q.map(Search::pattern));
    for p in &up {
        rows = rows.bind(p.clone());
    }
    let rows = rows
        .bind(after)
        .bind(after_id)
        .bind(per_page + 1)
        .fetch_all(&db.pool)
        .await?;
    let today = crate::db::today();
    let items = rows
        .iter()
        .map(|r| programme_of(r, &today))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(items, per_page, total, |p| Cursor {
        key: serde_json::Value::String(p.title_folded.clone()),
        id: p.id,
    }))
}

/// Labels the templates use.
pub struct Labels;

impl Labels {
    pub fn partner_kinds(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        PARTNER_KINDS
    }
    pub fn review_kinds(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        REVIEW_KINDS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_days() {
        assert_eq!(commitment_state("2026-01-10", None, "2026-01-10"), "open");
        assert_eq!(commitment_state("2026-01-10", None, "2026-01-11"), "late");
        assert_eq!(
            commitment_state("2026-01-10", Some("2026-01-12"), "2026-02-01"),
            "done"
        );
        assert_eq!(review_state("2026-03-01", None, "2026-01-01"), "planned");
        assert_eq!(review_state("2026-01-15", None, "2026-01-01"), "due");
        assert_eq!(review_state("2026-01-01", None, "2026-01-01"), "due");
        assert_eq!(review_state("2025-12-31", None, "2026-01-01"), "overdue");
        assert_eq!(
            review_state("2025-12-31", Some("2026-01-02"), "2026-01-03"),
            "held"
        );
        assert_eq!(add_days("2026-12-25", 14), "2027-01-08");
        assert_eq!(
            self_and_ancestors("/VN/01/00004/"),
            vec!["/VN/", "/VN/01/", "/VN/01/00004/"]
        );
    }
}
