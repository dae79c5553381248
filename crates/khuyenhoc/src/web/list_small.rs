//! Short lists held whole (position types, clusters, criteria sets, a unit's positions, the
//! holders of one position, one person's evaluations: tens of rows, bounded by what they are)
//! answered in the shape of every list (`ListPage`): they take `q`, `cursor` and `per_page` like
//! the long ones, so a client reads every list the same way. The rows are read whole, searched
//! by their folded text, ordered by (key, id), and the page after the cursor is kept.

use super::list::{page_of, per_page, Cursor, ListPage, Search};
use crate::error::AppError;
use serde::Deserialize;

/// The paging query of a short list.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmallQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// One page of `rows`: those whose `text` (folded here) holds the search, in the order of
/// `key` (a text) then the row's id, after the cursor.
pub fn page_small<T>(
    rows: Vec<T>,
    q: Option<&str>,
    cursor: Option<&str>,
    asked: Option<i64>,
    text: impl Fn(&T) -> String,
    key: impl Fn(&T) -> (String, i64),
) -> Result<ListPage<T>, AppError> {
    let n = per_page(asked)?;
    let after = Cursor::decode(cursor.unwrap_or(""))?;
    let after = match &after {
        Some(c) => Some((c.text()?.to_owned(), c.id)),
        None => None,
    };
    let search = q.and_then(Search::parse).map(|s| match s {
        Search::Name(v) | Search::Phone(v) => v,
    });
    let mut rows: Vec<((String, i64), T)> = rows
        .into_iter()
        .filter(|r| {
            search.as_ref().is_none_or(|s| {
                let t = khuyenhoc_domain::text::fold(&text(r));
                t.contains(s.as_str()) || t.replace([' ', '.'], "").contains(s.as_str())
            })
        })
        .map(|r| (key(&r), r))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let total = rows.len() as i64;
    let keep: Vec<((String, i64), T)> = rows
        .into_iter()
        .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
        .take(usize::try_from(n + 1).unwrap_or(usize::MAX))
        .collect();
    let page = page_of(keep, n, total, |(k, _)| Cursor {
        key: serde_json::json!(k.0),
        id: k.1,
    });
    Ok(ListPage {
        items: page.items.into_iter().map(|(_, r)| r).collect(),
        total: page.total,
        next_cursor: page.next_cursor,
    })
}
