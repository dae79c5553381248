//! A unit's groups as a list that scales (issue 16): keyset paging by id, a filter by kind, and
//! a search of the head by name (without diacritics) or phone. The rows are the ones the unit's
//! groups page shows (`g.unit_id` = the unit: groups belong to one unit, not its subtree).

use super::{from_row, Group, SELECT};
use crate::error::AppError;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::list::{page_of, Cursor, ListPage, Search};
use khuyenhoc_domain::Invalid;

/// What a list asks: a kind (`family`, `clan`, `organisation`), a search, a cursor.
#[derive(Debug, Default, Clone)]
pub struct GroupFilter {
    pub kind: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

/// One page of the unit's groups, oldest first, with the total of the filter.
pub async fn page(
    state: &AppState,
    unit: &Unit,
    f: &GroupFilter,
    per_page: i64,
) -> Result<ListPage<Group>, AppError> {
    // Only fixed SQL and validated values are written into the query; the search is bound.
    let mut w = String::from("g.unit_id = $1");
    if let Some(kind) = f.kind.as_deref().filter(|k| !k.is_empty()) {
        if !matches!(kind, "family" | "clan" | "organisation") {
            return Err(AppError::field(
                "kind",
                Invalid::new(
                    "Chọn gia đình, dòng họ hoặc cơ quan",
                    "Choose family, clan or organisation",
                ),
            ));
        }
        w.push_str(&format!(" AND g.kind = '{kind}'"));
    }
    let search = f.q.as_deref().and_then(Search::parse);
    match &search {
        Some(Search::Name(_)) => w.push_str(" AND h.name_folded LIKE $2 ESCAPE '\\'"),
        Some(Search::Phone(_)) => w.push_str(" AND h.phone LIKE $2 ESCAPE '\\'"),
        None => {}
    }
    let after = match f.cursor.as_deref().map(Cursor::decode).transpose()? {
        Some(Some(c)) => Some(c.int()?),
        _ => None,
    };
    let from = "learning_groups g JOIN units u ON u.id = g.unit_id LEFT JOIN people h ON h.id = g.head_person_id";
    let count_sql = format!("SELECT COUNT(*) FROM {from} WHERE {w}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(unit.id);
    if let Some(s) = &search {
        count = count.bind(s.pattern());
    }
    let total = count.fetch_one(&state.db.pool).await?;
    let page_w = match after {
        Some(id) => format!("{w} AND g.id > {id}"),
        None => w,
    };
    let select = SELECT.replace(
        "FROM learning_groups g JOIN units u ON u.id = g.unit_id",
        &format!("FROM {from}"),
    );
    let sql = format!(
        "{select} WHERE {page_w} ORDER BY g.id LIMIT {}",
        per_page + 1
    );
    let mut q = sqlx::query(&sql).bind(unit.id);
    if let Some(s) = &search {
        q = q.bind(s.pattern());
    }
    let rows = q
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(rows, per_page, total, |g: &Group| Cursor {
        key: serde_json::json!(g.id),
        id: g.id,
    }))
}
