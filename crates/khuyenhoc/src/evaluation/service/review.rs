//! The branch's check, returning with a reason, and the commune's review: adjusted indicators,
//! recognition (with the certificate) or not.

use super::{
    audit_step, event, joined, lock, not_now, officer, set_status, visible, write_state, Acting,
    CounterMove,
};
use crate::auth::{perm, Viewer};
use crate::db::Tx;
use crate::error::AppError;
use crate::evaluation::lifecycle::Step;
use crate::evaluation::model::{self, Answers, Evaluation};
use crate::evaluation::{score, sets};
use crate::state::AppState;
use khuyenhoc_domain::Invalid;
use std::collections::BTreeMap;

/// The branch checks a submitted evaluation.
pub async fn check(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    note: Option<&str>,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let a = officer(db, viewer, &e, perm::EVALUATION_CHECK).await?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let moved = check_locked(&mut tx, a, &e, note).await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// The check of an evaluation locked in the caller's transaction (one, or many in bulk); the
/// caller applies the returned counter move.
pub(crate) async fn check_locked(
    tx: &mut Tx<'_>,
    a: Acting,
    e: &Evaluation,
    note: Option<&str>,
) -> Result<CounterMove, AppError> {
    let next = e
        .status
        .after(Step::Check)
        .ok_or_else(|| not_now("kiểm tra"))?;
    let moved = set_status(tx, e, next).await?;
    event(tx, e.id, a, "check", note).await?;
    audit_step(
        tx,
        a,
        e,
        "check",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "note": note}),
    )
    .await?;
    Ok(moved)
}

/// The right through which the viewer returns an evaluation: the commune's when they hold it
/// over its unit, else the branch's.
pub(crate) fn return_right(viewer: &Viewer, e: &Evaluation) -> &'static str {
    if viewer
        .position_for(perm::EVALUATION_RECOGNISE, &e.unit_path)
        .is_some()
    {
        perm::EVALUATION_RECOGNISE
    } else {
        perm::EVALUATION_CHECK
    }
}

pub(crate) fn need_reason(reason: &str) -> Result<String, AppError> {
    let r = khuyenhoc_domain::text::clean(reason);
    if r.chars().count() < 3 || r.chars().count() > 2000 {
        return Err(AppError::field(
            "reason",
            Invalid::new(
                "Cần ghi rõ lý do (từ 3 đến 2000 ký tự)",
                "Give a reason (3 to 2,000 characters)",
            ),
        ));
    }
    Ok(r)
}

/// The branch or the commune returns the evaluation to its subject, with a reason.
pub async fn return_back(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let reason = need_reason(reason)?;
    let e = visible(db, viewer, id).await?;
    let a = officer(db, viewer, &e, return_right(viewer, &e)).await?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let moved = return_locked(&mut tx, a, &e, &reason).await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// Returning an evaluation locked in the caller's transaction, with a checked reason (see
/// [`need_reason`]); the caller applies the returned counter move.
pub(crate) async fn return_locked(
    tx: &mut Tx<'_>,
    a: Acting,
    e: &Evaluation,
    reason: &str,
) -> Result<CounterMove, AppError> {
    let next = e
        .status
        .after(Step::Return)
        .ok_or_else(|| not_now("trả lại"))?;
    let moved = set_status(tx, e, next).await?;
    event(tx, e.id, a, "return", Some(reason)).await?;
    let notice = crate::notify::Notice::EvaluationReturned {
        evaluation_id: e.id,
        reason: reason.to_owned(),
    };
    crate::notify::to_evaluation_subject(tx, e.id, notice).await?;
    audit_step(
        tx,
        a,
        e,
        "return",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "reason": reason}),
    )
    .await?;
    Ok(moved)
}

/// A reviewer's change to one indicator.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Adjustment {
    pub adjusted: Option<u32>,
    pub comment: Option<String>,
}

/// The commune's decision.
#[derive(Debug, Clone)]
pub enum Decision {
    Recognise {
        decision_no: String,
        decision_date: String,
    },
    NotRecognise {
        reason: String,
    },
}

/// The answers with the reviewer's adjustments: values checked against the set, each changed
/// score with its comment.
pub(super) fn adjusted(
    set: &khuyenhoc_criteria::CriteriaSet,
    e: &Evaluation,
    adjustments: &BTreeMap<String, Adjustment>,
) -> Result<Answers, AppError> {
    let values: BTreeMap<String, Option<u32>> = adjustments
        .iter()
        .map(|(k, v)| (k.clone(), v.adjusted))
        .collect();
    score::check_values(set, e.form_group.as_deref(), &values)?;
    let mut answers = e.answers.clone();
    for (code, adj) in adjustments {
        let entry = answers.entry(code.clone()).or_default();
        let comment = adj
            .comment
            .as_deref()
            .map(khuyenhoc_domain::text::clean)
            .filter(|c| !c.is_empty());
        if adj.adjusted.is_some() && adj.adjusted != entry.value && comment.is_none() {
            return Err(AppError::field(
                "comment",
                Invalid::new(
                    "Khi sửa điểm cần ghi nhận xét",
                    "A changed score needs a comment",
                ),
            ));
        }
        entry.adjusted = adj.adjusted.filter(|v| Some(*v) != entry.value);
        entry.comment = comment;
    }
    Ok(answers)
}

/// The commune reviews: adjusts indicators (each change needs a comment) and decides.
pub async fn review(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    adjustments: &BTreeMap<String, Adjustment>,
    decision: &Decision,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let a = officer(db, viewer, &e, perm::EVALUATION_RECOGNISE).await?;
    let set = sets::by_id(state, e.set_id).await?;
    let answers = adjusted(&set, &e, adjustments)?;
    let key = match decision {
        Decision::Recognise { .. } => Some(crate::credentials::signer(state).await?),
        Decision::NotRecognise { .. } => None,
    };
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, id).await?;
    let moved = review_locked(
        &mut tx,
        state,
        key.as_ref(),
        a,
        &current,
        &set,
        &answers,
        decision,
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// The review of an evaluation locked in the caller's transaction (one, or many in bulk): the
/// score with the adjusted `answers`, the decision (a recognition issues the certificate under
/// its decision), the notice and the audit entry. `key` is read before the transaction and is
/// needed to recognise. The caller applies the returned counter move.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn review_locked(
    tx: &mut Tx<'_>,
    state: &AppState,
    key: Option<&crate::credentials::Signer>,
    a: Acting,
    current: &Evaluation,
    set: &khuyenhoc_criteria::CriteriaSet,
    answers: &Answers,
    decision: &Decision,
) -> Result<CounterMove, AppError> {
    let sc = score::score_in(tx, set, current, answers).await?;
    let (step, note) = match decision {
        Decision::Recognise { .. } => (Step::Recognise, None),
        Decision::NotRecognise { reason } => (Step::NotRecognise, Some(need_reason(reason)?)),
    };
    let next = current.status.after(step).ok_or_else(|| not_now("xét"))?;
    if let Decision::Recognise {
        decision_no,
        decision_date,
    } = decision
    {
        if !sc.passed {
            let (vi, en) = joined(sc.reasons.iter().map(|r| (r.0.as_str(), r.1.as_str())));
            return Err(AppError::Unprocessable {
                vi: format!("Hồ sơ chưa đạt tiêu chí nên chưa thể công nhận: {vi}"),
                en: format!("The evaluation does not meet the criteria: {en}"),
            });
        }
        let key = key.ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        crate::evaluation::certificates::recognise(
            tx,
            state,
            key,
            current,
            set,
            a,
            decision_no,
            decision_date,
            sc.total,
        )
        .await?;
    }
    let moved = write_state(tx, current, next, answers, &sc).await?;
    event(tx, current.id, a, next.code(), note.as_deref()).await?;
    let notice = match &note {
        None => crate::notify::Notice::EvaluationRecognised {
            evaluation_id: current.id,
        },
        Some(reason) => crate::notify::Notice::Text {
            vi: format!("Bản tự đánh giá của bạn chưa được công nhận. Lý do: {reason}"),
            en: format!("Your self-assessment was not recognised. Reason: {reason}"),
        },
    };
    crate::notify::to_evaluation_subject(tx, current.id, notice).await?;
    audit_step(
        tx,
        a,
        current,
        next.code(),
        serde_json::json!({"status": current.status.code(), "answers": current.answers}),
        serde_json::json!({"status": next.code(), "answers": answers, "total": sc.total}),
    )
    .await?;
    Ok(moved)
}
