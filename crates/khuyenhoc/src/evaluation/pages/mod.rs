//! Pages of learning models: the citizen's path on a phone (one question group per screen, big
//! targets, answers kept in the browser until they are saved), the officer's lists, check and
//! review, certificates and the public verify page.

use super::model::{self, Evaluation, Evidence};
use super::score::Scored;
use super::service::{self};
use super::sets;
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::route::{r, Access, Route};
use axum::http::Method;
use khuyenhoc_criteria::CriteriaSet;
use std::sync::Arc;

mod certificate;
mod citizen;
mod files;
mod review;
mod unit;
pub use certificate::*;
pub use citizen::*;
pub use files::*;
pub use review::*;
pub use unit::*;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/learning", SignedIn, "My learning titles", my_learning),
        r(M::POST, "/learning/register", SignedIn, "Register for a learning title", register_self),
        r(M::GET, "/evaluations/{id}", SignedIn, "An evaluation: progress, score, history", show),
        r(M::GET, "/evaluations/{id}/groups/{n}", SignedIn, "One question group of a self-assessment", group_page),
        r(M::POST, "/evaluations/{id}/groups/{n}", SignedIn, "Save one question group", save_group),
        upload(r(M::POST, "/evaluations/{id}/evidence", SignedIn, "Attach evidence (photo, PDF or note)", add_evidence)),
        r(M::GET, "/evidence/{id}", SignedIn, "An evidence file", evidence_file),
        r(M::POST, "/evidence/{id}/remove", SignedIn, "Remove a piece of evidence before submission (its owner)", remove_evidence),
        upload(r(M::POST, "/evidence/{id}/replace", SignedIn, "Replace an evidence file before submission (its owner)", replace_evidence)),
        r(M::GET, "/evaluations/{id}/all", Officer, "Enter a whole self-assessment on one screen (assisted)", all_page),
        r(M::POST, "/evaluations/{id}/all", Officer, "Save a whole self-assessment (assisted)", save_all),
        r(M::POST, "/evaluations/{id}/submit", SignedIn, "Submit a self-assessment", submit),
        r(M::POST, "/evaluations/{id}/check", Officer, "Branch check", check),
        r(M::POST, "/evaluations/{id}/return", Officer, "Return with a reason", return_back),
        r(M::GET, "/evaluations/{id}/review", Officer, "Commune review form", review_page),
        r(M::POST, "/evaluations/{id}/review", Officer, "Review: adjust, recognise or not", review),
        r(M::POST, "/units/{code}/evaluations", Officer, "Register someone (acting on their behalf)", register_for),
        r(M::GET, "/certificates/{code}/pdf", SignedIn, "Certificate PDF", certificate_pdf),
        r(M::GET, "/certificates/{code}/credential", SignedIn, "Signed credential (Open Badges 3.0)", credential),
        r(M::POST, "/certificates/{code}/revoke", Officer, "Revoke a certificate", revoke),
        r(M::GET, "/verify/{code}", Public, "Public verification of a certificate", verify),
    ]
}

/// Uploads may be larger than other requests: a phone photo before reduction.
pub(crate) fn upload(mut route: Route) -> Route {
    route.handler = route.handler.layer(axum::extract::DefaultBodyLimit::max(
        crate::files::MAX_PHOTO_BYTES + 64 * 1024,
    ));
    route
}

/// This year in Vietnam by the app's clock.
fn this_year(state: &AppState) -> i64 {
    i64::from(chrono::Datelike::year(&state.clock.vn_today()))
}

/// What a page needs to know about one evaluation.
struct Loaded {
    e: Evaluation,
    set: Arc<CriteriaSet>,
    scored: Scored,
    evidence: Vec<Evidence>,
}

async fn load(state: &AppState, v: &Viewer, id: &str) -> Result<Loaded, AppError> {
    let e = service::visible(&state.db, v, parse_id(id)?).await?;
    let set = sets::by_id(state, e.set_id).await?;
    let scored = super::score::score(state, &set, &e, &e.answers).await?;
    let evidence = model::evidence(&state.db, e.id).await?;
    Ok(Loaded {
        e,
        set,
        scored,
        evidence,
    })
}

/// An indicator as a page shows it.
pub struct ShownIndicator {
    pub code: String,
    pub text_vi: String,
    pub text_en: String,
    pub max: u32,
    pub kind: &'static str,
    pub value: Option<u32>,
    pub adjusted: Option<u32>,
    pub comment: String,
    pub evidence: Vec<Evidence>,
    pub evidence_required: bool,
    pub awarded: u32,
    /// For computed indicators: `member_share` (counted by the program) or `children_in_school`
    /// (typed in as two figures).
    pub source: &'static str,
    pub part: String,
    pub total: String,
}

impl ShownIndicator {
    /// The choices of a 0..max scale, as big buttons.
    pub fn choices(&self) -> Vec<u32> {
        (0..=self.max).collect()
    }
    pub fn is(&self, n: &u32) -> bool {
        self.value == Some(*n)
    }
    pub fn value_text(&self) -> String {
        self.value.map(|v| v.to_string()).unwrap_or_default()
    }
    pub fn adjusted_text(&self) -> String {
        self.adjusted.map(|v| v.to_string()).unwrap_or_default()
    }
}

pub struct ShownGroup {
    pub n: usize,
    pub name_vi: String,
    pub name_en: String,
    pub indicators: Vec<ShownIndicator>,
    pub answered: usize,
}

fn shown(l: &Loaded) -> Vec<ShownGroup> {
    shown_groups(
        &l.set,
        l.e.form_group.as_deref(),
        &l.e.answers,
        &l.evidence,
        Some(&l.scored.outcome),
    )
}

/// The form of `set` as a subject of form group `fg` sees it, before any answer: the preview of
/// a criteria set is the citizen's real form.
pub fn blank_groups(set: &CriteriaSet, fg: Option<&str>) -> Vec<ShownGroup> {
    shown_groups(set, fg, &model::Answers::new(), &[], None)
}

fn shown_indicator(
    i: &khuyenhoc_criteria::Indicator,
    answers: &model::Answers,
    evidence: &[Evidence],
    outcome: Option<&khuyenhoc_criteria::Outcome>,
) -> ShownIndicator {
    let a = answers.get(&i.code).cloned().unwrap_or_default();
    ShownIndicator {
        code: i.code.clone(),
        text_vi: i.text.vi.clone(),
        text_en: i.text.en.clone(),
        max: i.max,
        kind: i.rule.name(),
        value: a.value,
        adjusted: a.adjusted,
        comment: a.comment.unwrap_or_default(),
        evidence: evidence
            .iter()
            .filter(|x| x.indicator == i.code)
            .cloned()
            .collect(),
        evidence_required: i.evidence.required,
        awarded: outcome
            .and_then(|o| o.indicators.iter().find(|o| o.code == i.code))
            .map(|o| o.awarded)
            .unwrap_or(0),
        source: match &i.rule {
            khuyenhoc_criteria::Rule::Computed {
                source: khuyenhoc_criteria::Source::ChildrenInSchool,
                ..
            } => "children_in_school",
            khuyenhoc_criteria::Rule::Computed { .. } => "member_share",
            _ => "",
        },
        part: answers
            .get(&format!("{}#part", i.code))
            .and_then(|a| a.effective())
            .map(|v| v.to_string())
            .unwrap_or_default(),
        total: answers
            .get(&format!("{}#total", i.code))
            .and_then(|a| a.effective())
            .map(|v| v.to_string())
            .unwrap_or_default(),
    }
}

fn shown_groups(
    set: &CriteriaSet,
    fg: Option<&str>,
    answers: &model::Answers,
    evidence: &[Evidence],
    outcome: Option<&khuyenhoc_criteria::Outcome>,
) -> Vec<ShownGroup> {
    set.groups()
        .iter()
        .filter(|g| g.indicators.iter().any(|i| i.applies_to(fg)))
        .enumerate()
        .map(|(k, g)| {
            let indicators: Vec<ShownIndicator> = g
                .indicators
                .iter()
                .filter(|i| i.applies_to(fg))
                .map(|i| shown_indicator(i, answers, evidence, outcome))
                .collect();
            let answered = indicators
                .iter()
                .filter(|i| i.value.is_some() || i.source == "member_share" || !i.total.is_empty())
                .count();
            ShownGroup {
                n: k + 1,
                name_vi: g.name.vi.clone(),
                name_en: g.name.en.clone(),
                indicators,
                answered,
            }
        })
        .collect()
}
