//! A fund's whole ledger as a page (`/funds/{id}/ledger`): searched, filtered by days, year,
//! kind and account, paged by key with a "Trang sau" link, counted, and exported to Excel as
//! filtered (`/funds/{id}/ledger.xlsx`).

use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::funds::entries::{Filter, ListArgs};
use crate::funds::model::{Fund, StoredEntry};
use crate::funds::service;
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use crate::web::list::{per_page, Cursor};
use crate::web::route::Xlsx;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use khuyenhoc_ledger::Account;

#[derive(Template)]
#[template(path = "fund_ledger.html")]
pub struct LedgerPage {
    pub c: Chrome,
    pub f: Fund,
    pub args: ListArgs,
    pub rows: Vec<StoredEntry>,
    pub total: i64,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub export_href: String,
    /// (code, Vietnamese, English) of every kind an entry may have.
    pub kinds: Vec<(&'static str, &'static str, &'static str)>,
    /// (code, Vietnamese, English) of the asset accounts.
    pub accounts: Vec<(&'static str, &'static str, &'static str)>,
}

impl LedgerPage {
    pub fn kind_name(&self, code: &str) -> String {
        self.kinds
            .iter()
            .find(|k| k.0 == code)
            .map_or_else(|| code.to_owned(), |k| self.c.t(k.1, k.2).to_owned())
    }
    pub fn change_text(&self, n: &i64) -> String {
        let sign = if *n < 0 { "−" } else { "+" };
        format!("{sign}{}", khuyenhoc_ledger::Dong::new(n.abs()).grouped())
    }
}

fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut out: Vec<_> = Account::ALL
        .iter()
        .filter(|a| !a.is_asset())
        .map(|a| (a.code(), a.label_vi(), a.label_en()))
        .collect();
    out.push(("reversal", "Đảo bút toán", "Reversal"));
    out
}

/// The query string of a filter, without the cursor.
fn query_string(a: &ListArgs) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &a.q),
        ("from", &a.from),
        ("to", &a.to),
        ("year", &a.year),
        ("kind", &a.kind),
        ("account", &a.account),
    ] {
        if !v.trim().is_empty() {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

pub async fn ledger_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Html<String>> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let filter = Filter::parse(f.id, &args)?;
    let n = per_page(args.per_page)?;
    let page = filter.page(&state.db, &args.cursor, n).await?;
    let qs = query_string(&args);
    let base = format!("/funds/{}/ledger?{qs}", f.id);
    render(&LedgerPage {
        c,
        next_href: page.next_cursor.map(|cur| format!("{base}&cursor={cur}")),
        first_href: Cursor::decode(&args.cursor)
            .ok()
            .flatten()
            .map(|_| base.clone()),
        export_href: format!("/funds/{}/ledger.xlsx?{qs}", f.id),
        rows: page.items,
        total: page.total,
        kinds: kinds(),
        accounts: Account::assets()
            .map(|a| (a.code(), a.label_vi(), a.label_en()))
            .collect(),
        args,
        f,
    })
}

pub async fn ledger_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Response> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let filter = Filter::parse(f.id, &args)?;
    let bytes =
        crate::web::export::xlsx(&state.db, &filter, state.settings.export_max_rows).await?;
    let name = format!("so-quy-{}.xlsx", f.id);
    Ok(Xlsx { name, bytes }.into_response())
}
