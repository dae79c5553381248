//! Pages that correct, move and merge people: the forms on the person page (officers), the
//! side-by-side page of two records to merge, and the person's own corrections on the account
//! page (with the code that confirms a new phone or email).

use super::correct::{self, Correction};
use super::merge;
use super::moves;
use super::pages::{account_page, parse_id, person_page};
use crate::auth::Viewer;
use crate::error::{AppError, FieldError, PageResult};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A message in Vietnamese and English.
type Notice = Option<(String, String)>;

/// A refusal the form can show: field errors beside their fields, anything else as a notice.
fn shown(e: AppError) -> Result<(Vec<FieldError>, Notice), AppError> {
    match e {
        AppError::Invalid(f) => Ok((f, None)),
        AppError::Conflict(f) => Ok((vec![f], None)),
        AppError::BadRequest { vi, en } | AppError::Refused { vi, en } => {
            Ok((vec![], Some((vi, en))))
        }
        other => Err(other),
    }
}

async fn person_again(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: i64,
    e: AppError,
) -> PageResult<Response> {
    let (errors, notice) = shown(e)?;
    let page = person_page(state, c, v, id, FormErrors(errors), notice).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn done(c: &Corrected) -> (String, String) {
    let mut vi = String::from("Đã lưu.");
    let mut en = String::from("Saved.");
    if let Some(p) = &c.pending_contact {
        let (fv, fe) = if p.field == "phone" {
            ("số điện thoại", "phone")
        } else {
            ("email", "email")
        };
        vi = format!("Đã gửi mã xác nhận cho chủ tài khoản; {fv} mới có hiệu lực khi họ nhập mã (trong 30 phút).");
        en = format!("A code was sent to the owner; the new {fe} takes effect when they enter it (within 30 minutes).");
    }
    if !c.reissued_certificates.is_empty() {
        vi.push_str(&format!(
            " Đã cấp lại {} giấy chứng nhận với tên mới; giấy cũ đã bị thu hồi.",
            c.reissued_certificates.len()
        ));
        en.push_str(&format!(
            " {} certificate(s) reissued with the new name; the old ones are revoked.",
            c.reissued_certificates.len()
        ));
    }
    (vi, en)
}

use super::correct::Corrected;

/// An officer corrects a person from the person page.
pub async fn correct_person(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<Correction>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    match correct::correct(&state, &v, id, &f).await {
        Ok(done_) => {
            let page =
                person_page(&state, c, &v, id, FormErrors::default(), Some(done(&done_))).await?;
            Ok(page.into_response())
        }
        Err(e) => person_again(&state, c, &v, id, e).await,
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn move_person(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<MoveForm>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    match moves::move_person(&state.db, &v, id, &f.unit_code, &f.reason).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(e) => person_again(&state, c, &v, id, e).await,
    }
}

#[derive(Template)]
#[template(path = "person_merge.html")]
pub struct MergePage {
    pub c: Chrome,
    pub kept: super::model::Person,
    pub removed: super::model::Person,
    /// What each record holds: label (vi, en), the kept one's count, the removed one's.
    pub counts: Vec<(&'static str, &'static str, i64, i64)>,
    pub errors: FormErrors,
    pub notice: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct OtherQuery {
    #[serde(default)]
    pub other: Option<String>,
}

/// What a record holds, counted for the side-by-side page.
async fn counts(
    state: &AppState,
    id: i64,
) -> Result<Vec<(&'static str, &'static str, i64)>, AppError> {
    let mut out = vec![];
    for (vi, en, sql) in [
        (
            "Đánh giá",
            "Evaluations",
            "SELECT COUNT(*) FROM evaluations WHERE subject_kind = 'person' AND subject_id = $1",
        ),
        (
            "Nhóm, gia đình",
            "Groups, families",
            "SELECT COUNT(*) FROM group_members WHERE person_id = $1",
        ),
        (
            "Chức danh đang giữ",
            "Positions held",
            "SELECT COUNT(*) FROM position_holdings WHERE person_id = $1 AND to_at IS NULL",
        ),
        (
            "Hội viên",
            "Member",
            "SELECT COUNT(*) FROM members WHERE person_id = $1",
        ),
    ] {
        let n: i64 = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(&state.db.pool)
            .await?;
        out.push((vi, en, n));
    }
    Ok(out)
}

async fn merge_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: i64,
    other: &str,
    errors: FormErrors,
    notice: Option<(String, String)>,
) -> PageResult<Response> {
    let other = match super::model::find_visible(
        &state.db,
        v,
        &super::model::Lookup::Phone(match khuyenhoc_domain::PhoneNumber::parse(other) {
            Ok(p) => p,
            Err(_) => return lookup_by_id(state, c, v, id, other, errors, notice).await,
        }),
    )
    .await?
    {
        Some(p) => p.id,
        None => return Err(AppError::NotFound.into()),
    };
    lookup_by_id(state, c, v, id, &other.to_string(), errors, notice).await
}

async fn lookup_by_id(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: i64,
    other: &str,
    errors: FormErrors,
    notice: Option<(String, String)>,
) -> PageResult<Response> {
    let (kept, removed) = merge::both(&state.db, v, id, parse_id(other.trim())?).await?;
    let counts: Vec<_> = counts(state, kept.id)
        .await?
        .into_iter()
        .zip(counts(state, removed.id).await?)
        .map(|(k, r)| (k.0, k.1, k.2, r.2))
        .collect();
    let status = if errors.any() || notice.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&MergePage {
        c,
        kept,
        removed,
        counts,
        errors,
        notice,
    })?;
    Ok((status, page).into_response())
}

/// The two records side by side (the other one by id or phone number).
pub async fn merge_view(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<OtherQuery>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let other = q.other.unwrap_or_default();
    merge_page(&state, c, &v, id, &other, FormErrors::default(), None).await
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    pub other: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn merge_people(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<MergeForm>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let other = parse_id(f.other.trim())?;
    match merge::merge(&state.db, &v, id, other, &f.reason).await {
        Ok(m) => Ok(Redirect::to(&format!("/people/{}", m.kept.id)).into_response()),
        Err(e) => {
            let (errors, notice) = shown(e)?;
            lookup_by_id(
                &state,
                c,
                &v,
                id,
                &other.to_string(),
                FormErrors(errors),
                notice,
            )
            .await
        }
    }
}

async fn account_again(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    e: AppError,
) -> PageResult<Response> {
    let (mut errors, notice) = shown(e)?;
    if let Some((_, _)) = notice {
        // The account page shows fixed notices; a refusal is shown beside the form.
        errors.push(FieldError::new(
            "profile",
            khuyenhoc_domain::Invalid::new(
                "Việc này cần cán bộ chi hội hoặc cán bộ hội cấp trên làm cho bạn, hoặc không có gì thay đổi",
                "This needs an officer of your branch or above, or nothing changed",
            ),
        ));
    }
    let page = account_page(state, c, v, FormErrors(errors), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The person corrects their own record from the account page.
pub async fn correct_own(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<Correction>,
) -> PageResult<Response> {
    match correct::correct(&state, &v, v.person_id, &f).await {
        Ok(done_) => {
            let notice = if done_.pending_contact.is_some() {
                (
                    "Đã gửi mã xác nhận. Hãy nhập mã bên dưới trong 30 phút.",
                    "A code was sent. Enter it below within 30 minutes.",
                )
            } else if done_.reissued_certificates.is_empty() {
                ("Đã lưu thông tin của bạn.", "Your details are saved.")
            } else {
                ("Đã lưu. Giấy chứng nhận đã được cấp lại với tên mới; giấy cũ đã bị thu hồi.", "Saved. Your certificate was reissued with the new name; the old one is revoked.")
            };
            Ok(
                account_page(&state, c, &v, FormErrors::default(), Some(notice))
                    .await?
                    .into_response(),
            )
        }
        Err(e) => account_again(&state, c, &v, e).await,
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: String,
}

pub async fn confirm_own_contact(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<CodeForm>,
) -> PageResult<Response> {
    match super::contact::confirm_contact(&state, &v, v.person_id, &f.code).await {
        Ok(_) => Ok(account_page(
            &state,
            c,
            &v,
            FormErrors::default(),
            Some((
                "Đã xác nhận thông tin liên lạc mới.",
                "Your new contact detail is confirmed.",
            )),
        )
        .await?
        .into_response()),
        Err(e) => account_again(&state, c, &v, e).await,
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::POST, "/account/profile", SignedIn, "Correct my name, birth year, gender, phone or email", correct_own),
        r(M::POST, "/account/contact/confirm", SignedIn, "Confirm my new phone or email with the code", confirm_own_contact),
        r(M::POST, "/people/{id}/correct", Officer, "Correct a person", correct_person),
        r(M::POST, "/people/{id}/move", Officer, "Move a person to another unit", move_person),
        r(M::GET, "/people/{id}/merge", Officer, "Two records of a person side by side", merge_view),
        r(M::POST, "/people/{id}/merge", Officer, "Merge two records of a person", merge_people),
    ]
}
