//! The lists of documents, paged by key: a unit's outgoing register, its incoming register, and a
//! sender's recipients of one document, filtered by state, kind, year and a folded search (in a
//! register: number and symbol, summary, and the text inside attached PDFs).

use super::model::{
    doc_of, entry_of, via_clause, Document, Entry, DOC_COLUMNS, DOC_FROM, ENTRY_COLUMNS, ENTRY_FROM,
};
use crate::db::Db;
use crate::error::AppError;
use crate::web::list::{keep, Cursor, ListPage};

/// The text of a search box folded like the stored texts, as a `LIKE` pattern.
pub fn pattern(q: &str) -> Option<String> {
    let q: String = q.chars().filter(|c| !c.is_control()).take(100).collect();
    let folded = khuyenhoc_domain::text::fold(q.trim());
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return None;
    }
    let escaped = folded
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Some(format!("%{escaped}%"))
}

/// The search of a register: the folded pattern (argument `n`) in the summary and symbol of the
/// document or in the text of one of its PDFs that `files` admits (`f`: `document_files`). Two
/// `LIKE`s on folded columns, the files reached by their index on `document_id`: enough at the
/// scale of one unit's register (thousands of documents a year), not a full-text index.
fn matches(n: usize, files: &str) -> String {
    format!(
        "(d.summary_folded LIKE ${n} ESCAPE '\\' OR EXISTS (SELECT 1 FROM document_files f \
         WHERE f.document_id = d.id AND {files} AND f.text_folded LIKE ${n} ESCAPE '\\'))"
    )
}

/// Which entries a list holds: one document's recipients of one sender, or a unit's incoming
/// register; filtered by state, kind, year and a search.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// The recipients of this document (the sender's list) …
    pub document_id: Option<i64>,
    /// … chosen by this forwarding unit (none: by the issuer).
    pub via: Option<i64>,
    /// The incoming register of this unit.
    pub unit_id: Option<i64>,
    pub state: Option<String>,
    pub type_code: Option<String>,
    pub year: Option<i64>,
    /// The code of the issuing unit (a register).
    pub issuer: Option<String>,
    /// Folded `LIKE` pattern: the recipient's name (sender's list), or the summary, symbol and
    /// text of the PDFs of the document and of the unit's reply (a register).
    pub q: Option<String>,
    pub today: String,
    pub per_page: i64,
    pub cursor: Option<Cursor>,
}

impl EntryFilter {
    fn clause(&self, args: &mut Vec<String>) -> String {
        let mut w = vec![];
        if let Some(d) = self.document_id {
            w.push(format!("r.document_id = {d}"));
            w.push(via_clause(self.via));
        }
        if let Some(u) = self.unit_id {
            w.push(format!("r.unit_id = {u}"));
        }
        if let Some(y) = self.year {
            w.push(format!("r.year = {y}"));
        }
        if let Some(t) = &self.type_code {
            args.push(t.clone());
            w.push(format!("d.type_code = ${}", args.len()));
        }
        if let Some(c) = &self.issuer {
            args.push(c.clone());
            w.push(format!(
                "d.unit_id IN (SELECT id FROM units WHERE code = ${})",
                args.len()
            ));
        }
        match self.state.as_deref() {
            Some("delivered") => w.push("r.opened_at IS NULL".into()),
            Some("opened") => {
                w.push("r.opened_at IS NOT NULL AND r.acknowledged_at IS NULL".into());
            }
            Some("acknowledged") => {
                w.push("r.acknowledged_at IS NOT NULL AND r.replied_at IS NULL".into());
            }
            Some("replied") => w.push("r.replied_at IS NOT NULL".into()),
            Some("overdue") => {
                args.push(self.today.clone());
                w.push(format!(
                    "r.replied_at IS NULL AND d.reply_due IS NOT NULL AND d.reply_due < ${}",
                    args.len()
                ));
            }
            _ => {}
        }
        if let Some(p) = &self.q {
            args.push(p.clone());
            let n = args.len();
            if self.document_id.is_some() {
                w.push(format!("r.unit_name_folded LIKE ${n} ESCAPE '\\'"));
            } else {
                w.push(matches(
                    n,
                    "(f.recipient_id IS NULL OR f.recipient_id = r.id)",
                ));
            }
        }
        if w.is_empty() {
            "1 = 1".into()
        } else {
            w.join(" AND ")
        }
    }

    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let mut args = vec![];
        let w = self.clause(&mut args);
        let sql = format!("SELECT COUNT(*) FROM document_recipients r JOIN documents d ON d.id = r.document_id WHERE {w}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// Rows after `cursor`: the sender's list by recipient id, a register newest first.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Entry>, Option<Cursor>), AppError> {
        let mut args = vec![];
        let mut w = self.clause(&mut args);
        let register = self.document_id.is_none();
        if let Some(c) = cursor {
            let id = c.int()?;
            w += &if register {
                format!(" AND r.id < {id}")
            } else {
                format!(" AND r.id > {id}")
            };
        }
        let order = if register { "r.id DESC" } else { "r.id" };
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE {w} ORDER BY {order} LIMIT {}",
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        Ok(keep(&rows, limit, |r| {
            let e = entry_of(r, &self.today)?;
            let c = Cursor {
                key: serde_json::json!(e.id),
                id: e.id,
            };
            Ok::<_, sqlx::Error>((e, c))
        })?)
    }

    pub async fn page(&self, db: &Db) -> Result<ListPage<Entry>, AppError> {
        let total = self.count(db).await?;
        let (items, next) = self.rows(db, self.cursor.as_ref(), self.per_page).await?;
        Ok(ListPage {
            items,
            total,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}

/// A unit's outgoing register: its documents, newest first, filtered by state, kind, year and a
/// search over the summary, the symbol and the text of the document's PDFs.
#[derive(Debug, Clone, Default)]
pub struct OutFilter {
    pub unit_id: i64,
    pub state: Option<String>,
    pub type_code: Option<String>,
    pub year: Option<i64>,
    pub q: Option<String>,
    pub per_page: i64,
    pub cursor: Option<Cursor>,
}

impl OutFilter {
    fn clause(&self, args: &mut Vec<String>) -> String {
        let mut w = vec![format!("d.unit_id = {}", self.unit_id)];
        if let Some(y) = self.year {
            w.push(format!("d.year = {y}"));
        }
        if let Some(t) = &self.type_code {
            args.push(t.clone());
            w.push(format!("d.type_code = ${}", args.len()));
        }
        if let Some(s) = &self.state {
            args.push(s.clone());
            w.push(format!("d.state = ${}", args.len()));
        }
        if let Some(p) = &self.q {
            args.push(p.clone());
            w.push(matches(args.len(), "f.recipient_id IS NULL"));
        }
        w.join(" AND ")
    }

    pub async fn page(&self, db: &Db) -> Result<ListPage<Document>, AppError> {
        let mut args = vec![];
        let w = self.clause(&mut args);
        let sql = format!("SELECT COUNT(*) FROM documents d WHERE {w}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in &args {
            q = q.bind(a.clone());
        }
        let total = q.fetch_one(&db.pool).await?;
        let mut w = w;
        if let Some(c) = &self.cursor {
            w += &format!(" AND d.id < {}", c.int()?);
        }
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM {DOC_FROM} WHERE {w} ORDER BY d.id DESC LIMIT {}",
            self.per_page + 1
        );
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        let (items, next) = keep(&rows, self.per_page, |r| {
            let d = doc_of(r)?;
            let c = Cursor {
                key: serde_json::json!(d.id),
                id: d.id,
            };
            Ok::<_, sqlx::Error>((d, c))
        })?;
        Ok(ListPage {
            items,
            total,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}
