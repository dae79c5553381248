//! Pages: the viewer's account (password, API tokens), a person's page, registering a person,
//! and an officer's password reset.

use super::model::{self, Lookup, Person};
use super::service::{self, NewPerson};
use super::tokens::{self, Token};
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageError, PageResult};
use crate::org::service as units;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub c: Chrome,
    pub must_change: bool,
    /// The viewer's own record, for the correction form.
    pub me: Option<Person>,
    /// `phone` or `email` while a change waits for its code.
    pub pending_contact: Option<String>,
    pub tokens: Vec<Token>,
    pub errors: FormErrors,
    pub notice: Option<(&'static str, &'static str)>,
}

pub(super) async fn account_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    errors: FormErrors,
    notice: Option<(&'static str, &'static str)>,
) -> PageResult<Html<String>> {
    let tokens = tokens::list(&state.db, v.person_id).await?;
    let me = model::by_id(&state.db, v.person_id).await?;
    let pending_contact: Option<String> = sqlx::query_scalar(
        "SELECT field FROM contact_changes WHERE person_id = $1 AND done_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(v.person_id)
    .bind(crate::db::now())
    .fetch_optional(&state.db.pool)
    .await?;
    render(&AccountPage {
        c,
        must_change: v.must_change_password,
        me,
        pending_contact,
        tokens,
        errors,
        notice,
    })
}

pub async fn account(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    account_page(&state, c, &v, FormErrors::default(), None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub new: String,
    #[serde(default)]
    pub confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<PasswordForm>,
) -> PageResult<Response> {
    if f.new != f.confirm {
        let e = crate::error::FieldError::new(
            "confirm",
            khuyenhoc_domain::Invalid::new(
                "Hai lần nhập mật khẩu mới không khớp",
                "The two new passwords differ",
            ),
        );
        return Ok(account_page(&state, c, &v, FormErrors(vec![e]), None)
            .await?
            .into_response());
    }
    match service::change_password(&state.db, &v, &f.current, &f.new).await {
        Ok(()) => {
            // A new session, and with it a new CSRF token, which the page shown now carries.
            let hours = state.settings.session_hours;
            let token = crate::auth::session::create(&state.db, v.person_id, hours).await?;
            let mut c = c;
            c.csrf = crate::auth::csrf::for_session(&token);
            let jar = crate::auth::begin_session(
                axum_extra::extract::CookieJar::new(),
                token,
                state.settings.secure_cookies(),
                hours,
            );
            let mut v = v;
            v.must_change_password = false;
            let page = account_page(
                &state,
                c,
                &v,
                FormErrors::default(),
                Some((
                    "Đã đổi mật khẩu. Các phiên đăng nhập khác và mọi mã truy cập API cũ đã bị thu hồi.",
                    "Password changed. Your other sessions and all your former API tokens were revoked.",
                )),
            )
            .await?;
            Ok((jar, page).into_response())
        }
        Err(AppError::Invalid(errors)) => Ok(account_page(&state, c, &v, FormErrors(errors), None)
            .await?
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "secret.html")]
pub struct SecretPage {
    pub c: Chrome,
    pub heading: (&'static str, &'static str),
    pub explain: (&'static str, &'static str),
    pub secret: String,
    pub back: String,
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<TokenForm>,
) -> PageResult<Response> {
    match tokens::create(&state.db, &v, &f.name).await {
        Ok(secret) => Ok(render(&SecretPage {
            c,
            heading: ("Mã truy cập API mới", "New API token"),
            explain: (
                "Hãy chép mã này ngay: nó chỉ hiện một lần.",
                "Copy this token now: it is shown only once.",
            ),
            secret,
            back: "/account".into(),
        })?
        .into_response()),
        Err(AppError::Invalid(errors)) => Ok(account_page(&state, c, &v, FormErrors(errors), None)
            .await?
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

pub async fn revoke_token(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    tokens::revoke(&state.db, &v, parse_id(&id)?).await?;
    Ok(Redirect::to("/account"))
}

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub c: Chrome,
    pub p: Person,
    pub can_reset: bool,
    pub can_audit: bool,
    /// The viewer may correct, move and merge this person (an officer over them).
    pub can_manage: bool,
    pub moves: Vec<super::moves::Move>,
    pub errors: FormErrors,
    /// A refusal or what was done, in both languages.
    pub notice: Option<(String, String)>,
    /// Whether the reader may open the unit's page (the breadcrumb leads there, else home).
    pub unit_link: bool,
}

pub async fn person(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    person_page(&state, c, &v, parse_id(&id)?, FormErrors::default(), None).await
}

/// The person page, with the errors or the notice of a form sent from it.
pub(super) async fn person_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: i64,
    errors: FormErrors,
    notice: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let p = model::find_visible(&state.db, v, &Lookup::Id(id))
        .await?
        .ok_or(AppError::NotFound)?;
    let held = crate::auth::held_positions(&state.db.pool, p.id).await?;
    let manage = v.position_over_person(&p.unit_path, &held).is_some() && p.id != v.person_id;
    let can_reset = manage && p.email.is_none() && p.phone.is_some();
    let can_audit = v.position_for(perm::AUDIT_READ, &p.unit_path).is_some();
    let moves = super::moves::history(&state.db, p.id).await?;
    let unit_link = v.can_read(&p.unit_path);
    render(&PersonPage {
        c,
        p,
        can_reset,
        can_audit,
        can_manage: manage,
        moves,
        errors,
        notice,
        unit_link,
    })
}

#[derive(Template)]
#[template(path = "person_new.html")]
pub struct NewPersonPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub f: NewPerson,
    pub errors: FormErrors,
}

pub async fn new_person(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let (unit, _) = units::with_right(&state.db, &v, &code, perm::PERSON_MANAGE).await?;
    render(&NewPersonPage {
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        f: NewPerson::default(),
        errors: FormErrors::default(),
    })
}

pub async fn create_person(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<NewPerson>,
) -> PageResult<Response> {
    match service::create(&state.db, &v, &code, &f).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(AppError::Invalid(errors)) => form_again(&state, c, &v, &code, f, errors).await,
        Err(AppError::Conflict(e)) => form_again(&state, c, &v, &code, f, vec![e]).await,
        Err(e) => Err(PageError(e)),
    }
}

async fn form_again(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    f: NewPerson,
    errors: Vec<crate::error::FieldError>,
) -> PageResult<Response> {
    let (unit, _) = units::with_right(&state.db, v, code, perm::PERSON_MANAGE).await?;
    let page = render(&NewPersonPage {
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        f,
        errors: FormErrors(errors),
    })?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let (person, secret) = service::reset_password(&state.db, &v, parse_id(&id)?).await?;
    render(&SecretPage {
        c,
        heading: ("Mật khẩu tạm thời", "Temporary password"),
        explain: (
            "Đưa mật khẩu này cho người dùng. Họ đăng nhập bằng số điện thoại và phải đổi mật khẩu ngay; trước khi đổi, họ không làm được việc gì khác. Mọi phiên đăng nhập và mã truy cập API của họ đã bị thu hồi.",
            "Give this password to the person. They log in with their phone number and must change it at once; until then they can do nothing else. All their sessions and API tokens were revoked.",
        ),
        secret,
        back: format!("/people/{}", person.id),
    })
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/account", SignedIn, "My account", account),
        r(M::POST, "/account/password", SignedIn, "Change my password", change_password),
        r(M::POST, "/account/tokens", SignedIn, "Create an API token", create_token),
        r(M::POST, "/account/tokens/{id}/revoke", SignedIn, "Revoke an API token", revoke_token),
        r(M::GET, "/units/{code}/people/new", Officer, "Form to register a person", new_person),
        r(M::POST, "/units/{code}/people", Officer, "Register a person", create_person),
        r(M::GET, "/people/{id}", Officer, "Person page", person),
        r(M::POST, "/people/{id}/reset-password", Officer, "Reset a password", reset_password),
    ]
}
