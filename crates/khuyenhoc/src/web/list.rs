//! Lists that scale: the one shape of a paged list, for the API and its page. A list is read by
//! key (keyset paging: "the rows after this one in this order", never an OFFSET that reads and
//! drops every row before), so page 200 costs what page 1 costs. The API takes `q`, `cursor` and
//! `per_page` and answers `items`, `total` and `next_cursor`; the cursor is opaque to clients
//! (the sort key and the id of the last row, as hex-encoded JSON).

use crate::error::AppError;
use khuyenhoc_domain::Invalid;
use serde::Serialize;

/// Rows per page when the caller does not say.
pub const PER_PAGE: i64 = 50;
/// The most rows one page may ask for.
pub const MAX_PER_PAGE: i64 = 200;

/// One page of a list.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}List")]
pub struct ListPage<T> {
    pub items: Vec<T>,
    /// How many rows match the filter, on every page.
    pub total: i64,
    /// Where the next page starts; none on the last page.
    pub next_cursor: Option<String>,
}

/// The key of the last row of a page in the list's order: its sort value and its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub key: serde_json::Value,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        hex::encode(serde_json::json!([self.key, self.id]).to_string())
    }

    /// A cursor as a client sent it back; a cursor that is not one of ours is a 400 on `cursor`.
    pub fn decode(s: &str) -> Result<Option<Cursor>, AppError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let bad = || {
            AppError::field(
                "cursor",
                Invalid::new(
                    "Con trỏ trang không hợp lệ; hãy mở lại trang đầu",
                    "Not a valid page cursor; open the first page again",
                ),
            )
        };
        if s.len() > 1024 {
            return Err(bad());
        }
        let bytes = hex::decode(s).map_err(|_| bad())?;
        let (key, id): (serde_json::Value, i64) =
            serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if !(key.is_i64() || key.is_string()) {
            return Err(bad());
        }
        Ok(Some(Cursor { key, id }))
    }

    pub fn int(&self) -> Result<i64, AppError> {
        self.key.as_i64().ok_or_else(Self::mismatch)
    }

    pub fn text(&self) -> Result<&str, AppError> {
        self.key.as_str().ok_or_else(Self::mismatch)
    }

    fn mismatch() -> AppError {
        AppError::field(
            "cursor",
            Invalid::new(
                "Con trỏ trang thuộc một cách sắp xếp khác; hãy mở lại trang đầu",
                "The cursor belongs to another sort order; open the first page again",
            ),
        )
    }
}

/// Rows per page from what the client asked: 1 to [`MAX_PER_PAGE`], [`PER_PAGE`] by default.
pub fn per_page(asked: Option<i64>) -> Result<i64, AppError> {
    match asked {
        None => Ok(PER_PAGE),
        Some(n) if (1..=MAX_PER_PAGE).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field(
            "per_page",
            Invalid::new("Mỗi trang từ 1 đến 200 dòng", "From 1 to 200 rows per page"),
        )),
    }
}

/// One page from the rows a query read in the list's order, asking for `per_page + 1`: the extra
/// row, when there is one, only says that a next page exists (its cursor is the key of the last
/// row kept, from `key`).
pub fn page_of<T>(
    mut rows: Vec<T>,
    per_page: i64,
    total: i64,
    key: impl Fn(&T) -> Cursor,
) -> ListPage<T> {
    let keep = usize::try_from(per_page).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > keep {
        rows.truncate(keep);
        rows.last().map(|r| key(r).encode())
    } else {
        None
    };
    ListPage {
        items: rows,
        total,
        next_cursor,
    }
}

/// The rows a keyset query read with `LIMIT limit + 1`, each turned into an item and its key by
/// `read`: at most `limit` kept, and the cursor after the last one kept when the extra row says
/// that more follow (for a page, or for an export read batch by batch).
pub fn keep<R, T, E>(
    rows: &[R],
    limit: i64,
    mut read: impl FnMut(&R) -> Result<(T, Cursor), E>,
) -> Result<(Vec<T>, Option<Cursor>), E> {
    let keep = usize::try_from(limit).unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len().min(keep));
    let mut next = None;
    for r in rows.iter().take(keep) {
        let (item, cursor) = read(r)?;
        next = Some(cursor);
        out.push(item);
    }
    Ok((out, if rows.len() > keep { next } else { None }))
}

/// The OpenAPI query parameters every list route shares: `q` (described by the caller: what it
/// searches), `cursor` and `per_page`.
pub fn paging_params(q: &str) -> Vec<serde_json::Value> {
    let p = |name: &str, ty: &str, desc: &str| serde_json::json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    vec![
        p("q", "string", q),
        p("cursor", "string", "next_cursor of the previous page"),
        p("per_page", "integer", "1 to 200, default 50"),
    ]
}

/// The order of a list of people or of what people sent (people, members, registrations):
/// by name (the folded name, A to Z), newest or oldest first (the time the row was made). The
/// id breaks ties, so the order is total and a cursor (the sort key and the id) resumes it
/// exactly: no row twice, none missed, however many share a name or a second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Name,
    Newest,
    Oldest,
}

/// The orders a page offers: (code, Vietnamese, English).
pub const ORDERS: [(&str, &str, &str); 3] = [
    ("name", "Theo tên (A–Z)", "By name (A–Z)"),
    ("newest", "Mới nhất trước", "Newest first"),
    ("oldest", "Cũ nhất trước", "Oldest first"),
];

impl Order {
    /// The order a client asked for with `sort=`: `name`, `newest` or `oldest`; empty is the
    /// list's `default`; anything else is refused on `sort` (422).
    pub fn parse(s: &str, default: Order) -> Result<Order, AppError> {
        Ok(match s.trim() {
            "" => default,
            "name" => Order::Name,
            "newest" => Order::Newest,
            "oldest" => Order::Oldest,
            _ => {
                return Err(AppError::field(
                    "sort",
                    Invalid::new(
                        "Sắp xếp theo: name (tên), newest (mới nhất) hoặc oldest (cũ nhất)",
                        "Sort by name, newest or oldest",
                    ),
                ))
            }
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Order::Name => "name",
            Order::Newest => "newest",
            Order::Oldest => "oldest",
        }
    }

    /// The `ORDER BY` of the list, over its folded-name column `name`, its creation-time
    /// column `time` (Unix seconds) and its id column `id`.
    pub fn order_by(self, name: &str, time: &str, id: &str) -> String {
        match self {
            Order::Name => format!("{name}, {id}"),
            Order::Newest => format!("{time} DESC, {id} DESC"),
            Order::Oldest => format!("{time}, {id}"),
        }
    }

    /// The keyset condition of the rows after `cursor` in this order; a name is bound as the
    /// next text argument of `args`, a time (a number) written in the clause. A cursor of
    /// another order's kind of key is refused on `cursor` (422).
    pub fn after(
        self,
        cursor: &Cursor,
        name: &str,
        time: &str,
        id: &str,
        args: &mut Vec<String>,
    ) -> Result<String, AppError> {
        let i = cursor.id;
        Ok(match self {
            Order::Name => {
                args.push(cursor.text()?.to_owned());
                let k = format!("${}", args.len());
                format!("({name} > {k} OR ({name} = {k} AND {id} > {i}))")
            }
            Order::Newest => {
                let k = cursor.int()?;
                format!("({time} < {k} OR ({time} = {k} AND {id} < {i}))")
            }
            Order::Oldest => {
                let k = cursor.int()?;
                format!("({time} > {k} OR ({time} = {k} AND {id} > {i}))")
            }
        })
    }

    /// The cursor of a row with this folded name, creation time and id.
    pub fn key(self, name: &str, time: i64, id: i64) -> Cursor {
        let key = match self {
            Order::Name => serde_json::json!(name),
            Order::Newest | Order::Oldest => serde_json::json!(time),
        };
        Cursor { key, id }
    }

    /// The OpenAPI query parameter `sort`.
    pub fn param(default: Order) -> serde_json::Value {
        serde_json::json!({"name": "sort", "in": "query", "required": false,
            "schema": {"type": "string", "enum": ["name", "newest", "oldest"]},
            "description": format!("name (A to Z, without diacritics), newest or oldest first (when the row was made); default {}", default.code())})
    }
}

/// What a search box holds, ready for SQL: a name folded like the stored `*_folded` columns
/// (no diacritics, lower case, "đ" as "d"), or the digits of a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    Name(String),
    Phone(String),
}

impl Search {
    /// `None` for an empty box. Three digits or more and nothing but digits, spaces, dots and
    /// `+` is a phone number; anything else a name. At most 100 characters are read; control
    /// characters are dropped (no name holds one, and PostgreSQL refuses a NUL in text).
    pub fn parse(q: &str) -> Option<Search> {
        let q: String = q
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        let q = q.trim();
        if q.is_empty() {
            return None;
        }
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 3
            && q.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '+' | '-'))
        {
            // +84 912… is stored 0912…
            let digits = match digits.strip_prefix("84") {
                Some(rest) if q.starts_with('+') => format!("0{rest}"),
                _ => digits,
            };
            return Some(Search::Phone(digits));
        }
        let folded = khuyenhoc_domain::text::fold(q);
        let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
        (!folded.is_empty()).then_some(Search::Name(folded))
    }

    /// The `LIKE` pattern for the value (`%…%`, the wildcards in it escaped with `\`).
    pub fn pattern(&self) -> String {
        let v = match self {
            Search::Name(s) | Search::Phone(s) => s,
        };
        let escaped = v
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_drops_control_characters() {
        assert_eq!(
            Search::parse("ng\u{0}uyen\u{1d} van"),
            Some(Search::Name("nguyen van".into()))
        );
        assert_eq!(Search::parse("\u{0}\u{7}"), None);
    }

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let c = Cursor {
            key: serde_json::json!("nguyen van an"),
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()).ok().flatten(), Some(c));
        assert!(Cursor::decode("zz").is_err());
        assert!(Cursor::decode(&hex::encode("[1.5, 2]")).is_err());
        assert_eq!(Cursor::decode("").ok().flatten(), None);
    }

    #[test]
    fn a_page_keeps_per_page_rows_and_points_past_the_last() {
        let key = |n: &i64| Cursor {
            key: serde_json::json!(n),
            id: *n,
        };
        let page = page_of(vec![1, 2, 3], 2, 7, key);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.total, 7);
        let next = page.next_cursor.as_deref().map(Cursor::decode);
        assert_eq!(next.and_then(|c| c.ok().flatten()).map(|c| c.id), Some(2));
        assert_eq!(page_of(vec![1, 2], 2, 2, key).next_cursor, None);
    }

    #[test]
    fn a_search_is_a_name_without_diacritics_or_a_phone() {
        assert_eq!(
            Search::parse("  Nguyễn  Văn "),
            Some(Search::Name("nguyen van".into()))
        );
        assert_eq!(
            Search::parse("nguyen van"),
            Some(Search::Name("nguyen van".into()))
        );
        assert_eq!(Search::parse("Đỗ"), Some(Search::Name("do".into())));
        assert_eq!(
            Search::parse("0912 345"),
            Some(Search::Phone("0912345".into()))
        );
        assert_eq!(
            Search::parse("+84 912 345 678"),
            Some(Search::Phone("0912345678".into()))
        );
        assert_eq!(Search::parse("   "), None);
        assert_eq!(
            Search::parse("50%_").map(|s| s.pattern()),
            Some("%50\\%\\_%".into())
        );
    }
}
