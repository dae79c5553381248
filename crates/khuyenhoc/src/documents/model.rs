//! Documents in the database: what a document and a recipient's entry are, and the named reads
//! (one document, the sender's counts in one grouped query, the registers and the recipient list
//! paged by key).

use crate::auth::{InScope, Viewer};
use crate::db::Db;
use crate::error::AppError;
use crate::org::path_upper_bound;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The kinds of document (code, abbreviation in the symbol, Vietnamese, English): Decree
/// 30/2020, appendix III. A công văn has no abbreviation of its kind in its symbol.
pub const TYPES: &[(&str, &str, &str, &str)] = &[
    ("cv", "", "Công văn", "Official letter"),
    ("kh", "KH", "Kế hoạch", "Plan"),
    ("hd", "HD", "Hướng dẫn", "Guidance"),
    ("tb", "TB", "Thông báo", "Notice"),
    ("qd", "QĐ", "Quyết định", "Decision"),
    ("bc", "BC", "Báo cáo", "Report"),
    ("ttr", "TTr", "Tờ trình", "Submission"),
    ("gm", "GM", "Giấy mời", "Invitation"),
    ("ctr", "CTr", "Chương trình", "Programme"),
    ("bb", "BB", "Biên bản", "Minutes"),
];

/// How urgent a document is (code, Vietnamese, English).
pub const URGENCIES: &[(&str, &str, &str)] = &[
    ("normal", "Thường", "Normal"),
    ("urgent", "Khẩn", "Urgent"),
    ("very_urgent", "Thượng khẩn", "Very urgent"),
    ("flash", "Hỏa tốc", "Flash"),
];

/// The states of a recipient's entry, as the sender's list filters them (code, Vietnamese,
/// English): each entry is in the furthest it reached; `overdue` is computed against today.
pub const ENTRY_STATES: &[(&str, &str, &str)] = &[
    ("delivered", "Đã chuyển, chưa mở", "Delivered, not opened"),
    ("opened", "Đã mở", "Opened"),
    ("acknowledged", "Đã nhận", "Acknowledged"),
    ("replied", "Đã trả lời", "Replied"),
    ("overdue", "Quá hạn trả lời", "Reply overdue"),
];

/// The states of a document (code, Vietnamese, English).
pub const STATES: &[(&str, &str, &str)] = &[
    ("draft", "Dự thảo", "Draft"),
    ("signed", "Đã ký", "Signed"),
    ("issued", "Đã phát hành", "Issued"),
    ("recalled", "Đã thu hồi", "Recalled"),
];

/// The abbreviation of the issuer in every symbol: Hội Khuyến học.
pub const ISSUER_ABBR: &str = "HKH";

pub fn type_of(
    code: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str)> {
    TYPES.iter().find(|t| t.0 == code)
}

/// The number and symbol in the Decree 30/2020 form: `12/KH-HKH`, or `12/HKH` for a công văn.
pub fn symbol(number: i64, type_code: &str) -> String {
    match type_of(type_code).map(|t| t.1).filter(|a| !a.is_empty()) {
        Some(abbr) => format!("{number}/{abbr}-{ISSUER_ABBR}"),
        None => format!("{number}/{ISSUER_ABBR}"),
    }
}

/// A document as its readers see it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "OfficeDocument")]
pub struct Document {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// cv, kh, hd, tb, qd, bc, ttr, gm, ctr, bb
    pub type_code: String,
    pub summary: String,
    pub signer_position_id: i64,
    /// The signer position's type, in Vietnamese
    pub signer_title: String,
    /// normal, urgent, very_urgent, flash
    pub urgency: String,
    /// YYYY-MM-DD: replies are due by this day (included); none when no reply is asked
    pub reply_due: Option<String>,
    /// draft, signed, issued, recalled
    pub state: String,
    pub year: Option<i64>,
    pub number: Option<i64>,
    /// The number and symbol, given at issue: `12/KH-HKH`
    pub symbol: Option<String>,
    /// YYYY-MM-DD
    pub issued_on: Option<String>,
    pub recall_reason: Option<String>,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub recipients_json: String,
}

impl InScope for Document {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

pub(super) const DOC_COLUMNS: &str =
    "d.id, u.code, u.name, d.type_code, d.summary, d.signer_position_id, \
    t.name_vi, d.urgency, d.reply_due, d.state, d.year, d.number, d.symbol, d.issued_on, \
    d.recall_reason, d.unit_id, u.path, d.recipients_json";
pub(super) const DOC_FROM: &str = "documents d JOIN units u ON u.id = d.unit_id \
    JOIN positions sp ON sp.id = d.signer_position_id JOIN position_types t ON t.id = sp.type_id";

pub(super) fn doc_of(r: &AnyRow) -> Result<Document, sqlx::Error> {
    Ok(Document {
        id: r.try_get(0)?,
        unit_code: r.try_get(1)?,
        unit_name: r.try_get(2)?,
        type_code: r.try_get(3)?,
        summary: r.try_get(4)?,
        signer_position_id: r.try_get(5)?,
        signer_title: r.try_get(6)?,
        urgency: r.try_get(7)?,
        reply_due: r.try_get(8)?,
        state: r.try_get(9)?,
        year: r.try_get(10)?,
        number: r.try_get(11)?,
        symbol: r.try_get(12)?,
        issued_on: r.try_get(13)?,
        recall_reason: r.try_get(14)?,
        unit_id: r.try_get(15)?,
        unit_path: r.try_get(16)?,
        recipients_json: r.try_get(17)?,
    })
}

pub async fn by_id<'e, E>(exec: E, id: i64) -> Result<Option<Document>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT {DOC_COLUMNS} FROM {DOC_FROM} WHERE d.id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .as_ref()
    .map(doc_of)
    .transpose()
}

/// `col` (a unit path) inside one of the viewer's scope roots, the roots bound from `$first`.
pub fn in_roots(col: &str, roots: &[String], first: usize, args: &mut Vec<String>) -> String {
    if roots.is_empty() {
        return "1 = 0".into();
    }
    let mut parts = vec![];
    for (i, root) in roots.iter().enumerate() {
        let n = first + 2 * i;
        args.push(root.clone());
        args.push(path_upper_bound(root));
        parts.push(format!("({col} >= ${n} AND {col} < ${})", n + 1));
    }
    format!("({})", parts.join(" OR "))
}

/// The document if the viewer may read it: the issuing side reads it in every state (a unit it
/// reads issued it); a receiving side, once issued, when it reads a unit the document went to.
/// Anything else is "not found".
pub async fn readable(db: &Db, v: &Viewer, id: i64) -> Result<Document, AppError> {
    let doc = by_id(&db.pool, id).await?.ok_or(AppError::NotFound)?;
    if v.can_read(&doc.unit_path) {
        return Ok(doc);
    }
    if doc.state == "draft" || doc.state == "signed" {
        return Err(AppError::NotFound);
    }
    let mut args = vec![];
    let cond = in_roots("u.path", &v.scope_roots(), 2, &mut args);
    let sql = format!(
        "SELECT COUNT(*) FROM document_recipients r JOIN units u ON u.id = r.unit_id \
         WHERE r.document_id = $1 AND {cond}"
    );
    let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(id);
    for a in args {
        q = q.bind(a);
    }
    if q.fetch_one(&db.pool).await? > 0 {
        Ok(doc)
    } else {
        Err(AppError::NotFound)
    }
}

/// How far the recipients of one sender got: every count in one grouped query.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(rename = "DocumentCounts")]
pub struct Counts {
    /// Units the document was delivered to
    pub delivered: i64,
    pub opened: i64,
    pub acknowledged: i64,
    pub replied: i64,
    /// A reply was due before today and none came
    pub overdue: i64,
}

/// The sender's counts: the recipients the issuer chose (`via` none), or those a unit forwarded
/// it to (`via` that unit), with `today` (YYYY-MM-DD) for what is overdue.
pub async fn counts(
    db: &Db,
    doc: &Document,
    via: Option<i64>,
    today: &str,
) -> Result<Counts, AppError> {
    let due = doc.reply_due.clone().filter(|d| d.as_str() < today);
    let sql = format!(
        "SELECT COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN r.opened_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN r.acknowledged_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN r.replied_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM document_recipients r WHERE r.document_id = $1 AND {}",
        via_clause(via)
    );
    let row = sqlx::query(&sql).bind(doc.id).fetch_one(&db.pool).await?;
    let delivered: i64 = row.try_get(0)?;
    let replied: i64 = row.try_get(3)?;
    Ok(Counts {
        delivered,
        opened: row.try_get(1)?,
        acknowledged: row.try_get(2)?,
        replied,
        overdue: if due.is_some() {
            delivered - replied
        } else {
            0
        },
    })
}

pub(super) fn via_clause(via: Option<i64>) -> String {
    match via {
        None => "r.via_unit_id IS NULL".into(),
        Some(u) => format!("r.via_unit_id = {u}"),
    }
}

/// A document in a unit's incoming register, or a recipient in the sender's list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DocumentEntry")]
pub struct Entry {
    pub id: i64,
    pub document_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// The unit that forwarded the document here; none when the issuer sent it
    pub via_unit_name: Option<String>,
    pub year: i64,
    /// The entry number in the receiving unit's incoming register of the year
    pub entry_number: i64,
    /// delivered, opened, acknowledged or replied: the furthest reached
    pub state: String,
    /// A reply was due before today and none came
    pub overdue: bool,
    pub delivered_at: i64,
    pub opened_at: Option<i64>,
    pub opened_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub replied_at: Option<i64>,
    pub reply_text: Option<String>,
    pub symbol: Option<String>,
    pub type_code: String,
    pub summary: String,
    pub issuer_name: String,
    pub urgency: String,
    pub reply_due: Option<String>,
    /// The issuer recalled the document
    pub recalled: bool,
    pub recall_reason: Option<String>,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub unit_path: String,
}

impl InScope for Entry {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

pub(super) const ENTRY_COLUMNS: &str =
    "r.id, r.document_id, u.code, u.name, vu.name, r.year, r.entry_number, \
    r.delivered_at, r.opened_at, op.full_name, r.acknowledged_at, r.replied_at, r.reply_text, \
    d.symbol, d.type_code, d.summary, iu.name, d.urgency, d.reply_due, d.state, d.recall_reason, \
    r.unit_id, u.path";
pub(super) const ENTRY_FROM: &str =
    "document_recipients r JOIN documents d ON d.id = r.document_id \
    JOIN units u ON u.id = r.unit_id JOIN units iu ON iu.id = d.unit_id \
    LEFT JOIN units vu ON vu.id = r.via_unit_id LEFT JOIN people op ON op.id = r.opened_by";

pub(super) fn entry_of(r: &AnyRow, today: &str) -> Result<Entry, sqlx::Error> {
    let opened_at: Option<i64> = r.try_get(8)?;
    let acknowledged_at: Option<i64> = r.try_get(10)?;
    let replied_at: Option<i64> = r.try_get(11)?;
    let reply_due: Option<String> = r.try_get(18)?;
    let state = if replied_at.is_some() {
        "replied"
    } else if acknowledged_at.is_some() {
        "acknowledged"
    } else if opened_at.is_some() {
        "opened"
    } else {
        "delivered"
    };
    let doc_state: String = r.try_get(19)?;
    Ok(Entry {
        id: r.try_get(0)?,
        document_id: r.try_get(1)?,
        unit_code: r.try_get(2)?,
        unit_name: r.try_get(3)?,
        via_unit_name: r.try_get(4)?,
        year: r.try_get(5)?,
        entry_number: r.try_get(6)?,
        state: state.into(),
        overdue: replied_at.is_none() && reply_due.as_deref().is_some_and(|d| d < today),
        delivered_at: r.try_get(7)?,
        opened_at,
        opened_by: r.try_get(9)?,
        acknowledged_at,
        replied_at,
        reply_text: r.try_get(12)?,
        symbol: r.try_get(13)?,
        type_code: r.try_get(14)?,
        summary: r.try_get(15)?,
        issuer_name: r.try_get(16)?,
        urgency: r.try_get(17)?,
        reply_due,
        recalled: doc_state == "recalled",
        recall_reason: r.try_get(20)?,
        unit_id: r.try_get(21)?,
        unit_path: r.try_get(22)?,
    })
}

pub async fn entry_by_id<'e, E>(exec: E, id: i64, today: &str) -> Result<Option<Entry>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?
    .as_ref()
    .map(|r| entry_of(r, today))
    .transpose()
}

/// The entries of a document the viewer reads (the receiving side's own rows).
pub async fn entries_read_by(
    db: &Db,
    v: &Viewer,
    document_id: i64,
    today: &str,
) -> Result<Vec<Entry>, AppError> {
    let mut args = vec![];
    let cond = in_roots("u.path", &v.scope_roots(), 2, &mut args);
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE r.document_id = $1 AND {cond} \
         ORDER BY r.id LIMIT 50"
    );
    let mut q = sqlx::query(&sql).bind(document_id);
    for a in args {
        q = q.bind(a);
    }
    let rows = q.fetch_all(&db.pool).await?;
    Ok(rows
        .iter()
        .map(|r| entry_of(r, today))
        .collect::<Result<_, _>>()?)
}

/// A file of a document, or of a reply.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DocumentFile")]
pub struct Attachment {
    pub id: i64,
    /// The reply it belongs to; none for the document's own files
    pub recipient_id: Option<i64>,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub file_key: String,
}

pub async fn attachments(db: &Db, document_id: i64) -> Result<Vec<Attachment>, sqlx::Error> {
    sqlx::query(
        "SELECT id, recipient_id, file_name, media_type, size_bytes, file_key FROM document_files \
         WHERE document_id = $1 ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Attachment {
            id: r.try_get(0)?,
            recipient_id: r.try_get(1)?,
            file_name: r.try_get(2)?,
            media_type: r.try_get(3)?,
            size_bytes: r.try_get(4)?,
            file_key: r.try_get(5)?,
        })
    })
    .collect()
}
