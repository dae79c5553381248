//! Request values turned into domain values, each refusal naming its field.

use super::{DecisionKind, ReviewBody, SubjectBody};
use crate::error::AppError;
use crate::evaluation::certificates::{self};
use crate::evaluation::service::{Adjustment, Decision, SubjectRef};
use khuyenhoc_criteria::Model;
use khuyenhoc_domain::Invalid;
use std::collections::BTreeMap;

pub(super) fn model_code(field: &'static str, s: &str) -> Result<String, AppError> {
    Model::from_code(s.trim())
        .map(|m| m.code().to_owned())
        .ok_or_else(|| {
            AppError::field(
                field,
                Invalid::new("Không có danh hiệu này", "No such title"),
            )
        })
}

/// A free-text note: cleaned, at most 2,000 characters, blank = none.
pub(super) fn note(field: &'static str, s: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(s) = s
        .map(khuyenhoc_domain::text::clean)
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    if s.chars().count() > 2000 {
        return Err(AppError::field(
            field,
            Invalid::new(
                "Ghi chú dài quá 2000 ký tự",
                "The note is longer than 2,000 characters",
            ),
        ));
    }
    Ok(Some(s))
}

pub(super) fn subject_ref(viewer_id: i64, s: Option<SubjectBody>) -> Result<SubjectRef, AppError> {
    let s = s.unwrap_or(SubjectBody {
        person_id: Some(viewer_id),
        ..SubjectBody::default()
    });
    match (s.person_id, s.group_id, s.unit_code) {
        (Some(id), None, None) => Ok(SubjectRef::Person(id)),
        (None, Some(id), None) => Ok(SubjectRef::Group(id)),
        (None, None, Some(code)) => Ok(SubjectRef::Unit(code.trim().to_owned())),
        _ => Err(AppError::field(
            "subject",
            Invalid::new(
                "Cần đúng một trong ba trường person_id, group_id, unit_code",
                "Give exactly one of person_id, group_id, unit_code",
            ),
        )),
    }
}

pub(super) fn decision(
    b: ReviewBody,
) -> Result<(BTreeMap<String, Adjustment>, Decision), AppError> {
    let only = |field: &'static str, vi: &'static str, en: &'static str| {
        Err(AppError::field(field, Invalid::new(vi, en)))
    };
    let decision = match b.decision {
        DecisionKind::Recognise => {
            if b.reason.is_some() {
                return only(
                    "reason",
                    "Lý do chỉ dùng khi không công nhận",
                    "reason goes only with not_recognise",
                );
            }
            let no = b
                .decision_no
                .map(|s| khuyenhoc_domain::text::clean(&s))
                .filter(|s| !s.is_empty());
            let Some(decision_no) = no else {
                return only(
                    "decision_no",
                    "Cần số quyết định công nhận",
                    "Give the decision number",
                );
            };
            let Some(date) = b.decision_date.filter(|s| !s.trim().is_empty()) else {
                return only(
                    "decision_date",
                    "Cần ngày quyết định",
                    "Give the decision date",
                );
            };
            let date = certificates::parse_date("decision_date", &date)?;
            Decision::Recognise {
                decision_no,
                decision_date: date.format("%Y-%m-%d").to_string(),
            }
        }
        DecisionKind::NotRecognise => {
            if b.decision_no.is_some() || b.decision_date.is_some() {
                return only(
                    "decision_no",
                    "Số và ngày quyết định chỉ dùng khi công nhận",
                    "decision_no and decision_date go only with recognise",
                );
            }
            Decision::NotRecognise {
                reason: b.reason.unwrap_or_default(),
            }
        }
    };
    let adjustments = b
        .adjustments
        .into_iter()
        .map(|(code, a)| {
            (
                code,
                Adjustment {
                    adjusted: a.adjusted,
                    comment: a.comment,
                },
            )
        })
        .collect();
    Ok((adjustments, decision))
}
