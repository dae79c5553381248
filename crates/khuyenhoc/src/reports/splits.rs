//! The shares of split communes: the list of a province's split predecessors (an old commune
//! whose successors include communes of the province) with their successors, the share of
//! each and the rule in force (`reports::shares`), and setting them. A province officer with
//! `unit.manage` sets the shares of a split whose successors all lie in their province, the
//! central office any (rights never climb: a commune's officer sets none); the shares of one
//! predecessor add up to 100 %; every change is audited.

use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::Db;
use crate::error::AppError;
use crate::reports::shares::{fraction, weights, Link, Rule};
use khuyenhoc_domain::Level;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// One successor of a split predecessor.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "SplitPiece")]
pub struct Piece {
    pub code: String,
    pub name: String,
    /// The share in force, in permille (rounded; the parts of a figure are apportioned by the
    /// largest remainder method and add up exactly).
    pub permille: i64,
    /// The same, as people read it: "1/2", "37,5 %".
    pub part: String,
    /// The population of the piece, when known.
    pub population: Option<i64>,
}

/// A predecessor split across several successors.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Split")]
pub struct Split {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// YYYY-MM-DD
    pub effective_date: String,
    pub rule: Rule,
    pub rule_vi: String,
    pub rule_en: String,
    pub successors: Vec<Piece>,
    #[serde(skip)]
    pub(crate) paths: Vec<String>,
}

/// What `PUT /api/v1/successions/{predecessor_id}/shares` sends: the rule, and for `set` the
/// share of every successor in permille, for `population` the population of every piece.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharesInput {
    pub rule: String,
    #[serde(default)]
    pub shares: Vec<PieceInput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PieceInput {
    /// The successor's code.
    pub successor: String,
    #[serde(default)]
    pub permille: Option<i64>,
    #[serde(default)]
    pub population: Option<i64>,
}

/// The largest population a piece may be given (far above any commune).
const MAX_POPULATION: i64 = 1_000_000_000;

/// Every split predecessor (more than one successor), with its links, in code order; `pred`
/// narrows to one.
pub(crate) async fn load(db: &Db, pred: Option<i64>) -> Result<Vec<Split>, sqlx::Error> {
    let one = if pred.is_some() {
        "AND s.predecessor_id = $1"
    } else {
        "AND $1 IS NULL"
    };
    let sql = format!(
        "SELECT s.predecessor_id, p.code, p.name, s.effective_date, s.successor_id, u.code, u.name, u.path, \
         s.share_permille, s.share_rule, s.piece_population FROM unit_successions s \
         JOIN units p ON p.id = s.predecessor_id JOIN units u ON u.id = s.successor_id \
         WHERE s.predecessor_id IN (SELECT predecessor_id FROM unit_successions GROUP BY predecessor_id HAVING COUNT(*) > 1) {one} \
         ORDER BY p.code, s.predecessor_id, s.successor_id"
    );
    let rows = sqlx::query(&sql).bind(pred).fetch_all(&db.pool).await?;
    let mut out: Vec<(Split, Vec<Link>)> = vec![];
    for r in rows {
        let id: i64 = r.try_get(0)?;
        if out.last().is_none_or(|(s, _)| s.id != id) {
            out.push((
                Split {
                    id,
                    code: r.try_get(1)?,
                    name: r.try_get(2)?,
                    effective_date: r.try_get(3)?,
                    rule: Rule::Equal,
                    rule_vi: String::new(),
                    rule_en: String::new(),
                    successors: vec![],
                    paths: vec![],
                },
                vec![],
            ));
        }
        let Some((s, links)) = out.last_mut() else {
            continue;
        };
        let population: Option<i64> = r.try_get(10)?;
        links.push(Link {
            successor: r.try_get(4)?,
            permille: r.try_get(8)?,
            rule: r.try_get(9)?,
            population,
        });
        s.successors.push(Piece {
            code: r.try_get(5)?,
            name: r.try_get(6)?,
            permille: 0,
            part: String::new(),
            population,
        });
        s.paths.push(r.try_get(7)?);
    }
    Ok(out
        .into_iter()
        .map(|(mut s, links)| {
            let (rule, w) = weights(&links);
            let total: i128 = w.iter().map(|(_, w)| i128::from(*w)).sum();
            for (piece, (succ, weight)) in s.successors.iter_mut().zip(&w) {
                piece.part = fraction(rule, &w, *succ);
                piece.permille = if total == 0 {
                    0
                } else {
                    i64::try_from((i128::from(*weight) * 2000 + total) / (2 * total)).unwrap_or(0)
                };
            }
            let (vi, en) = rule.words();
            s.rule = rule;
            s.rule_vi = vi.to_owned();
            s.rule_en = en.to_owned();
            s
        })
        .collect())
}

/// The viewer's position with `unit.manage` at province level or above over `path`.
pub(crate) fn manager<'a>(v: &'a Viewer, path: &str) -> Option<&'a crate::auth::HeldPosition> {
    v.position_at_or_above(perm::UNIT_MANAGE, path, Level::Province)
}

/// The split predecessors with a successor under the unit `code` (a province or the centre),
/// for an officer who sets shares there; 404 for anyone else.
pub async fn of_unit(db: &Db, v: &Viewer, code: &str) -> Result<Vec<Split>, AppError> {
    let unit = crate::org::service::visible(db, v, code).await?;
    if manager(v, &unit.path).is_none() {
        return Err(AppError::NotFound);
    }
    Ok(load(db, None)
        .await?
        .into_iter()
        .filter(|s| s.paths.iter().any(|p| p.starts_with(&unit.path)))
        .collect())
}

fn invalid(vi: &'static str, en: &'static str) -> AppError {
    AppError::field("shares", khuyenhoc_domain::Invalid { vi, en })
}

/// One value per successor (permille, population), checked against the rule.
pub(crate) type Values = Vec<(String, Option<i64>, Option<i64>)>;

/// The rule and the value of each successor, checked: every successor named once, shares of
/// 1..=1000 permille adding up to 1000, populations not negative and not all zero.
#[allow(clippy::too_many_lines)] // one refusal per case, each with its words
pub(crate) fn checked(before: &Split, input: &SharesInput) -> Result<(Rule, Values), AppError> {
    let rule = match input.rule.as_str() {
        "set" => Rule::Set,
        "population" => Rule::Population,
        "equal" => Rule::Equal,
        _ => {
            return Err(AppError::field(
                "rule",
                khuyenhoc_domain::Invalid {
                    vi: "Chọn cách chia: theo tỉ lệ, theo dân số hoặc chia đều",
                    en: "Choose a rule: shares, population or equal parts",
                },
            ))
        }
    };
    // One value per successor, each named once.
    let mut values: Values = vec![];
    for piece in &before.successors {
        let given: Vec<&PieceInput> = input
            .shares
            .iter()
            .filter(|s| s.successor.trim() == piece.code)
            .collect();
        if given.len() > 1 {
            return Err(invalid(
                "Mỗi đơn vị kế thừa chỉ được ghi một lần",
                "Give each successor once",
            ));
        }
        let g = given.first();
        values.push((
            piece.code.clone(),
            g.and_then(|g| g.permille),
            g.and_then(|g| g.population),
        ));
    }
    if input.shares.iter().any(|s| {
        !before
            .successors
            .iter()
            .any(|p| p.code == s.successor.trim())
    }) {
        return Err(invalid(
            "Có đơn vị không phải đơn vị kế thừa của xã này",
            "A unit given is not a successor of this commune",
        ));
    }
    match rule {
        Rule::Set => {
            let mut sum: i64 = 0;
            for (_, permille, _) in &values {
                match permille {
                    Some(p) if (1..=1000).contains(p) => sum += p,
                    _ => {
                        return Err(invalid(
                            "Ghi tỉ lệ của từng đơn vị kế thừa, từ 0,1 % đến 100 %",
                            "Give every successor a share from 0.1 % to 100 %",
                        ))
                    }
                }
            }
            if sum != 1000 {
                return Err(invalid(
                    "Tổng tỉ lệ của các đơn vị kế thừa phải bằng 100 %",
                    "The shares of the successors must add up to 100 %",
                ));
            }
        }
        Rule::Population => {
            let mut any = false;
            for (_, _, pop) in &values {
                match pop {
                    Some(n) if (0..=MAX_POPULATION).contains(n) => any |= *n > 0,
                    _ => {
                        return Err(invalid(
                            "Ghi dân số của từng phần (số nguyên, không âm)",
                            "Give the population of every piece (a whole number, not negative)",
                        ))
                    }
                }
            }
            if !any {
                return Err(invalid(
                    "Dân số các phần không thể đều bằng 0",
                    "The pieces cannot all have no population",
                ));
            }
        }
        Rule::Equal | Rule::Whole => {}
    }
    Ok((rule, values))
}

/// Sets the shares of one split predecessor. The viewer must manage every successor (404
/// otherwise, as for a missing split); the rule is `set` (every successor's permille, adding up
/// to 1000), `population` (every piece's population, not all zero) or `equal`.
pub async fn set(db: &Db, v: &Viewer, pred: i64, input: &SharesInput) -> Result<Split, AppError> {
    let before = load(db, Some(pred))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let mut position = None;
    for p in &before.paths {
        position = Some(manager(v, p).ok_or(AppError::NotFound)?.position_id);
    }
    let (rule, values) = checked(&before, input)?;
    let mut tx = db.begin().await?;
    apply(
        &mut tx,
        Actor::new(v.person_id, position),
        &before,
        rule,
        &values,
        None,
    )
    .await?;
    tx.commit().await?;
    load(db, Some(pred)).await?.pop().ok_or(AppError::NotFound)
}

/// Writes the checked shares of one split and its audit entry, in the caller's transaction
/// (`import`: the SHA-256 of the workbook they came from).
pub(crate) async fn apply(
    tx: &mut crate::db::Tx<'_>,
    actor: Actor,
    before: &Split,
    rule: Rule,
    values: &Values,
    import: Option<&str>,
) -> Result<(), AppError> {
    let now = crate::db::now();
    for (code, permille, pop) in values {
        let (permille, pop) = match rule {
            Rule::Set => (*permille, None),
            Rule::Population => (None, *pop),
            _ => (None, None),
        };
        sqlx::query(
            "UPDATE unit_successions SET share_rule = $1, share_permille = $2, piece_population = $3, \
             shares_set_by = $4, shares_set_at = $5 \
             WHERE predecessor_id = $6 AND successor_id = (SELECT s.successor_id FROM unit_successions s \
             JOIN units u ON u.id = s.successor_id WHERE s.predecessor_id = $6 AND u.code = $7)",
        )
        .bind(rule.code())
        .bind(permille)
        .bind(pop)
        .bind(actor.person_id)
        .bind(now)
        .bind(before.id)
        .bind(code)
        .execute(&mut **tx)
        .await?;
    }
    let state = |s: &Split| {
        serde_json::json!({
            "rule": s.rule.code(),
            "shares": s.successors.iter().map(|p| serde_json::json!({"successor": p.code, "permille": p.permille, "population": p.population})).collect::<Vec<_>>(),
        })
    };
    let after = serde_json::json!({
        "rule": rule.code(),
        "shares": values.iter().map(|(c, p, n)| serde_json::json!({"successor": c, "permille": p, "population": n})).collect::<Vec<_>>(),
        "import": import,
    });
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(before.id),
            entity: "unit",
            entity_id: before.code.clone(),
            action: "set_shares",
            before: Some(state(before)),
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}
