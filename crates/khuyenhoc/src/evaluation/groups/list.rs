//! A unit's groups as a list that scales (issue 16): keyset paging by id, a filter by kind, and
//! a search by the group's name or its head's name (both without diacritics: the folded
//! `learning_groups.name_folded` of migration 0021, filled for older rows by [`backfill`]) or
//! the head's phone; exported to Excel as filtered. The rows are the ones the unit's groups
//! page shows (`g.unit_id` = the unit: groups belong to one unit, not its subtree).

use super::{from_row, Group, SELECT};
use crate::db::Db;
use crate::error::AppError;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::export::{Cell, Export, Sheet};
use crate::web::list::{Cursor, ListPage, Search};
use khuyenhoc_domain::Invalid;

/// What a list asks: a kind (`family`, `clan`, `organisation`), a search, a cursor.
#[derive(Debug, Default, Clone)]
pub struct GroupFilter {
    pub kind: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

/// A group's name folded as the search box folds it.
pub fn folded(name: &str) -> String {
    crate::funds::list::folded(name)
}

/// Fills the folded names of groups made before the column existed (or written without it),
/// 2,000 rows per transaction; run at start-up, a no-op once done. Returns how many it filled.
pub async fn backfill(db: &Db) -> Result<u64, sqlx::Error> {
    let mut filled = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM learning_groups WHERE name_folded IS NULL ORDER BY id LIMIT 2000",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut tx = db.begin().await?;
        for (id, name) in &rows {
            sqlx::query("UPDATE learning_groups SET name_folded = $1 WHERE id = $2")
                .bind(folded(name))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        filled += rows.len() as u64;
    }
}

/// A checked filter: the unit, a kind, a search.
pub struct Checked {
    unit_id: i64,
    kind: Option<&'static str>,
    search: Option<Search>,
}

const FROM: &str = "learning_groups g JOIN units u ON u.id = g.unit_id LEFT JOIN people h ON h.id = g.head_person_id";

impl GroupFilter {
    /// The filter of the unit's groups; a kind other than family, clan or organisation is
    /// refused on `kind` (422).
    pub fn check(&self, unit: &Unit) -> Result<Checked, AppError> {
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            None => None,
            Some("family") => Some("family"),
            Some("clan") => Some("clan"),
            Some("organisation") => Some("organisation"),
            Some(_) => {
                return Err(AppError::field(
                    "kind",
                    Invalid::new(
                        "Chọn gia đình, dòng họ hoặc cơ quan",
                        "Choose family, clan or organisation",
                    ),
                ))
            }
        };
        Ok(Checked {
            unit_id: unit.id,
            kind,
            search: self.q.as_deref().and_then(Search::parse),
        })
    }
}

impl Checked {
    /// The WHERE clause (only fixed SQL and checked values; the search is bound as `$2`).
    fn clause(&self) -> String {
        let mut w = format!("g.unit_id = {}", self.unit_id);
        if let Some(kind) = self.kind {
            w.push_str(&format!(" AND g.kind = '{kind}'"));
        }
        match &self.search {
            Some(Search::Name(_)) => w.push_str(
                " AND (g.name_folded LIKE $1 ESCAPE '\\' OR h.name_folded LIKE $1 ESCAPE '\\')",
            ),
            Some(Search::Phone(_)) => w.push_str(" AND h.phone LIKE $1 ESCAPE '\\'"),
            None => {}
        }
        w
    }

    /// How many groups match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) FROM {FROM} WHERE {}", self.clause());
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        if let Some(s) = &self.search {
            q = q.bind(s.pattern());
        }
        q.fetch_one(&db.pool).await
    }

    /// Up to `limit` groups after `cursor`, oldest first (by id), and the cursor after the last
    /// one when more may follow.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Group>, Option<Cursor>), AppError> {
        let mut w = self.clause();
        if let Some(c) = cursor {
            w += &format!(" AND g.id > {}", c.int()?);
        }
        let select = SELECT.replace(
            "FROM learning_groups g JOIN units u ON u.id = g.unit_id",
            &format!(", h.full_name FROM {FROM}"),
        );
        let sql = format!("{select} WHERE {w} ORDER BY g.id LIMIT {}", limit + 1);
        let mut q = sqlx::query(&sql);
        if let Some(s) = &self.search {
            q = q.bind(s.pattern());
        }
        let rows = q.fetch_all(&db.pool).await?;
        crate::web::list::keep(&rows, limit, |r| {
            use sqlx::Row;
            let mut g = from_row(r)?;
            g.head_name = r.try_get(8)?;
            let key = Cursor {
                key: serde_json::json!(g.id),
                id: g.id,
            };
            Ok::<_, sqlx::Error>((g, key))
        })
        .map_err(AppError::from)
    }
}

/// One page of the unit's groups, oldest first, with the total of the filter.
pub async fn page(
    state: &AppState,
    unit: &Unit,
    f: &GroupFilter,
    per_page: i64,
) -> Result<ListPage<Group>, AppError> {
    let checked = f.check(unit)?;
    let cursor = Cursor::decode(f.cursor.as_deref().unwrap_or(""))?;
    let (items, next) = checked.rows(&state.db, cursor.as_ref(), per_page).await?;
    Ok(ListPage {
        items,
        total: checked.count(&state.db).await?,
        next_cursor: next.map(|c| c.encode()),
    })
}

impl Export for Checked {
    type Row = Group;

    fn sheet(&self) -> Sheet {
        Sheet {
            name: "Nhóm",
            columns: &[
                ("Tên", 40.0),
                ("Loại", 18.0),
                ("Chủ hộ / người đứng đầu", 30.0),
                ("Đơn vị", 34.0),
                ("Mã nhóm", 10.0),
            ],
            what_vi: "nhóm",
            what_en: "groups",
        }
    }

    crate::web::export::by_key!(Group);

    fn cells(&self, g: &Group) -> Vec<Cell> {
        vec![
            (&g.name).into(),
            g.kind_vi().into(),
            g.head_name.as_deref().into(),
            (&g.unit_name).into(),
            g.id.into(),
        ]
    }
}
