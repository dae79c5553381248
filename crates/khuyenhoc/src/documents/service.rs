//! Every change to documents, each in one transaction with its audit entry: drafting, signing
//! (only the holder of the signer position), issuing (the number in the issuer's outgoing
//! register, the recipients frozen, each numbered in its own incoming register), opening,
//! recalling. The receiving side's changes are in `incoming`, the reminders in `remind`.

use super::model::{self, Document};
use super::recipients::{self, Choice, Receiver};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, rows, Backend, Tx};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::{limits, Invalid};
use serde::Deserialize;
use sqlx::Row;

/// Today in Vietnam as `YYYY-MM-DD`, from the state's clock (tests move it).
pub fn today(state: &AppState) -> String {
    state.clock.vn_today().format("%Y-%m-%d").to_string()
}

pub(super) fn field(name: &'static str, vi: &'static str, en: &'static str) -> AppError {
    AppError::field(name, Invalid::new(vi, en))
}

pub(super) fn wrong_state(vi: &'static str, en: &'static str) -> AppError {
    AppError::Unprocessable {
        vi: vi.into(),
        en: en.into(),
    }
}

/// What a draft is made of, as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    pub type_code: String,
    pub summary: String,
    pub signer_position_id: i64,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub reply_due: Option<String>,
    pub recipients: Vec<Choice>,
}

/// The draft checked: known kind and urgency, a summary within its limit, a reply date from
/// today on, a well-formed choice of recipients.
fn checked(n: &NewDocument, today: &str) -> Result<NewDocument, AppError> {
    let type_code = n.type_code.trim().to_lowercase();
    if model::type_of(&type_code).is_none() {
        return Err(field(
            "type_code",
            "Loại văn bản không hợp lệ",
            "Unknown kind of document",
        ));
    }
    let summary = limits::NOTE
        .check(&n.summary)
        .map_err(|e| AppError::field("summary", e))?;
    if summary.is_empty() {
        return Err(field(
            "summary",
            "Hãy nhập trích yếu nội dung",
            "Type the summary",
        ));
    }
    let urgency = n
        .urgency
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or("normal")
        .to_owned();
    if !model::URGENCIES.iter().any(|u| u.0 == urgency) {
        return Err(field(
            "urgency",
            "Độ khẩn: thường, khẩn, thượng khẩn hoặc hỏa tốc",
            "Urgency: normal, urgent, very_urgent or flash",
        ));
    }
    let reply_due = match n
        .reply_due
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(d) => {
            let day = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                field(
                    "reply_due",
                    "Hạn trả lời là một ngày (năm-tháng-ngày)",
                    "The reply date is a day (YYYY-MM-DD)",
                )
            })?;
            let d = day.format("%Y-%m-%d").to_string();
            if d.as_str() < today {
                return Err(field(
                    "reply_due",
                    "Hạn trả lời không được trước hôm nay",
                    "The reply date cannot be before today",
                ));
            }
            Some(d)
        }
    };
    recipients::check(&n.recipients)?;
    Ok(NewDocument {
        type_code,
        summary,
        signer_position_id: n.signer_position_id,
        urgency: Some(urgency),
        reply_due,
        recipients: n.recipients.clone(),
    })
}

/// The summary and symbol folded for search.
fn folded(summary: &str, symbol: Option<&str>) -> String {
    let mut s = khuyenhoc_domain::text::fold(summary);
    if let Some(sym) = symbol {
        s.push(' ');
        s.push_str(&khuyenhoc_domain::text::fold(sym));
    }
    s
}

/// A new draft of the unit `code`, by an officer with `document.issue` over it, to be signed by
/// an open position of that unit.
pub async fn create(
    state: &AppState,
    v: &Viewer,
    code: &str,
    input: &NewDocument,
) -> Result<Document, AppError> {
    let db = &state.db;
    let (unit, actor) = crate::org::service::with_right(db, v, code, perm::DOCUMENT_ISSUE).await?;
    if !unit.is_open() {
        return Err(AppError::NotFound);
    }
    let n = checked(input, &today(state))?;
    let mut tx = db.begin().await?;
    let signer: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM positions WHERE id = $1 AND unit_id = $2 AND closed_at IS NULL",
    )
    .bind(n.signer_position_id)
    .bind(unit.id)
    .fetch_optional(&mut *tx)
    .await?;
    if signer.is_none() {
        return Err(field(
            "signer_position_id",
            "Người ký phải là một chức vụ của đơn vị ban hành",
            "The signer must be a position of the issuing unit",
        ));
    }
    let recipients_json = serde_json::to_string(&n.recipients)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("recipients: {e}")))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO documents (unit_id, type_code, summary, summary_folded, signer_position_id, \
         urgency, reply_due, recipients_json, state, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10) RETURNING id",
    )
    .bind(unit.id)
    .bind(&n.type_code)
    .bind(&n.summary)
    .bind(folded(&n.summary, None))
    .bind(n.signer_position_id)
    .bind(n.urgency.as_deref().unwrap_or("normal"))
    .bind(n.reply_due.as_deref())
    .bind(&recipients_json)
    .bind(v.person_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let doc = model::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "document",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: audit::json(&doc),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(doc)
}

/// Signs a draft: only the person who holds the signer position now ("not found" for others).
pub async fn sign(state: &AppState, v: &Viewer, id: i64) -> Result<Document, AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let Some(held) = v
        .positions
        .iter()
        .find(|p| p.position_id == doc.signer_position_id)
    else {
        // Only the holder of the signer position signs; to anyone else the draft to sign is
        // not there, as for every right one does not have.
        return Err(AppError::NotFound);
    };
    let actor = Actor::new(v.person_id, Some(held.position_id));
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE documents SET state = 'signed', signed_by = $1, signed_at = $2 \
         WHERE id = $3 AND state = 'draft'",
    )
    .bind(v.person_id)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(wrong_state(
            "Chỉ ký được văn bản đang là dự thảo",
            "Only a draft can be signed",
        ));
    }
    let after = model::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(doc.unit_id),
            entity: "document",
            entity_id: id.to_string(),
            action: "sign",
            before: audit::json(&doc),
            after: audit::json(&after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The next number of a unit's register of a year, in the caller's transaction.
async fn next_number(
    tx: &mut Tx<'_>,
    unit_id: i64,
    year: i64,
    register: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO document_counters (unit_id, year, register, last_number) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (unit_id, year, register) DO NOTHING",
    )
    .bind(unit_id)
    .bind(year)
    .bind(register)
    .execute(&mut **tx)
    .await?;
    sqlx::query_scalar(
        "UPDATE document_counters SET last_number = last_number + 1 \
         WHERE unit_id = $1 AND year = $2 AND register = $3 RETURNING last_number",
    )
    .bind(unit_id)
    .bind(year)
    .bind(register)
    .fetch_one(&mut **tx)
    .await
}

/// The next entry number of each unit's incoming register of `year` (units in ascending order),
/// in the caller's transaction: the counters made when missing, locked in unit order on
/// PostgreSQL (SQLite has one writer), then moved by one statement.
async fn entry_numbers(
    tx: &mut Tx<'_>,
    ids: &[i64],
    year: i64,
) -> Result<std::collections::HashMap<i64, i64>, sqlx::Error> {
    let backend = tx.backend();
    let values = rows::values(backend, ids.len(), &format!("(?, {year}, 'in', 0)"));
    let sql = format!(
        "INSERT INTO document_counters (unit_id, year, register, last_number) VALUES {values} \
         ON CONFLICT (unit_id, year, register) DO NOTHING"
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id);
    }
    q.execute(&mut **tx).await?;
    let list = rows::in_list(backend, 1, ids.len());
    let which = format!("year = {year} AND register = 'in' AND unit_id IN {list}");
    if backend == Backend::Postgres {
        let sql = format!(
            "SELECT unit_id FROM document_counters WHERE {which} ORDER BY unit_id FOR UPDATE"
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(&mut **tx).await?;
    }
    let sql = format!(
        "UPDATE document_counters SET last_number = last_number + 1 WHERE {which} \
         RETURNING unit_id, last_number"
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id);
    }
    q.fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
}

/// Units per statement when delivering.
const PER_STATEMENT: usize = 4_000;

/// Delivers a document to `receivers` (each unit once: rows already there are left alone): the
/// next entry number of each unit's incoming register of `year`, then one recipient row each,
/// many per statement. The counters are locked in unit order, so concurrent deliveries to the
/// same units wait for each other rather than deadlock. Returns how many rows were made.
pub async fn deliver(
    tx: &mut Tx<'_>,
    document_id: i64,
    receivers: &[Receiver],
    via: Option<i64>,
    year: i64,
) -> Result<usize, AppError> {
    let backend = tx.backend();
    let mut receivers: Vec<&Receiver> = receivers.iter().collect();
    receivers.sort_by_key(|r| r.unit_id);
    let at = now();
    let mut made = 0;
    for chunk in receivers.chunks(PER_STATEMENT) {
        let ids: Vec<i64> = chunk.iter().map(|r| r.unit_id).collect();
        // Units that already hold the document (a second forward) get nothing new.
        let list = rows::in_list(backend, 1, ids.len());
        let sql = format!(
            "SELECT unit_id FROM document_recipients WHERE document_id = {document_id} AND unit_id IN {list}"
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for id in &ids {
            q = q.bind(id);
        }
        let have: std::collections::HashSet<i64> =
            q.fetch_all(&mut **tx).await?.into_iter().collect();
        let fresh: Vec<&&Receiver> = chunk
            .iter()
            .filter(|r| !have.contains(&r.unit_id))
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let ids: Vec<i64> = fresh.iter().map(|r| r.unit_id).collect();
        let numbers = entry_numbers(tx, &ids, year).await?;
        let row = rows::row_of(4, &format!(", {document_id}, {year}, {at}"));
        let values = rows::values(backend, fresh.len(), &row);
        let sql = format!(
            "INSERT INTO document_recipients (unit_id, via_unit_id, entry_number, unit_name_folded, \
             document_id, year, delivered_at) VALUES {values}"
        );
        let mut q = sqlx::query(&sql);
        for r in &fresh {
            let n = numbers.get(&r.unit_id).copied().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "no register counter for unit {}",
                    r.unit_id
                ))
            })?;
            q = q
                .bind(r.unit_id)
                .bind(via)
                .bind(n)
                .bind(r.name_folded.clone());
        }
        // Two forwards of one document racing to the same unit: the second finds the row
        // there; answered busy, its retry leaves that unit out.
        q.execute(&mut **tx).await.map_err(|e| {
            if crate::db::is_unique_violation(&e, "document_recipients_unit") {
                AppError::Busy("the document reached one of these units meanwhile".into())
            } else {
                AppError::from(e)
            }
        })?;
        made += fresh.len();
    }
    Ok(made)
}

/// Issues a signed document: its number in the issuer's outgoing register of the year, the
/// recipients resolved and frozen, each entered in its own incoming register. Someone with
/// `document.issue` over the issuing unit.
pub async fn issue(state: &AppState, v: &Viewer, id: i64) -> Result<Document, AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let actor = v.actor_for(perm::DOCUMENT_ISSUE, &doc.unit_path)?;
    let today = today(state);
    let year: i64 = today[..4]
        .parse()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("today {today}")))?;
    let choices: Vec<Choice> = serde_json::from_str(&doc.recipients_json)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored recipients: {e}")))?;
    let mut tx = state.db.begin().await?;
    // Taking the document first makes a second issue of it wait, then find it issued.
    let taken =
        sqlx::query("UPDATE documents SET state = 'issued' WHERE id = $1 AND state = 'signed'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if taken.rows_affected() != 1 {
        return Err(wrong_state(
            "Chỉ phát hành được văn bản đã ký",
            "Only a signed document can be issued",
        ));
    }
    let receivers = recipients::resolve(&mut tx, &doc.unit_path, &choices).await?;
    let number = next_number(&mut tx, doc.unit_id, year, "out").await?;
    let symbol = model::symbol(number, &doc.type_code);
    sqlx::query(
        "UPDATE documents SET year = $1, number = $2, symbol = $3, issued_on = $4, issued_at = $5, \
         summary_folded = $6 WHERE id = $7",
    )
    .bind(year)
    .bind(number)
    .bind(&symbol)
    .bind(&today)
    .bind(now())
    .bind(folded(&doc.summary, Some(&symbol)))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let delivered = deliver(&mut tx, id, &receivers, None, year).await?;
    let after = model::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut json = audit::json(&after);
    if let Some(serde_json::Value::Object(m)) = json.as_mut() {
        m.insert("recipients".into(), delivered.into());
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(doc.unit_id),
            entity: "document",
            entity_id: id.to_string(),
            action: "issue",
            before: audit::json(&doc),
            after: json,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Recalls an issued document with a reason: its recipients see it recalled.
pub async fn recall(
    state: &AppState,
    v: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Document, AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let actor = v.actor_for(perm::DOCUMENT_ISSUE, &doc.unit_path)?;
    let reason = limits::DESCRIPTION
        .check(reason)
        .map_err(|e| AppError::field("reason", e))?;
    if reason.is_empty() {
        return Err(field(
            "reason",
            "Hãy nêu lý do thu hồi",
            "Give the reason of the recall",
        ));
    }
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE documents SET state = 'recalled', recalled_at = $1, recall_reason = $2 \
         WHERE id = $3 AND state = 'issued'",
    )
    .bind(now())
    .bind(&reason)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(wrong_state(
            "Chỉ thu hồi được văn bản đã phát hành",
            "Only an issued document can be recalled",
        ));
    }
    let after = model::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(doc.unit_id),
            entity: "document",
            entity_id: id.to_string(),
            action: "recall",
            before: audit::json(&doc),
            after: audit::json(&after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
