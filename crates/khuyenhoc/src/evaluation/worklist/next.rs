//! The way through a worklist one evaluation at a time (issue 16, item 7): an evaluation opened
//! from a list carries the list's address (`from`); after a check, a return or a review the
//! officer lands on the next evaluation of that list (its filter, its order) still waiting for
//! them, or back on the list with a message when none is left.

use super::{Filter, ListArgs};
use crate::auth::{perm, Viewer};
use crate::error::AppError;
use crate::evaluation::lifecycle::Status;
use crate::state::AppState;
use serde::Deserialize;

/// The worklist an evaluation was opened from, and what was just done.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NavQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub done: String,
}

/// A worklist an evaluation was opened from: a unit's list and its filter.
#[derive(Debug, Clone)]
pub struct From {
    pub code: String,
    pub args: ListArgs,
}

impl From {
    /// Reads `from` (`/units/{code}/evaluations?{filter}`); anything else is no list (never
    /// followed as an address: the list's address is written again from what was read).
    pub fn parse(from: &str) -> Option<From> {
        let (path, query) = from.split_once('?').unwrap_or((from, ""));
        let code = path.strip_prefix("/units/")?.strip_suffix("/evaluations")?;
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        let mut args = ListArgs::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "branch" => args.branch = v,
                "year" => args.year = v,
                "model" => args.model = v,
                "form_group" => args.form_group = v,
                "status" => args.status = v,
                "q" => args.q = v,
                "sort" => args.sort = v,
                _ => {}
            }
        }
        Some(From {
            code: code.to_owned(),
            args,
        })
    }

    /// The list's address, without a cursor (its first page).
    pub fn href(&self) -> String {
        let qs = super::query_string(&self.args, self.year());
        format!("/units/{}/evaluations?{qs}", self.code)
    }

    fn year(&self) -> i64 {
        self.args
            .year
            .trim()
            .parse()
            .unwrap_or_else(|_| crate::db::this_year())
    }

    /// `from=…` to append to an evaluation's address.
    pub fn param(&self) -> String {
        let href = self.href();
        let enc: String = url::form_urlencoded::byte_serialize(href.as_bytes()).collect();
        format!("from={enc}")
    }
}

/// The first evaluation of the list, in its order, that waits for `viewer` (submitted for a
/// branch officer; submitted or checked for one who recognises), other than `done`.
pub async fn next_waiting(
    state: &AppState,
    viewer: &Viewer,
    from: &From,
    done: i64,
) -> Result<Option<i64>, AppError> {
    let unit = crate::org::service::visible(&state.db, viewer, &from.code).await?;
    let mut args = from.args.clone();
    if args.year.trim().is_empty() {
        args.year = from.year().to_string();
    }
    let mut filter = match Filter::parse(&state.db, viewer, &unit, &args).await {
        Ok(f) => f,
        Err(AppError::Invalid(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut waiting = vec![];
    if viewer
        .position_for(perm::EVALUATION_RECOGNISE, &unit.path)
        .is_some()
    {
        waiting = vec![Status::Submitted, Status::Checked];
    } else if viewer
        .position_for(perm::EVALUATION_CHECK, &unit.path)
        .is_some()
    {
        waiting = vec![Status::Submitted];
    }
    if let Some(s) = filter.status {
        waiting.retain(|w| *w == s);
    }
    if waiting.is_empty() {
        return Ok(None);
    }
    filter.any_of = waiting;
    filter.except = Some(done);
    let (rows, _) = filter.rows(&state.db, None, 1).await?;
    Ok(rows.first().map(|e| e.id))
}

/// Where to go after acting on evaluation `done` (`action` names what was done, for the
/// message): the next waiting evaluation of the list, or the list; without a list, the
/// evaluation itself.
pub async fn after_action(
    state: &AppState,
    viewer: &Viewer,
    from: &str,
    done: i64,
    action: &str,
) -> Result<String, AppError> {
    let Some(list) = From::parse(from) else {
        return Ok(format!("/evaluations/{done}"));
    };
    Ok(match next_waiting(state, viewer, &list, done).await? {
        Some(id) => format!("/evaluations/{id}?{}&done={action}", list.param()),
        None => format!("{}&done={action}", list.href()),
    })
}

/// What an officer just did, as the next page says it.
pub fn done_message(action: &str, next: bool) -> Option<(String, String)> {
    let (vi, en) = match action {
        "check" => ("Đã xác nhận kiểm tra.", "Checked."),
        "return" => ("Đã trả lại hồ sơ.", "Returned."),
        "recognise" => ("Đã công nhận.", "Recognised."),
        "not_recognise" => ("Đã ghi quyết định không công nhận.", "Not recognised."),
        _ => return None,
    };
    Some(if next {
        (
            format!("{vi} Đây là hồ sơ chờ tiếp theo trong danh sách."),
            format!("{en} This is the next one waiting in the list."),
        )
    } else {
        (
            format!("{vi} Không còn hồ sơ nào chờ xử lý trong danh sách này."),
            format!("{en} Nothing else is waiting in this list."),
        )
    })
}
