//! Choosing receiving units the way an officer thinks: every unit of one level below me, some
//! units by code, a cluster, a whole subtree. A choice is kept as asked (JSON) on a draft and
//! resolved into units at the moment it is frozen (a document's issue, a forward), always within
//! the sender's own subtree, below the sender, among the units open today. Meetings reuse it.

use crate::db::Tx;
use crate::error::AppError;
use crate::org::path_upper_bound;
use khuyenhoc_domain::{Invalid, Level};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The most unit codes one choice may name.
pub const MAX_CODES: usize = 5_000;

/// One line of a choice of units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Choice {
    /// Every open unit of `level` in the sender's subtree (all provinces, all communes).
    Level { level: String },
    /// These units (codes), each in the sender's subtree.
    Units { codes: Vec<String> },
    /// The current members of a cluster, within the sender's subtree.
    Cluster { code: String },
    /// A unit of the sender's subtree and every unit below it.
    Subtree { code: String },
}

fn refused(vi: &'static str, en: &'static str) -> AppError {
    AppError::field("recipients", Invalid::new(vi, en))
}

/// The choice checked for its shape (not yet against the map): at least one line, known levels,
/// at most [`MAX_CODES`] codes.
pub fn check(choices: &[Choice]) -> Result<(), AppError> {
    if choices.is_empty() {
        return Err(refused(
            "Hãy chọn nơi nhận",
            "Choose where the document goes",
        ));
    }
    let mut codes = 0;
    for c in choices {
        match c {
            Choice::Level { level } => {
                Level::parse(level).map_err(|e| AppError::field("recipients", e))?;
            }
            Choice::Units { codes: list } => codes += list.len(),
            Choice::Cluster { .. } | Choice::Subtree { .. } => {}
        }
    }
    if codes > MAX_CODES {
        return Err(refused(
            "Chọn tối đa 5.000 đơn vị theo mã",
            "Choose at most 5,000 units by code",
        ));
    }
    Ok(())
}

/// A receiving unit: its id and its name folded for search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    pub unit_id: i64,
    pub name_folded: String,
}

/// The units a choice names, below the sender (`sender_path`), open today, each once, in path
/// order. A code outside the sender's subtree is refused as unknown (it says nothing of what
/// lies elsewhere).
pub async fn resolve(
    tx: &mut Tx<'_>,
    sender_path: &str,
    choices: &[Choice],
) -> Result<Vec<Receiver>, AppError> {
    check(choices)?;
    let lo = sender_path.to_owned();
    let hi = path_upper_bound(sender_path);
    let mut found: std::collections::BTreeMap<String, Receiver> = Default::default();
    for c in choices {
        let rows = units_of(tx, &lo, &hi, c).await?;
        for r in rows {
            let path: String = r.try_get(2)?;
            found.entry(path).or_insert(Receiver {
                unit_id: r.try_get(0)?,
                name_folded: r.try_get(1)?,
            });
        }
    }
    if found.is_empty() {
        return Err(refused(
            "Không có đơn vị nào nhận theo lựa chọn này",
            "No unit receives the document by this choice",
        ));
    }
    Ok(found.into_values().collect())
}

/// The open units below the sender (`lo`..`hi`, its subtree's path range) one line names.
async fn units_of(
    tx: &mut Tx<'_>,
    lo: &str,
    hi: &str,
    c: &Choice,
) -> Result<Vec<sqlx::any::AnyRow>, AppError> {
    let below = "u.path > $1 AND u.path < $2 AND u.valid_to IS NULL";
    Ok(match c {
        Choice::Level { level } => {
            sqlx::query(&format!(
                "SELECT u.id, u.name_folded, u.path FROM units u WHERE {below} AND u.level = $3"
            ))
            .bind(lo)
            .bind(hi)
            .bind(level.trim())
            .fetch_all(&mut **tx)
            .await?
        }
        Choice::Units { codes } => {
            let mut rows = Vec::with_capacity(codes.len());
            for chunk in codes.chunks(500) {
                let list = crate::db::rows::in_list(crate::db::Backend::Postgres, 3, chunk.len());
                let sql = format!(
                    "SELECT u.id, u.name_folded, u.path FROM units u WHERE {below} AND u.code IN {list}"
                );
                let mut q = sqlx::query(&sql).bind(lo).bind(hi);
                for code in chunk {
                    q = q.bind(code.trim());
                }
                let got = q.fetch_all(&mut **tx).await?;
                if got.len() < chunk.len() {
                    return Err(refused(
                        "Có mã đơn vị không thuộc phạm vi của đơn vị gửi",
                        "A unit code is not below the sending unit",
                    ));
                }
                rows.extend(got);
            }
            rows
        }
        Choice::Cluster { code } => {
            let rows = sqlx::query(&format!(
                "SELECT u.id, u.name_folded, u.path FROM units u \
                 JOIN cluster_memberships m ON m.unit_id = u.id AND m.valid_to IS NULL \
                 JOIN clusters c ON c.id = m.cluster_id WHERE {below} AND c.code = $3"
            ))
            .bind(lo)
            .bind(hi)
            .bind(code.trim())
            .fetch_all(&mut **tx)
            .await?;
            if rows.is_empty() {
                return Err(refused(
                    "Cụm không có đơn vị nào thuộc phạm vi của đơn vị gửi",
                    "The cluster has no unit below the sending unit",
                ));
            }
            rows
        }
        Choice::Subtree { code } => {
            let root: Option<String> = sqlx::query_scalar(&format!(
                "SELECT u.path FROM units u WHERE {below} AND u.code = $3"
            ))
            .bind(lo)
            .bind(hi)
            .bind(code.trim())
            .fetch_optional(&mut **tx)
            .await?;
            let root = root.ok_or_else(|| {
                refused(
                    "Mã đơn vị không thuộc phạm vi của đơn vị gửi",
                    "The unit code is not below the sending unit",
                )
            })?;
            sqlx::query(
                "SELECT u.id, u.name_folded, u.path FROM units u \
                 WHERE u.path >= $1 AND u.path < $2 AND u.valid_to IS NULL",
            )
            .bind(&root)
            .bind(path_upper_bound(&root))
            .fetch_all(&mut **tx)
            .await?
        }
    })
}

/// The choice as a short text in both languages, for pages.
pub fn describe(choices: &[Choice]) -> (String, String) {
    let mut vi = vec![];
    let mut en = vec![];
    for c in choices {
        match c {
            Choice::Level { level } => {
                let l = Level::parse(level).ok();
                vi.push(format!(
                    "Tất cả đơn vị cấp {}",
                    l.map_or(level.as_str(), |l| l.label_vi())
                ));
                en.push(format!(
                    "Every unit at level {}",
                    l.map_or(level.as_str(), |l| l.label_en())
                ));
            }
            Choice::Units { codes } => {
                vi.push(format!("{} đơn vị được chọn", codes.len()));
                en.push(format!("{} chosen units", codes.len()));
            }
            Choice::Cluster { code } => {
                vi.push(format!("Cụm thi đua {code}"));
                en.push(format!("Cluster {code}"));
            }
            Choice::Subtree { code } => {
                vi.push(format!("Toàn bộ đơn vị {code} và cấp dưới"));
                en.push(format!("Unit {code} and every unit below"));
            }
        }
    }
    (vi.join("; "), en.join("; "))
}
