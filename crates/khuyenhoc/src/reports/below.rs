//! The units below a unit with their report state for a period, as a list that scales (issue
//! 16, item 1): one row per child unit in force today (code, name, state, when handed in),
//! paged by key in name order, searched by name without diacritics, filtered by state
//! (submitted, accepted, returned, or missing: not handed in). The roll-up (`service::rollup`)
//! reads every child's figures; this list reads only the report rows, so a province with a
//! hundred communes answers a page of them.

use crate::db::{today, Db};
use crate::error::AppError;
use crate::reports::figures::UnitRef;
use crate::web::list::{Cursor, ListPage, Search};
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};

/// One unit below, with its report state for the period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ReportBelowRow")]
pub struct BelowRow {
    /// The unit's id (the key of the list).
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The folded name: the list's sort key.
    #[serde(skip)]
    pub key: String,
    /// submitted, accepted, returned, or missing (not started or still a draft).
    pub state: &'static str,
    /// When it was handed in (Unix seconds).
    pub submitted_at: Option<i64>,
    pub report_id: Option<i64>,
}

impl BelowRow {
    pub fn state_vi(&self) -> &'static str {
        state_labels(self.state).0
    }
    pub fn state_en(&self) -> &'static str {
        state_labels(self.state).1
    }
}

/// The states a row may have: (code, Vietnamese, English).
pub const STATES: &[(&str, &str, &str)] = &[
    ("missing", "Chưa nộp", "Not handed in"),
    ("submitted", "Đã nộp, chờ duyệt", "Submitted"),
    ("returned", "Bị trả lại", "Returned"),
    ("accepted", "Đã duyệt", "Accepted"),
];

fn state_labels(code: &str) -> (&'static str, &'static str) {
    STATES
        .iter()
        .find(|s| s.0 == code)
        .map_or(("", ""), |s| (s.1, s.2))
}

/// The filter as a page's form or the API's query string sends it.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
pub struct ListArgs {
    /// A unit's name, with or without diacritics.
    #[serde(default)]
    pub q: String,
    /// missing, submitted, returned or accepted.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// A checked filter over the children of one unit for one period.
#[derive(Debug, Clone)]
pub struct Filter {
    pub parent_id: i64,
    pub period: String,
    pub state: Option<&'static str>,
    pub search: Option<String>,
}

impl Filter {
    pub fn parse(unit: &UnitRef, period: &str, args: &ListArgs) -> Result<Filter, AppError> {
        let state = match args.state.trim() {
            "" => None,
            s => Some(
                STATES
                    .iter()
                    .find(|x| x.0 == s)
                    .map(|x| x.0)
                    .ok_or_else(|| {
                        AppError::field(
                            "state",
                            Invalid::new(
                                "Trạng thái là missing, submitted, returned hoặc accepted",
                                "state is missing, submitted, returned or accepted",
                            ),
                        )
                    })?,
            ),
        };
        // Unit names are words: digits are searched as they are written.
        let search = Search::parse(&args.q).map(|s| match s {
            Search::Name(n) | Search::Phone(n) => Search::Name(n).pattern(),
        });
        Ok(Filter {
            parent_id: unit.id,
            period: period.to_owned(),
            state,
            search,
        })
    }

    fn clause(&self) -> (String, Vec<String>) {
        let day = today();
        let mut args = vec![self.period.clone(), day];
        let mut w = vec![format!(
            "u.parent_id = {} AND u.valid_from <= $2 AND (u.valid_to IS NULL OR u.valid_to > $2)",
            self.parent_id
        )];
        match self.state {
            Some("missing") => w.push("(r.id IS NULL OR r.status = 'draft')".to_owned()),
            Some(s) => {
                args.push(s.to_owned());
                w.push(format!("r.status = ${}", args.len()));
            }
            None => {}
        }
        if let Some(p) = &self.search {
            args.push(p.clone());
            w.push(format!("u.name_folded LIKE ${} ESCAPE '\\'", args.len()));
        }
        (w.join(" AND "), args)
    }

    const FROM: &'static str = "units u LEFT JOIN reports r ON r.unit_id = u.id AND r.period = $1";

    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {w}", Self::FROM);
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// Up to `limit` rows after `cursor` in name order (folded name, then id), and the cursor
    /// after the last one when more may follow.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<BelowRow>, Option<Cursor>), AppError> {
        use sqlx::Row;
        let (mut w, mut args) = self.clause();
        if let Some(c) = cursor {
            args.push(c.text()?.to_owned());
            let k = format!("${}", args.len());
            w += &format!(
                " AND (u.name_folded > {k} OR (u.name_folded = {k} AND u.id > {}))",
                c.id
            );
        }
        let sql = format!(
            "SELECT u.id, u.code, u.name, u.name_folded, r.id, r.status, r.submitted_at FROM {} WHERE {w} \
             ORDER BY u.name_folded, u.id LIMIT {}",
            Self::FROM,
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        crate::web::list::keep(&rows, limit, |r| {
            let status: Option<String> = r.try_get(5)?;
            let state = match status.as_deref() {
                Some("submitted") => "submitted",
                Some("returned") => "returned",
                Some("accepted") => "accepted",
                _ => "missing",
            };
            let row = BelowRow {
                id: r.try_get(0)?,
                code: r.try_get(1)?,
                name: r.try_get(2)?,
                key: r.try_get(3)?,
                state,
                submitted_at: r.try_get(6)?,
                report_id: r.try_get(4)?,
            };
            let key = Cursor {
                key: serde_json::json!(row.key),
                id: row.id,
            };
            Ok::<_, sqlx::Error>((row, key))
        })
        .map_err(AppError::from)
    }

    pub async fn page(
        &self,
        db: &Db,
        cursor: &str,
        per_page: i64,
    ) -> Result<ListPage<BelowRow>, AppError> {
        let cursor = Cursor::decode(cursor)?;
        let (items, next) = self.rows(db, cursor.as_ref(), per_page).await?;
        Ok(ListPage {
            items,
            total: self.count(db).await?,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}

impl crate::web::export::Export for Filter {
    type Row = BelowRow;

    fn sheet(&self) -> crate::web::export::Sheet {
        crate::web::export::Sheet {
            name: "Đơn vị cấp dưới",
            columns: &[
                ("Mã đơn vị", 12.0),
                ("Tên đơn vị", 40.0),
                ("Tình trạng báo cáo", 22.0),
                ("Ngày nộp", 12.0),
            ],
            what_vi: "đơn vị",
            what_en: "units",
        }
    }

    crate::web::export::by_key!(BelowRow);

    fn cells(&self, r: &BelowRow) -> Vec<crate::web::export::Cell> {
        vec![
            (&r.code).into(),
            (&r.name).into(),
            r.state_vi().into(),
            crate::i18n::date_of(&r.submitted_at).into(),
        ]
    }
}
