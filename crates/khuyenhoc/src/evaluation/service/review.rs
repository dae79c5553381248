//! The branch's check, returning with a reason, and the commune's review: adjusted indicators,
//! recognition (with the certificate) or not.

use super::{audit_step, event, joined, lock, not_now, officer, set_status, visible, write_state};
use crate::auth::{perm, Viewer};
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
    let next = e
        .status
        .after(Step::Check)
        .ok_or_else(|| not_now("kiểm tra"))?;
    let moved = set_status(&mut tx, &e, next).await?;
    event(&mut tx, id, a, "check", note).await?;
    audit_step(
        &mut tx,
        a,
        &e,
        "check",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "note": note}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

pub(super) fn need_reason(reason: &str) -> Result<String, AppError> {
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
    let right = if viewer
        .position_for(perm::EVALUATION_RECOGNISE, &e.unit_path)
        .is_some()
    {
        perm::EVALUATION_RECOGNISE
    } else {
        perm::EVALUATION_CHECK
    };
    let a = officer(db, viewer, &e, right).await?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let next = e
        .status
        .after(Step::Return)
        .ok_or_else(|| not_now("trả lại"))?;
    let moved = set_status(&mut tx, &e, next).await?;
    event(&mut tx, id, a, "return", Some(&reason)).await?;
    let notice = crate::notify::Notice::EvaluationReturned {
        evaluation_id: id,
        reason: reason.clone(),
    };
    crate::notify::to_evaluation_subject(&mut tx, id, notice).await?;
    audit_step(
        &mut tx,
        a,
        &e,
        "return",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "reason": reason}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
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
        Decision::Recognise { .. } => Some(crate::evaluation::certificates::signing_key(db).await?),
        Decision::NotRecognise { .. } => None,
    };
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, id).await?;
    let sc = score::score_in(&mut tx, &set, &current, &answers).await?;
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
        let key = key
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        crate::evaluation::certificates::recognise(
            &mut tx,
            state,
            key,
            &current,
            &set,
            a,
            decision_no,
            decision_date,
            sc.total,
        )
        .await?;
    }
    let moved = write_state(&mut tx, &current, next, &answers, &sc).await?;
    event(&mut tx, id, a, next.code(), note.as_deref()).await?;
    let notice = match &note {
        None => crate::notify::Notice::EvaluationRecognised { evaluation_id: id },
        Some(reason) => crate::notify::Notice::Text {
            vi: format!("Bản tự đánh giá của bạn chưa được công nhận. Lý do: {reason}"),
            en: format!("Your self-assessment was not recognised. Reason: {reason}"),
        },
    };
    crate::notify::to_evaluation_subject(&mut tx, id, notice).await?;
    audit_step(
        &mut tx,
        a,
        &current,
        next.code(),
        serde_json::json!({"status": current.status.code(), "answers": current.answers}),
        serde_json::json!({"status": next.code(), "answers": answers, "total": sc.total}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}
