//! Evaluations, their events and evidence in the database.

use super::lifecycle::Status;
use crate::audit::Actor;
use crate::db::{Db, Tx};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// In what capacity the viewer acts on an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acting {
    pub actor: Actor,
    /// True when someone acts for the subject (an officer, a household head).
    pub on_behalf: bool,
}

/// One indicator's answer: what the subject (or someone for them) entered, and the reviewer's
/// adjustment with its comment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(rename = "EvaluationAnswer")]
pub struct Answer {
    pub value: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Answer {
    /// The value that counts: the reviewer's when they adjusted it.
    pub fn effective(&self) -> Option<u32> {
        self.adjusted.or(self.value)
    }
}

pub type Answers = BTreeMap<String, Answer>;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Evaluation {
    pub id: i64,
    pub model: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_name: String,
    #[serde(skip)]
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_path: String,
    pub year: i64,
    pub set_id: i64,
    pub form_group: Option<String>,
    pub disadvantaged: bool,
    pub status: Status,
    pub answers: Answers,
    pub total: i64,
    pub passed: bool,
    pub level: Option<i64>,
    /// A recognised title that was revoked (`evaluations.revoked_at`): its status stays
    /// `recognised` in the lifecycle, but it is shown, filtered (`status=revoked`) and counted
    /// as revoked, never as recognised.
    pub revoked: bool,
}

impl Evaluation {
    pub fn status_vi(&self) -> &'static str {
        if self.revoked {
            return "Đã thu hồi danh hiệu";
        }
        self.status.label_vi()
    }
    pub fn status_en(&self) -> &'static str {
        if self.revoked {
            return "Title revoked";
        }
        self.status.label_en()
    }
    /// The model's name, never its code.
    pub fn model_vi(&self) -> &str {
        khuyenhoc_criteria::Model::from_code(&self.model).map_or(self.model.as_str(), |m| m.vi())
    }
    pub fn model_en(&self) -> &str {
        khuyenhoc_criteria::Model::from_code(&self.model).map_or(self.model.as_str(), |m| m.en())
    }
}

pub(crate) const SELECT: &str = "SELECT e.id, e.model, e.subject_kind, e.subject_id, e.subject_name, e.unit_id, u.code, u.name, u.path, \
    e.year, e.set_id, e.form_group, e.disadvantaged, e.status, e.answers, e.total, e.passed, e.level, e.revoked_at \
    FROM evaluations e JOIN units u ON u.id = e.unit_id";

pub(crate) fn from_row(r: &AnyRow) -> Result<Evaluation, sqlx::Error> {
    let status: String = r.try_get(13)?;
    let answers: String = r.try_get(14)?;
    Ok(Evaluation {
        id: r.try_get(0)?,
        model: r.try_get(1)?,
        subject_kind: r.try_get(2)?,
        subject_id: r.try_get(3)?,
        subject_name: r.try_get(4)?,
        unit_id: r.try_get(5)?,
        unit_code: r.try_get(6)?,
        unit_name: r.try_get(7)?,
        unit_path: r.try_get(8)?,
        year: r.try_get(9)?,
        set_id: r.try_get(10)?,
        form_group: r.try_get(11)?,
        disadvantaged: r.try_get::<i64, _>(12)? != 0,
        status: Status::parse(&status)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {status}").into()))?,
        answers: serde_json::from_str(&answers).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        total: r.try_get(15)?,
        passed: r.try_get::<i64, _>(16)? != 0,
        level: r.try_get(17)?,
        revoked: r.try_get::<Option<i64>, _>(18)?.is_some(),
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Evaluation>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// Reads an evaluation and locks its row for the rest of the transaction, in one statement:
/// `FOR UPDATE` on PostgreSQL (which waits for a holder and then reads the row as it committed
/// it); on SQLite the transaction holds the database's one write lock from its start
/// (`Db::begin`), so a plain read is already locked.
pub async fn lock_tx(tx: &mut Tx<'_>, id: i64) -> Result<Option<Evaluation>, sqlx::Error> {
    let lock = if tx.backend() == crate::db::Backend::Postgres {
        " FOR UPDATE OF e"
    } else {
        ""
    };
    one_tx(tx, id, lock).await
}

/// The same as [`by_id`], inside a transaction.
pub async fn by_id_tx(tx: &mut Tx<'_>, id: i64) -> Result<Option<Evaluation>, sqlx::Error> {
    one_tx(tx, id, "").await
}

async fn one_tx(tx: &mut Tx<'_>, id: i64, tail: &str) -> Result<Option<Evaluation>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE e.id = $1{tail}");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// A person's own evaluations (as a citizen), newest first.
pub async fn for_person(db: &Db, person_id: i64) -> Result<Vec<Evaluation>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE e.subject_kind = 'person' AND e.subject_id = $1 ORDER BY e.year DESC, e.id DESC");
    sqlx::query(&sql)
        .bind(person_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Evaluations made in the subtree of `path`, filtered.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub path: String,
    pub year: Option<i64>,
    pub model: Option<String>,
    pub status: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(db: &Db, q: &Query) -> Result<(Vec<Evaluation>, i64), sqlx::Error> {
    let mut conds = vec!["u.path >= $1 AND u.path < $2".to_owned()];
    let mut args = vec![q.path.clone(), crate::org::path_upper_bound(&q.path)];
    if let Some(m) = &q.model {
        args.push(m.clone());
        conds.push(format!("e.model = ${}", args.len()));
    }
    if let Some(s) = &q.status {
        args.push(s.clone());
        conds.push(format!("e.status = ${}", args.len()));
        // A revoked title is no longer recognised, in a list as in every count.
        if s == "recognised" {
            conds.push("e.revoked_at IS NULL".to_owned());
        }
    }
    if let Some(y) = q.year {
        conds.push(format!("e.year = {y}"));
    }
    let w = conds.join(" AND ");
    let count_sql =
        format!("SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE {w}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in &args {
        cq = cq.bind(a.clone());
    }
    let total = cq.fetch_one(&db.pool).await?;
    let sql = format!(
        "{SELECT} WHERE {w} ORDER BY e.updated_at DESC, e.id DESC LIMIT {} OFFSET {}",
        q.limit.clamp(1, 500),
        q.offset.max(0)
    );
    let mut lq = sqlx::query(&sql);
    for a in args {
        lq = lq.bind(a);
    }
    let rows = lq.fetch_all(&db.pool).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EvaluationEvent")]
pub struct Event {
    pub at_text: String,
    pub person_name: Option<String>,
    pub position_name: Option<String>,
    pub on_behalf: bool,
    pub action: String,
    pub note: Option<String>,
}

impl Event {
    /// The step in words, for people (the stored code stays for machines).
    pub fn action_vi(&self) -> &str {
        match self.action.as_str() {
            "register" => "Đăng ký",
            "submit" => "Nộp hồ sơ",
            "check" => "Chi hội kiểm tra",
            "return" => "Trả lại để bổ sung",
            "recognised" => "Công nhận",
            "not_recognised" => "Không công nhận",
            "import" => "Nhập từ tệp Excel",
            other => other,
        }
    }
    pub fn action_en(&self) -> &str {
        match self.action.as_str() {
            "register" => "Registered",
            "submit" => "Submitted",
            "check" => "Checked by the branch",
            "return" => "Returned for more information",
            "recognised" => "Recognised",
            "not_recognised" => "Not recognised",
            "import" => "Imported from an Excel file",
            other => other,
        }
    }
}

pub async fn events(db: &Db, evaluation_id: i64) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query(
        "SELECT ev.at, pe.full_name, pt.name_vi, pu.name, ev.on_behalf, ev.action, ev.note FROM evaluation_events ev \
         LEFT JOIN people pe ON pe.id = ev.person_id LEFT JOIN positions po ON po.id = ev.position_id \
         LEFT JOIN position_types pt ON pt.id = po.type_id LEFT JOIN units pu ON pu.id = po.unit_id \
         WHERE ev.evaluation_id = $1 ORDER BY ev.id",
    )
    .bind(evaluation_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        let pt: Option<String> = r.try_get(2)?;
        let pu: Option<String> = r.try_get(3)?;
        Ok(Event {
            at_text: crate::audit::format_time(r.try_get(0)?),
            person_name: r.try_get(1)?,
            position_name: pt.map(|t| format!("{t} — {}", pu.unwrap_or_default())),
            on_behalf: r.try_get::<i64, _>(4)? != 0,
            action: r.try_get(5)?,
            note: r.try_get(6)?,
        })
    })
    .collect()
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Evidence {
    pub id: i64,
    pub indicator: String,
    pub kind: String,
    #[serde(skip)]
    pub object_key: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub note: Option<String>,
}

impl Evidence {
    /// A photo (re-encoded at upload) opens in the browser: a page may show it small.
    pub fn is_photo(&self) -> bool {
        matches!(
            self.content_type.as_deref(),
            Some("image/jpeg" | "image/png" | "image/webp")
        )
    }
}

pub async fn evidence(db: &Db, evaluation_id: i64) -> Result<Vec<Evidence>, sqlx::Error> {
    evidence_with(&db.pool, evaluation_id).await
}

/// [`evidence`] on any executor, e.g. the connection of a transaction in progress.
pub async fn evidence_with<'c>(
    ex: impl sqlx::Executor<'c, Database = sqlx::Any>,
    evaluation_id: i64,
) -> Result<Vec<Evidence>, sqlx::Error> {
    sqlx::query("SELECT id, indicator, kind, object_key, file_name, content_type, size_bytes, note FROM evidence WHERE evaluation_id = $1 ORDER BY id")
        .bind(evaluation_id)
        .fetch_all(ex)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Evidence {
                id: r.try_get(0)?,
                indicator: r.try_get(1)?,
                kind: r.try_get(2)?,
                object_key: r.try_get(3)?,
                file_name: r.try_get(4)?,
                content_type: r.try_get(5)?,
                size_bytes: r.try_get(6)?,
                note: r.try_get(7)?,
            })
        })
        .collect()
}
