//! The national Learning Citizen set as the tests use it: its ten indicators, and an evaluation
//! made by an officer and taken as far as a test needs.

use super::{call, ok, Client, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

/// The ten indicators of the national Learning Citizen set (`citizen-2025.toml`).
pub const CITIZEN_INDICATORS: [&str; 10] = [
    "reads",
    "learning_plan",
    "community_learning",
    "helps_others",
    "digital",
    "foreign_language",
    "numeracy",
    "critical_thinking",
    "relations",
    "cooperation",
];

/// How far [`citizen_evaluation`] takes a new evaluation; each stage includes the ones before
/// it (a decision, either way, comes after the check).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Registered,
    Answered,
    Submitted,
    Checked,
    Recognised,
    NotRecognised,
}

/// A Learning Citizen evaluation of `person` for `year` (form group "farmer"), registered by
/// the officer `c` and taken to `stage` with 9 points everywhere (it passes); returns the API's
/// last answer about it.
pub async fn citizen_evaluation(
    app: &TestApp,
    c: &mut Client,
    person: i64,
    year: i32,
    stage: Stage,
) -> Value {
    let mut detail = call(
        app,
        c,
        "POST",
        "/api/v1/evaluations",
        json!({"model": "citizen", "subject": {"person_id": person}, "year": year, "form_group": "farmer"}),
        StatusCode::CREATED,
    )
    .await;
    let id = evaluation_id(&detail);
    let answers: serde_json::Map<String, Value> = CITIZEN_INDICATORS
        .iter()
        .map(|code| ((*code).to_owned(), json!(9)))
        .collect();
    let decision = match stage {
        Stage::NotRecognised => {
            json!({"decision": "not_recognise", "reason": "Chưa đủ minh chứng về việc tự học"})
        }
        _ => {
            json!({"decision": "recognise", "decision_no": "01/QĐ-KH", "decision_date": khuyenhoc::db::today()})
        }
    };
    let steps = [
        (
            Stage::Answered,
            "PUT",
            "answers",
            json!({ "answers": answers }),
        ),
        (Stage::Submitted, "POST", "submit", json!({})),
        (Stage::Checked, "POST", "check", json!({})),
        (Stage::Recognised, "POST", "review", decision),
    ];
    for (step, method, action, body) in steps {
        if step <= stage {
            let path = format!("/api/v1/evaluations/{id}/{action}");
            detail = ok(app, c, method, &path, body).await;
        }
    }
    detail
}

/// The id of the evaluation an API answer is about.
pub fn evaluation_id(detail: &Value) -> i64 {
    detail["evaluation"]["id"].as_i64().expect("evaluation id")
}
