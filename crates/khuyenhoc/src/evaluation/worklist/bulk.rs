//! Work in bulk: check, return with one reason, recognise under one decision, or revoke, over
//! the rows an officer picked or over everything a filter matches. All or nothing: every row is
//! locked and checked first (scope, never one's own record, the step allowed now, the criteria
//! met, a certificate to revoke); if any cannot be acted on, the answer lists each with its
//! reason and nothing is written. Otherwise every step is written in one transaction through
//! the same functions as the single actions (`service::*_locked`, `certificates::revoke_in`),
//! with their events, notices, audit entries and counter moves.

use super::decision::{self, Decision};
use super::Filter;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, RowRefusal};
use crate::evaluation::model::{self, Evaluation};
use crate::evaluation::service::{self, Acting, CounterMove, Decision as Review};
use crate::evaluation::{certificates, lifecycle::Step, score, sets};
use crate::org::model::Unit;
use crate::state::AppState;
use khuyenhoc_domain::Invalid;

/// The most rows one bulk action takes (a filter matching more is refused: narrow it).
pub const MAX_ROWS: usize = 5_000;

/// What to do to every row.
#[derive(Debug, Clone)]
pub enum Action {
    Check,
    Return { reason: String },
    Recognise { number: String, date: String },
    Revoke { reason: String },
}

impl Action {
    fn right(&self, viewer: &Viewer, e: &Evaluation) -> &'static str {
        match self {
            Action::Check => perm::EVALUATION_CHECK,
            Action::Return { .. } => service::return_right(viewer, e),
            Action::Recognise { .. } | Action::Revoke { .. } => perm::EVALUATION_RECOGNISE,
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "EvaluationBulkDone")]
pub struct Done {
    /// How many evaluations were acted on.
    pub done: usize,
    /// The decision a recognition was made under, with its annex.
    pub decision: Option<Decision>,
}

/// The rows to act on: the ids given (each must lie under the list's unit: `run` checks), or
/// every row `filter` matches. Refused when empty or over [`MAX_ROWS`].
pub async fn select(
    state: &AppState,
    viewer: &Viewer,
    unit: &Unit,
    action: &Action,
    ids: Option<Vec<i64>>,
    filter: Option<&Filter>,
) -> Result<Vec<i64>, AppError> {
    may(viewer, unit, action)?;
    let mut ids = match (ids, filter) {
        (Some(ids), _) if !ids.is_empty() => ids,
        (_, Some(f)) => {
            let n = f.count(&state.db).await?;
            if n > MAX_ROWS as i64 {
                return Err(too_many());
            }
            let (rows, _) = f.rows(&state.db, None, n.max(1)).await?;
            rows.into_iter().map(|e| e.id).collect()
        }
        _ => vec![],
    };
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::field(
            "ids",
            Invalid::new("Hãy chọn ít nhất một hồ sơ", "Pick at least one evaluation"),
        ));
    }
    if ids.len() > MAX_ROWS {
        return Err(too_many());
    }
    Ok(ids)
}

/// Someone who holds the action's right nowhere over the unit has no such action there: 404,
/// like any route out of scope.
fn may(viewer: &Viewer, unit: &Unit, action: &Action) -> Result<(), AppError> {
    let rights: &[&str] = match action {
        Action::Check => &[perm::EVALUATION_CHECK],
        Action::Return { .. } => &[perm::EVALUATION_CHECK, perm::EVALUATION_RECOGNISE],
        Action::Recognise { .. } | Action::Revoke { .. } => &[perm::EVALUATION_RECOGNISE],
    };
    if rights
        .iter()
        .any(|r| viewer.position_for(r, &unit.path).is_some())
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn too_many() -> AppError {
    AppError::field(
        "ids",
        Invalid::new(
            "Mỗi lần xử lý tối đa 5.000 hồ sơ; hãy lọc hẹp hơn",
            "At most 5,000 evaluations at a time; narrow the filter",
        ),
    )
}

fn refusal(e: &Evaluation, err: &AppError) -> RowRefusal {
    let (vi, en) = match err {
        AppError::NotFound => (
            "Không tìm thấy hồ sơ này trong phạm vi của bạn".to_owned(),
            "Not found in your scope".to_owned(),
        ),
        other => other.messages(),
    };
    RowRefusal {
        id: e.id,
        name: e.subject_name.clone(),
        message: vi,
        message_en: en,
    }
}

/// Runs `action` over `ids` under `unit` (see the module): all written, or an
/// [`AppError::Rows`] listing every row that cannot be acted on.
pub async fn run(
    state: &AppState,
    viewer: &Viewer,
    unit: &Unit,
    ids: &[i64],
    action: &Action,
) -> Result<Done, AppError> {
    let db = &state.db;
    may(viewer, unit, action)?;
    // The reason and the decision first: one answer for the whole action.
    let reason = match action {
        Action::Return { reason } | Action::Revoke { reason } => {
            Some(service::need_reason(reason)?)
        }
        _ => None,
    };
    if let Action::Recognise { number, date } = action {
        certificates::decision(number, date, state.clock.vn_today())?;
    }
    // Scope and one's own record, row by row, before anything is locked.
    let (rows, mut refused) = scoped(state, viewer, unit, ids, action).await?;
    let key = match action {
        Action::Recognise { .. } => Some(crate::credentials::signer(state).await?),
        _ => None,
    };
    let mut tx = db.begin().await?;
    // Every row locked and checked before the first write.
    let mut locked = Vec::with_capacity(rows.len());
    for (e, a) in &rows {
        let current = service::lock(&mut tx, e.id).await?;
        if let Err(err) = allowed(state, &mut tx, &current, action).await {
            refused.push(refusal(&current, &err));
        }
        locked.push((current, *a));
    }
    if !refused.is_empty() {
        tx.rollback().await?;
        refused.sort_by_key(|r| r.id);
        return Err(AppError::Rows(refused));
    }
    let moves = write(
        state,
        &mut tx,
        &locked,
        action,
        key.as_ref(),
        reason.as_deref(),
    )
    .await?;
    for m in moves {
        m.apply(&mut tx).await?;
    }
    let decision_id = match action {
        Action::Recognise { number, .. } => {
            let position = locked
                .first()
                .and_then(|(_, a)| a.actor.position_id)
                .ok_or(AppError::NotFound)?;
            sqlx::query_scalar::<_, i64>(
                "SELECT d.id FROM decisions d JOIN positions po ON po.unit_id = d.unit_id WHERE po.id = $1 AND d.number = $2",
            )
            .bind(position)
            .bind(khuyenhoc_domain::text::clean(number))
            .fetch_optional(&mut *tx)
            .await?
        }
        _ => None,
    };
    tx.commit().await?;
    let decision = match decision_id {
        Some(id) => Some(decision::visible(db, viewer, id).await?),
        None => None,
    };
    Ok(Done {
        done: locked.len(),
        decision,
    })
}

/// Whether `action` may be taken on the locked row now: the step allowed by its status, the
/// criteria met for a recognition, a certificate in force for a revocation.
async fn allowed(
    state: &AppState,
    tx: &mut crate::db::Tx<'_>,
    e: &Evaluation,
    action: &Action,
) -> Result<(), AppError> {
    let step = match action {
        Action::Check => Some(Step::Check),
        Action::Return { .. } => Some(Step::Return),
        Action::Recognise { .. } => Some(Step::Recognise),
        Action::Revoke { .. } => None,
    };
    if let Some(step) = step {
        if e.status.after(step).is_none() {
            return Err(AppError::bad_request(
                format!("Hồ sơ đang ở bước «{}»", e.status_vi()),
                format!("The evaluation is at «{}»", e.status_en()),
            ));
        }
    }
    match action {
        Action::Recognise { .. } => {
            let set = sets::by_id(state, e.set_id).await?;
            let sc = score::score_in(tx, &set, e, &e.answers).await?;
            if !sc.passed {
                let vi: Vec<&str> = sc.reasons.iter().map(|r| r.0.as_str()).collect();
                let en: Vec<&str> = sc.reasons.iter().map(|r| r.1.as_str()).collect();
                return Err(AppError::Unprocessable {
                    vi: format!("Chưa đạt tiêu chí: {}", vi.join("; ")),
                    en: format!("Does not meet the criteria: {}", en.join("; ")),
                });
            }
            Ok(())
        }
        Action::Revoke { .. } => certificate_of(tx, e.id).await.map(|_| ()),
        _ => Ok(()),
    }
}

/// The certificate in force of an evaluation, or a refusal saying there is none.
async fn certificate_of(
    tx: &mut crate::db::Tx<'_>,
    evaluation_id: i64,
) -> Result<String, AppError> {
    let code: Option<String> = sqlx::query_scalar(
        "SELECT code FROM certificates WHERE evaluation_id = $1 AND revoked_at IS NULL",
    )
    .bind(evaluation_id)
    .fetch_optional(&mut **tx)
    .await?;
    code.ok_or_else(|| {
        AppError::bad_request(
            "Hồ sơ này không có giấy chứng nhận còn hiệu lực để thu hồi",
            "This evaluation has no certificate in force to revoke",
        )
    })
}

/// Each row found under the unit and the position through which the viewer acts on it (never
/// their own record), and the refusals of the others.
async fn scoped(
    state: &AppState,
    viewer: &Viewer,
    unit: &Unit,
    ids: &[i64],
    action: &Action,
) -> Result<(Vec<(Evaluation, Acting)>, Vec<RowRefusal>), AppError> {
    let db = &state.db;
    let mut refused = vec![];
    let mut rows: Vec<(Evaluation, Acting)> = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some(e) = model::by_id(db, id)
            .await?
            .filter(|e| e.unit_path.starts_with(&unit.path))
        else {
            refused.push(RowRefusal {
                id,
                name: String::new(),
                message: "Không tìm thấy hồ sơ này trong danh sách".into(),
                message_en: "Not found in this list".into(),
            });
            continue;
        };
        match service::officer(db, viewer, &e, action.right(viewer, &e)).await {
            Ok(a) => rows.push((e, a)),
            Err(err) => refused.push(refusal(&e, &err)),
        }
    }
    Ok((rows, refused))
}

/// Every step written through the single actions' functions; the counter moves to apply.
async fn write(
    state: &AppState,
    tx: &mut crate::db::Tx<'_>,
    locked: &[(Evaluation, Acting)],
    action: &Action,
    key: Option<&crate::credentials::Signer>,
    reason: Option<&str>,
) -> Result<Vec<CounterMove>, AppError> {
    let mut moves: Vec<CounterMove> = Vec::with_capacity(locked.len());
    for (current, a) in locked {
        let moved = match action {
            Action::Check => service::check_locked(tx, *a, current, None).await?,
            Action::Return { .. } => {
                let reason = reason.unwrap_or_default();
                service::return_locked(tx, *a, current, reason).await?
            }
            Action::Recognise { number, date } => {
                let set = sets::by_id(state, current.set_id).await?;
                let decision = Review::Recognise {
                    decision_no: number.clone(),
                    decision_date: date.clone(),
                };
                service::review_locked(
                    tx,
                    state,
                    key,
                    *a,
                    current,
                    &set,
                    &current.answers,
                    &decision,
                )
                .await?
            }
            Action::Revoke { .. } => {
                let code = certificate_of(tx, current.id).await?;
                let reason = reason.unwrap_or_default();
                certificates::revoke_in(tx, a.actor, &code, current.id, reason).await?;
                continue;
            }
        };
        moves.push(moved);
    }
    Ok(moves)
}
