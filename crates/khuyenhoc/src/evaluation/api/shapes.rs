//! What the evaluation API reads and answers: request bodies, query parameters and the JSON
//! shapes of evaluations, scores, sets and certificates.

use crate::error::AppError;
use crate::evaluation::certificates::{self, Certificate};
use crate::evaluation::lifecycle::Status;
use crate::evaluation::model::{self, Evaluation, Event, Evidence};
use crate::evaluation::score::{self, Scored};
use crate::evaluation::sets;
use crate::state::AppState;
use khuyenhoc_criteria::{CriteriaSet, IndicatorOutcome, Model};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Exactly one of the three: a person, a family/clan/organisation, or a unit by code.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    pub person_id: Option<i64>,
    pub group_id: Option<i64>,
    pub unit_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvaluation {
    pub model: String,
    /// Omitted: the signed-in person themself.
    pub subject: Option<SubjectBody>,
    pub year: i64,
    pub form_group: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersBody {
    pub answers: BTreeMap<String, Option<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    pub adjusted: Option<u32>,
    pub comment: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Recognise,
    NotRecognise,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    #[serde(default)]
    pub adjustments: BTreeMap<String, AdjustmentBody>,
    pub decision: DecisionKind,
    pub decision_no: Option<String>,
    pub decision_date: Option<String>,
    pub reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CriteriaQuery {
    pub model: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub per_page: Option<i64>,
}

/// One line of an evaluation list.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "EvaluationSummary")]
pub struct Summary {
    pub id: i64,
    pub model: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub form_group: Option<String>,
    pub status: Status,
    pub status_vi: &'static str,
    pub status_en: &'static str,
    /// The title was revoked: `status` stays `recognised`, `status_vi`/`status_en` say
    /// revoked, and it counts nowhere as recognised.
    pub revoked: bool,
    pub total: i64,
    pub passed: bool,
    pub level: Option<i64>,
}

impl From<Evaluation> for Summary {
    fn from(e: Evaluation) -> Self {
        Summary {
            id: e.id,
            status_vi: e.status_vi(),
            status_en: e.status_en(),
            revoked: e.revoked,
            model: e.model,
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            subject_name: e.subject_name,
            unit_code: e.unit_code,
            unit_name: e.unit_name,
            year: e.year,
            form_group: e.form_group,
            status: e.status,
            total: e.total,
            passed: e.passed,
            level: e.level,
        }
    }
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "ScoreReason")]
pub struct Message {
    pub vi: String,
    pub en: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "MissingAnswer")]
pub struct Missing {
    pub code: String,
    pub vi: String,
    pub en: String,
}

/// The live score: what the evaluation earns now under its criteria set.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "Score")]
pub struct ScoreView {
    pub total: i64,
    pub max_total: i64,
    pub threshold: i64,
    /// Which threshold applies and why ("Ngưỡng đạt: 70 điểm vì … thuộc vùng đặc biệt khó
    /// khăn (nguồn: …)").
    pub threshold_reason: Message,
    /// Scored as for a disadvantaged area: the flag of the evaluation's commune for its year, in
    /// force now until the evaluation is decided, then the one it was decided with.
    pub disadvantaged: bool,
    pub passed: bool,
    pub level: Option<i64>,
    /// What still lacks an answer or evidence.
    pub missing: Vec<Missing>,
    /// Every reason for not passing; empty exactly when `passed`.
    pub reasons: Vec<Message>,
    pub indicators: Vec<IndicatorOutcome>,
}

impl From<Scored> for ScoreView {
    fn from(s: Scored) -> Self {
        let (vi, en) = s.threshold_reason();
        ScoreView {
            total: s.total,
            max_total: s.max_total,
            threshold: s.threshold,
            threshold_reason: Message { vi, en },
            disadvantaged: s.disadvantaged,
            passed: s.passed,
            level: s.level,
            missing: s
                .missing
                .into_iter()
                .map(|(code, vi, en)| Missing { code, vi, en })
                .collect(),
            reasons: s
                .reasons
                .into_iter()
                .map(|(vi, en)| Message { vi, en })
                .collect(),
            indicators: s.outcome.indicators,
        }
    }
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "CriteriaSetInfo")]
pub struct SetInfo {
    pub id: i64,
    pub code: String,
    pub model: Model,
    pub version: u16,
    pub owner: String,
    pub title_vi: String,
    pub title_en: String,
}

/// One evaluation as its subject or an officer in scope sees it.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "EvaluationDetail")]
pub struct Detail {
    pub evaluation: Evaluation,
    pub status_vi: &'static str,
    pub status_en: &'static str,
    pub criteria: SetInfo,
    pub score: ScoreView,
    pub events: Vec<Event>,
    pub evidence: Vec<Evidence>,
    pub certificate: Option<Certificate>,
}

pub(super) async fn detail(
    state: &AppState,
    e: Evaluation,
    scored: Option<Scored>,
) -> Result<Detail, AppError> {
    let set = sets::by_id(state, e.set_id).await?;
    let scored = match scored {
        Some(s) => s,
        None => score::score(state, &set, &e, &e.answers).await?,
    };
    let code: Option<String> = sqlx::query_scalar(
        "SELECT code FROM certificates WHERE evaluation_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(e.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let certificate = match code {
        Some(code) => certificates::by_code(&state.db, &code).await?,
        None => None,
    };
    Ok(Detail {
        status_vi: e.status_vi(),
        status_en: e.status_en(),
        criteria: SetInfo {
            id: e.set_id,
            code: set.code().to_owned(),
            model: set.model(),
            version: set.version(),
            owner: set.owner().to_string(),
            title_vi: set.title().vi.clone(),
            title_en: set.title().en.clone(),
        },
        score: scored.into(),
        events: model::events(&state.db, e.id).await?,
        evidence: model::evidence(&state.db, e.id).await?,
        certificate,
        evaluation: e,
    })
}

/// A certificate as anyone may see it: never the holder's full name.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "CertificateVerification")]
pub struct Verification {
    pub code: String,
    pub model: String,
    pub title: String,
    pub year: i64,
    pub holder: String,
    pub issuer: String,
    pub province: String,
    pub decision_no: String,
    pub decision_date: String,
    pub valid_until: String,
    /// `valid`, `expired` or `revoked`.
    pub status: &'static str,
    pub status_vi: &'static str,
    pub status_en: &'static str,
    /// The day a revoked certificate was revoked (`dd/mm/yyyy`); the reason stays with the
    /// officers.
    pub revoked_on: Option<String>,
    /// The credential's bit in its issuer's revocation status list, read from the same rows
    /// the signed list is built from: what any verifier of the credential learns. Absent for a
    /// credential without one (issued before status lists; `credentials reissue` repairs it).
    pub status_list: Option<StatusListEntry>,
}

/// A credential's `BitstringStatusListEntry`, as its status list answers it now.
#[derive(Serialize, schemars::JsonSchema)]
pub struct StatusListEntry {
    /// `active` or `revoked`.
    pub status: &'static str,
    /// The signed `BitstringStatusListCredential` (public, JSON).
    pub url: String,
    /// The credential's bit in it.
    pub index: u64,
}

impl From<Certificate> for Verification {
    fn from(c: Certificate) -> Self {
        Verification {
            revoked_on: c.revoked_on.clone(),
            status_list: None,
            status: c.status,
            status_vi: c.status_vi(),
            status_en: c.status_en(),
            code: c.code,
            model: c.model,
            title: c.title_vi,
            year: c.year,
            holder: c.holder_masked,
            issuer: c.issuer_name,
            province: c.province_name,
            decision_no: c.decision_no,
            decision_date: c.decision_date,
            valid_until: c.valid_until,
        }
    }
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "CriteriaSetLine")]
pub struct SetLine {
    pub id: i64,
    pub code: String,
    pub model: String,
    pub version: i64,
    pub owner: String,
    pub based_on_id: Option<i64>,
    pub title: String,
    pub status: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "CriteriaSetDetail")]
pub struct SetDetail {
    pub id: i64,
    pub owner: String,
    pub status: String,
    pub set: CriteriaSet,
    pub source: String,
}
