//! Files of documents and of replies (PDF, DOCX, XLSX, scans), checked by their bytes
//! (`files::office`) and kept in the same file store as evidence. A document takes files while
//! it is a draft or signed (what is issued is frozen); a reply takes them from the receiving
//! unit while the document is not recalled. Each file is written with its audit entry; a file
//! whose row could not be written is deleted from the store again. A PDF's text is extracted
//! for search by a job enqueued with its row (`pdf_text`). Also the reading of a
//! multipart form (text fields and one file) and the two upload routes of the API.

use super::incoming;
use super::model::{self, Attachment};
use super::service::wrong_state;
use crate::accounts::pages::parse_id;
use crate::audit::{self, Actor, Change};
use crate::auth::ApiViewer;
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::ApiResult;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use khuyenhoc_domain::limits;

/// The most files of one document, or of one reply.
pub const MAX_FILES: i64 = 20;

/// Attaches a file to a draft or signed document (`document.issue` over the issuing unit).
pub async fn to_document(
    state: &AppState,
    v: &Viewer,
    id: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Attachment, AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let actor = v.actor_for(perm::DOCUMENT_ISSUE, &doc.unit_path)?;
    if !matches!(doc.state.as_str(), "draft" | "signed") {
        return Err(wrong_state(
            "Chỉ đính kèm tệp vào văn bản chưa phát hành",
            "Files are attached before the document is issued",
        ));
    }
    store(state, actor, doc.id, doc.unit_id, None, file_name, bytes).await
}

/// Attaches a file to the reply of a receiving unit's entry (`document.issue` over that unit).
pub async fn to_reply(
    state: &AppState,
    v: &Viewer,
    rid: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Attachment, AppError> {
    let (e, actor) = incoming::entry_to_act(state, v, rid).await?;
    if e.reply_due.is_none() {
        return Err(wrong_state(
            "Văn bản này không yêu cầu trả lời",
            "This document asks for no reply",
        ));
    }
    store(
        state,
        actor,
        e.document_id,
        e.unit_id,
        Some(rid),
        file_name,
        bytes,
    )
    .await
}

/// The file's name within its limit and its bytes checked by their content (on a blocking
/// thread): the name, the bytes and their media type.
async fn checked(
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<(String, Vec<u8>, &'static str), AppError> {
    let name = limits::NAME.fit(file_name.trim());
    let name = if name.is_empty() {
        "tep".to_owned()
    } else {
        name
    };
    let (bytes, media_type) = tokio::task::spawn_blocking(move || {
        crate::files::office::sniff_attachment(&bytes).map(|t| (bytes, t))
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(|e| AppError::field("file", e))?;
    Ok((name, bytes, media_type))
}

async fn store(
    state: &AppState,
    actor: Actor,
    document_id: i64,
    unit_id: i64,
    recipient_id: Option<i64>,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Attachment, AppError> {
    let db = &state.db;
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM document_files WHERE document_id = $1 \
         AND COALESCE(recipient_id, 0) = COALESCE($2, 0)",
    )
    .bind(document_id)
    .bind(recipient_id)
    .fetch_one(&db.pool)
    .await?;
    if held >= MAX_FILES {
        return Err(AppError::field(
            "file",
            khuyenhoc_domain::Invalid::new("Tối đa 20 tệp", "At most 20 files"),
        ));
    }
    let (name, bytes, media_type) = checked(file_name, bytes).await?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let key = state
        .files
        .put("documents", bytes)
        .await
        .map_err(AppError::Internal)?;
    let written = async {
        let mut tx = db.begin().await?;
        let fid: i64 = sqlx::query_scalar(
            "INSERT INTO document_files (document_id, recipient_id, file_key, file_name, media_type, \
             size_bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(document_id)
        .bind(recipient_id)
        .bind(&key)
        .bind(&name)
        .bind(media_type)
        .bind(size)
        .bind(actor.person_id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        if media_type == crate::files::office::PDF {
            super::pdf_text::enqueue(&mut tx, fid).await?;
        }
        audit::record(
            &mut tx,
            actor,
            Change {
                unit_id: Some(unit_id),
                entity: "document_file",
                entity_id: fid.to_string(),
                action: "attach",
                before: None,
                after: Some(serde_json::json!({"document_id": document_id, "recipient_id": recipient_id,
                    "file_name": name, "media_type": media_type, "size_bytes": size})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<i64, AppError>(fid)
    }
    .await;
    match written {
        Ok(id) => Ok(Attachment {
            id,
            recipient_id,
            file_name: name,
            media_type: media_type.to_owned(),
            size_bytes: size,
            file_key: key,
        }),
        Err(e) => {
            state.files.forget(&key).await;
            Err(e)
        }
    }
}

/// A file of a document with its bytes, for a reader of the document; a reply's file only for
/// the sending side and the unit that replied (and those above it).
pub async fn file_for(
    state: &AppState,
    v: &Viewer,
    document_id: i64,
    file_id: i64,
) -> Result<(Attachment, bytes::Bytes), AppError> {
    let doc = model::readable(&state.db, v, document_id).await?;
    let f = model::attachments(&state.db, doc.id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)?;
    if let Some(rid) = f.recipient_id {
        if !v.can_read(&doc.unit_path) {
            incoming::entry(state, v, rid).await?;
        }
    }
    let bytes = state
        .files
        .get(&f.file_key)
        .await
        .map_err(AppError::Internal)?;
    Ok((f, bytes))
}

/// A multipart form of a page: its text fields and its one file (name, bytes).
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

/// Reads a page's multipart form (fields, and the part named `file`).
pub async fn read_upload(
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Upload, AppError> {
    let mut form = form.map_err(|_| {
        AppError::bad_request("Không đọc được tệp gửi lên", "The upload could not be read")
    })?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::bad_request("Không đọc được tệp gửi lên", "The upload could not be read")
        }
    };
    let mut u = Upload {
        fields: Default::default(),
        file: None,
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("tep").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if !bytes.is_empty() {
                u.file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(unreadable)?;
            u.fields.insert(name, text);
        }
    }
    Ok(u)
}

/// The file of a multipart upload (the part named `file`), scope checked first by the caller.
async fn upload_of(
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(String, Vec<u8>), AppError> {
    let form = form.map_err(|e| {
        AppError::bad_request(
            "Cần gửi biểu mẫu multipart/form-data (file)",
            format!("Send a multipart/form-data form (file): {e}"),
        )
    })?;
    read_upload(Ok(form))
        .await?
        .file
        .ok_or_else(crate::cooperation::api::no_file)
}

pub async fn attach_document(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let id = parse_id(&id)?;
    // Scope first: a caller who may not read the document learns nothing from the form.
    model::readable(&state.db, &v, id).await?;
    let (name, bytes) = upload_of(form).await?;
    Ok((
        StatusCode::CREATED,
        Json(to_document(&state, &v, id, &name, bytes).await?),
    ))
}

pub async fn attach_reply(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    form: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let rid = parse_id(&id)?;
    super::incoming::entry(&state, &v, rid).await?;
    let (name, bytes) = upload_of(form).await?;
    Ok((
        StatusCode::CREATED,
        Json(to_reply(&state, &v, rid, &name, bytes).await?),
    ))
}
