//! Pages: the inbox (`/notifications`, paged, mark one or all read) and the choice of channels.

use super::model::{self, Channels, Stored};
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome};
use crate::web::list::{Cursor, ListPage, Search};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "notifications.html")]
pub struct InboxPage {
    pub c: Chrome,
    pub list: ListPage<Stored>,
    pub q: String,
    pub only_unread: bool,
    pub unread: i64,
}

impl InboxPage {
    pub fn when(&self, n: &Stored) -> String {
        crate::i18n::date_of(&Some(n.created_at))
    }
}

/// The inbox page's query: a search, unread only, the page by key.
#[derive(Deserialize, Default)]
pub struct InboxArgs {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub unread: String,
    #[serde(default)]
    pub cursor: String,
}

impl InboxPage {
    pub fn next_href(&self, cursor: &str) -> String {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("unread", if self.only_unread { "1" } else { "" })
            .append_pair("cursor", cursor)
            .finish();
        format!("/notifications?{q}")
    }
}

async fn inbox(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageQuery(q): PageQuery<InboxArgs>,
) -> PageResult<Html<String>> {
    let only_unread = !q.unread.trim().is_empty();
    let f = model::Filter {
        person_id: v.person_id,
        unread: only_unread,
        search: Search::parse(&q.q),
    };
    let cursor = Cursor::decode(&q.cursor)?;
    let list = model::list(&state.db, &f, cursor.as_ref(), model::PAGE).await?;
    let unread = model::unread(&state.db, v.person_id).await?;
    render(&InboxPage {
        c,
        list,
        q: q.q.trim().to_owned(),
        only_unread,
        unread,
    })
}

async fn read_one(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    let id = id
        .parse::<i64>()
        .map_err(|_| crate::error::AppError::NotFound)?;
    model::mark_read(&state.db, v.person_id, Some(id)).await?;
    Ok(Redirect::to("/notifications"))
}

async fn read_all(State(state): State<AppState>, v: Viewer) -> PageResult<Redirect> {
    model::mark_read(&state.db, v.person_id, None).await?;
    Ok(Redirect::to("/notifications"))
}

#[derive(Template)]
#[template(path = "notification_settings.html")]
pub struct SettingsPage {
    pub c: Chrome,
    pub ch: Channels,
    pub webhook_on: bool,
    pub saved: bool,
}

async fn settings_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    let ch = model::channels(&state.db, v.person_id).await?;
    render(&SettingsPage {
        c,
        ch,
        webhook_on: state.settings.webhook_url.is_some(),
        saved: false,
    })
}

#[derive(Deserialize)]
pub struct ChannelsForm {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub webhook: Option<String>,
}

async fn save_settings(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<ChannelsForm>,
) -> PageResult<Html<String>> {
    model::set_channels(
        &state.db,
        v.person_id,
        f.email.is_some(),
        f.webhook.is_some(),
    )
    .await?;
    let ch = model::channels(&state.db, v.person_id).await?;
    render(&SettingsPage {
        c,
        ch,
        webhook_on: state.settings.webhook_url.is_some(),
        saved: true,
    })
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/notifications", SignedIn, "My notifications", inbox),
        r(M::POST, "/notifications/{id}/read", SignedIn, "Mark a notification read", read_one),
        r(M::POST, "/notifications/read-all", SignedIn, "Mark all my notifications read", read_all),
        r(M::GET, "/notifications/settings", SignedIn, "How I receive notifications", settings_page),
        r(M::POST, "/notifications/settings", SignedIn, "Choose how I receive notifications", save_settings),
    ]
}
