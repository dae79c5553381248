//! Pages of learning models: the citizen's path on a phone (one question group per screen, big
//! targets, answers kept in the browser until they are saved), the officer's lists, check and
//! review, certificates and the public verify page.

use super::certificates::{self, Certificate};
use super::lifecycle::Status;
use super::model::{self, Evaluation, Event, Evidence};
use super::score::Scored;
use super::service::{self, Adjustment, Decision, Register, SubjectRef};
use super::sets;
use crate::accounts::pages::parse_id;
use crate::auth::{perm, OptionalViewer, Viewer};
use crate::error::{AppError, PageError, PageResult};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_criteria::CriteriaSet;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

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
        r(M::GET, "/evaluations/{id}/all", Officer, "Enter a whole self-assessment on one screen (assisted)", all_page),
        r(M::POST, "/evaluations/{id}/all", Officer, "Save a whole self-assessment (assisted)", save_all),
        r(M::POST, "/evaluations/{id}/submit", SignedIn, "Submit a self-assessment", submit),
        r(M::POST, "/evaluations/{id}/check", Officer, "Branch check", check),
        r(M::POST, "/evaluations/{id}/return", Officer, "Return with a reason", return_back),
        r(M::GET, "/evaluations/{id}/review", Officer, "Commune review form", review_page),
        r(M::POST, "/evaluations/{id}/review", Officer, "Review: adjust, recognise or not", review),
        r(M::GET, "/units/{code}/evaluations", Officer, "Evaluations in a unit's subtree", unit_list),
        r(M::POST, "/units/{code}/evaluations", Officer, "Register someone (acting on their behalf)", register_for),
        r(M::GET, "/certificates/{code}/pdf", SignedIn, "Certificate PDF", certificate_pdf),
        r(M::GET, "/certificates/{code}/credential", SignedIn, "Signed credential (Open Badges 3.0)", credential),
        r(M::POST, "/certificates/{code}/revoke", Officer, "Revoke a certificate", revoke),
        r(M::GET, "/verify/{code}", Public, "Public verification of a certificate", verify),
    ]
}

/// Uploads may be larger than other requests: a phone photo before reduction.
fn upload(mut route: Route) -> Route {
    route.handler = route.handler.layer(axum::extract::DefaultBodyLimit::max(
        crate::files::MAX_PHOTO_BYTES + 64 * 1024,
    ));
    route
}

fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Utc::now()))
}

#[derive(Template)]
#[template(path = "learning.html")]
pub struct LearningPage {
    pub c: Chrome,
    pub evaluations: Vec<Evaluation>,
    pub form_groups: Vec<(String, String, String)>,
    pub year: i64,
    pub errors: FormErrors,
}

async fn citizen_form_groups(
    state: &AppState,
    v: &Viewer,
) -> Result<Vec<(String, String, String)>, AppError> {
    let path: String = sqlx::query_scalar(
        "SELECT u.path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(v.person_id)
    .fetch_one(&state.db.pool)
    .await?;
    let province = path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
        .to_owned();
    let (_, set) = sets::effective(state, "citizen", &province, this_year()).await?;
    Ok(set
        .form_groups()
        .iter()
        .map(|g| (g.code.clone(), g.name.vi.clone(), g.name.en.clone()))
        .collect())
}

async fn learning_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let evaluations = model::for_person(&state.db, v.person_id).await?;
    let form_groups = citizen_form_groups(state, v).await?;
    render(&LearningPage {
        c,
        evaluations,
        form_groups,
        year: this_year(),
        errors,
    })
}

pub async fn my_learning(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    learning_page(&state, c, &v, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub form_group: String,
    #[serde(default)]
    pub year: Option<i64>,
}

pub async fn register_self(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<RegisterForm>,
) -> PageResult<Response> {
    let reg = Register {
        model: "citizen".into(),
        subject: SubjectRef::Person(v.person_id),
        year: f.year.unwrap_or_else(this_year),
        form_group: Some(f.form_group),
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}/groups/1", e.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            learning_page(&state, c, &v, FormErrors(errors)).await?,
        )
            .into_response()),
        Err(AppError::Conflict(e)) => Ok((
            StatusCode::CONFLICT,
            learning_page(&state, c, &v, FormErrors(vec![e])).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
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
}

pub struct ShownGroup {
    pub n: usize,
    pub name_vi: String,
    pub name_en: String,
    pub indicators: Vec<ShownIndicator>,
    pub answered: usize,
}

fn shown(l: &Loaded) -> Vec<ShownGroup> {
    let fg = l.e.form_group.as_deref();
    l.set
        .groups()
        .iter()
        .filter(|g| g.indicators.iter().any(|i| i.applies_to(fg)))
        .enumerate()
        .map(|(k, g)| {
            let indicators: Vec<ShownIndicator> = g
                .indicators
                .iter()
                .filter(|i| i.applies_to(fg))
                .map(|i| {
                    let a = l.e.answers.get(&i.code).cloned().unwrap_or_default();
                    ShownIndicator {
                        code: i.code.clone(),
                        text_vi: i.text.vi.clone(),
                        text_en: i.text.en.clone(),
                        max: i.max,
                        kind: i.rule.name(),
                        value: a.value,
                        adjusted: a.adjusted,
                        comment: a.comment.unwrap_or_default(),
                        evidence: l
                            .evidence
                            .iter()
                            .filter(|x| x.indicator == i.code)
                            .cloned()
                            .collect(),
                        evidence_required: i.evidence.required,
                        awarded: l
                            .scored
                            .outcome
                            .indicators
                            .iter()
                            .find(|o| o.code == i.code)
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
                        part: l
                            .e
                            .answers
                            .get(&format!("{}#part", i.code))
                            .and_then(|a| a.effective())
                            .map(|v| v.to_string())
                            .unwrap_or_default(),
                        total: l
                            .e
                            .answers
                            .get(&format!("{}#total", i.code))
                            .and_then(|a| a.effective())
                            .map(|v| v.to_string())
                            .unwrap_or_default(),
                    }
                })
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

#[derive(Template)]
#[template(path = "evaluation.html")]
pub struct EvaluationPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub title_en: String,
    /// The form group's name (Vietnamese, English), when the set has form groups.
    pub form_group_name: Option<(String, String)>,
    pub groups: Vec<ShownGroup>,
    pub scored: Scored,
    pub events: Vec<Event>,
    pub editable: bool,
    pub can_check: bool,
    pub can_enter: bool,
    pub can_review: bool,
    pub certificate: Option<Certificate>,
    pub can_revoke: bool,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
}

async fn evaluation_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    let officer = |right: &str| v.position_for(right, &l.e.unit_path);
    let reviewer = officer(perm::EVALUATION_RECOGNISE).is_some();
    let code: Option<String> =
        sqlx::query_scalar("SELECT code FROM certificates WHERE evaluation_id = $1")
            .bind(l.e.id)
            .fetch_optional(&state.db.pool)
            .await?;
    let certificate = match code {
        Some(code) => certificates::by_code(&state.db, &code).await?,
        None => None,
    };
    render(&EvaluationPage {
        c,
        title_vi: l.set.title().vi.clone(),
        form_group_name: l
            .e
            .form_group
            .as_deref()
            .and_then(|code| l.set.form_groups().iter().find(|g| g.code == code))
            .map(|g| (g.name.vi.clone(), g.name.en.clone())),
        title_en: l.set.title().en.clone(),
        groups: shown(&l),
        events: model::events(&state.db, l.e.id).await?,
        editable: l.e.status.editable(),
        can_enter: officer(perm::EVALUATION_ENTER).is_some(),
        can_check: officer(perm::EVALUATION_CHECK).is_some() && l.e.status == Status::Submitted,
        can_review: reviewer && matches!(l.e.status, Status::Submitted | Status::Checked),
        can_revoke: reviewer && certificate.as_ref().is_some_and(|c| !c.revoked),
        certificate,
        scored: l.scored,
        e: l.e,
        errors: FormErrors::default(),
        problem,
    })
}

pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    evaluation_page(&state, c, &v, &id, None).await
}

#[derive(Template)]
#[template(path = "evaluation_group.html")]
pub struct GroupPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub g: ShownGroup,
    pub count: usize,
    pub total: i64,
    pub max_total: i64,
    pub threshold: i64,
    pub editable: bool,
    pub problem: Option<(String, String)>,
}

async fn group_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    n: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    let mut groups = shown(&l);
    let count = groups.len();
    let n: usize = n
        .parse()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .ok_or(AppError::NotFound)?;
    let g = groups.swap_remove(n - 1);
    render(&GroupPage {
        c,
        title_vi: l.set.title().vi.clone(),
        g,
        count,
        total: l.scored.total,
        max_total: l.scored.max_total,
        threshold: l.scored.threshold,
        editable: l.e.status.editable(),
        e: l.e,
        problem,
    })
}

pub async fn group_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((id, n)): Path<(String, String)>,
) -> PageResult<Html<String>> {
    group_view(&state, c, &v, &id, &n, None).await
}

/// Reads `a_{code}` fields: a number, or empty to clear.
fn answers_from(pairs: &[(String, String)]) -> Result<BTreeMap<String, Option<u32>>, AppError> {
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(code) = k.strip_prefix("a_") {
            let v = v.trim();
            let value = if v.is_empty() {
                None
            } else {
                Some(v.parse::<u32>().map_err(|_| AppError::Unprocessable {
                    vi: format!("«{v}» không phải là số"),
                    en: format!("“{v}” is not a number"),
                })?)
            };
            out.insert(code.to_owned(), value);
        }
    }
    Ok(out)
}

pub async fn save_group(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((id, n)): Path<(String, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let values = answers_from(&pairs);
    let r = match values {
        Ok(values) => service::save_answers(&state, &v, parse_id(&id)?, &values)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => {
            let next: usize = n.parse::<usize>().unwrap_or(0) + 1;
            let go_overview = pairs.iter().any(|(k, _)| k == "done");
            let l = load(&state, &v, &id).await?;
            let to = if go_overview || next > shown(&l).len() {
                format!("/evaluations/{id}")
            } else {
                format!("/evaluations/{id}/groups/{next}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Unprocessable { vi, en }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            group_view(&state, c, &v, &id, &n, Some((vi, en))).await?,
        )
            .into_response()),
        Err(AppError::BadRequest { vi, en }) => Ok((
            StatusCode::BAD_REQUEST,
            group_view(&state, c, &v, &id, &n, Some((vi, en))).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// After an action: back to the evaluation page, or the page again with the problem shown.
async fn after(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<Evaluation, AppError>,
) -> PageResult<Response> {
    match r {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Invalid(_)
            | AppError::Conflict(_)),
        ) => {
            let status = e.status();
            let (vi, en) = e.messages();
            Ok((
                status,
                evaluation_page(state, c, v, id, Some((vi, en))).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = service::submit(&state, &v, parse_id(&id)?).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn check(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    let note = Some(f.note.trim()).filter(|n| !n.is_empty());
    let r = service::check(&state, &v, parse_id(&id)?, note).await;
    after(&state, c, &v, &id, r).await
}

pub async fn return_back(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    let r = service::return_back(&state, &v, parse_id(&id)?, &f.reason).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Template)]
#[template(path = "evaluation_review.html")]
pub struct ReviewPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub groups: Vec<ShownGroup>,
    pub scored: Scored,
    pub today: String,
    pub problem: Option<(String, String)>,
}

async fn review_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    if v.position_for(perm::EVALUATION_RECOGNISE, &l.e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    render(&ReviewPage {
        c,
        title_vi: l.set.title().vi.clone(),
        groups: shown(&l),
        scored: l.scored,
        today: crate::db::today(),
        e: l.e,
        problem,
    })
}

pub async fn review_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    review_view(&state, c, &v, &id, None).await
}

pub async fn review(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut adjustments: BTreeMap<String, Adjustment> = BTreeMap::new();
    for (k, val) in &pairs {
        if let Some(code) = k.strip_prefix("adj_") {
            let adjusted = if val.trim().is_empty() {
                None
            } else {
                val.trim().parse::<u32>().ok()
            };
            if adjusted.is_none() && !val.trim().is_empty() {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    review_view(
                        &state,
                        c,
                        &v,
                        &id,
                        Some((
                            format!("«{val}» không phải là số"),
                            format!("“{val}” is not a number"),
                        )),
                    )
                    .await?,
                )
                    .into_response());
            }
            adjustments.entry(code.to_owned()).or_default().adjusted = adjusted;
        } else if let Some(code) = k.strip_prefix("comment_") {
            adjustments.entry(code.to_owned()).or_default().comment = Some(val.clone());
        }
    }
    let decision = if get("decision") == "not_recognise" {
        Decision::NotRecognise {
            reason: get("reason"),
        }
    } else {
        Decision::Recognise {
            decision_no: get("decision_no"),
            decision_date: get("decision_date"),
        }
    };
    match service::review(&state, &v, parse_id(&id)?, &adjustments, &decision).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Invalid(_)),
        ) => {
            let status = e.status();
            let (vi, en) = e.messages();
            Ok((
                status,
                review_view(&state, c, &v, &id, Some((vi, en))).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_evidence(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    mut form: Multipart,
) -> PageResult<Response> {
    let mut indicator = String::new();
    let mut note = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut back = String::new();
    let unreadable = |_| {
        PageError(AppError::bad_request(
            "Không đọc được tệp gửi lên",
            "The upload could not be read",
        ))
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "indicator" => indicator = field.text().await.map_err(unreadable)?,
            "note" => note = field.text().await.map_err(unreadable)?,
            "back" => back = field.text().await.map_err(unreadable)?,
            "file" => {
                let name = field.file_name().unwrap_or("tep").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let r = super::evidence::attach(&state, &v, parse_id(&id)?, &indicator, file, &note).await;
    let back = if back.starts_with(&format!("/evaluations/{id}")) {
        back
    } else {
        format!("/evaluations/{id}")
    };
    match r {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(AppError::Invalid(f)) => {
            let n = back.rsplit('/').next().unwrap_or("1").to_owned();
            let msg = crate::error::field_messages(&f);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                group_view(&state, c, &v, &id, &n, Some(msg)).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn evidence_file(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (ev, bytes) = super::evidence::file(&state, &v, parse_id(&id)?).await?;
    let ct = ev
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub model: String,
}

#[derive(Template)]
#[template(path = "unit_evaluations.html")]
pub struct UnitEvaluationsPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub status: String,
    pub evaluations: Vec<Evaluation>,
    pub total: i64,
    pub stats: super::stats::Stats,
    pub form_groups: Vec<(String, String, String)>,
    pub can_enter: bool,
    pub errors: FormErrors,
}

async fn unit_list_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    q: &ListQuery,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let year = q.year.unwrap_or_else(this_year);
    let query = model::Query {
        path: unit.path.clone(),
        year: Some(year),
        model: Some(q.model.clone()).filter(|m| !m.is_empty()),
        status: Some(q.status.clone()).filter(|s| Status::parse(s).is_some()),
        limit: 200,
        offset: 0,
    };
    let (evaluations, total) = model::list(&state.db, &query).await?;
    let stats = super::stats::for_subtree(&state.db, &unit.path, year).await?;
    let province = unit
        .path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
        .to_owned();
    let form_groups = match sets::effective(state, "citizen", &province, year).await {
        Ok((_, set)) => set
            .form_groups()
            .iter()
            .map(|g| (g.code.clone(), g.name.vi.clone(), g.name.en.clone()))
            .collect(),
        Err(_) => vec![],
    };
    let can_enter = v.position_for(perm::EVALUATION_ENTER, &unit.path).is_some();
    render(&UnitEvaluationsPage {
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        year,
        status: q.status.clone(),
        evaluations,
        total,
        stats,
        form_groups,
        can_enter,
        errors,
    })
}

pub async fn unit_list(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Html<String>> {
    unit_list_page(&state, c, &v, &code, &q, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct RegisterForForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub form_group: String,
    #[serde(default)]
    pub year: Option<i64>,
}

/// An officer registers a citizen in scope (found by phone number) and fills in for them.
pub async fn register_for(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<RegisterForForm>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let person = match khuyenhoc_domain::PhoneNumber::parse(&f.phone) {
        Ok(p) => crate::accounts::model::find_visible(
            &state.db,
            &v,
            &crate::accounts::model::Lookup::Phone(p),
        )
        .await?
        .filter(|p| p.unit_path.starts_with(&unit.path)),
        Err(_) => None,
    };
    let Some(person) = person else {
        let e = crate::error::FieldError::new(
            "phone",
            khuyenhoc_domain::Invalid::new(
                "Không tìm thấy người có số điện thoại này trong đơn vị",
                "Nobody with this phone number in this unit",
            ),
        );
        let q = ListQuery {
            year: f.year,
            ..Default::default()
        };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            unit_list_page(&state, c, &v, &code, &q, FormErrors(vec![e])).await?,
        )
            .into_response());
    };
    let reg = Register {
        model: "citizen".into(),
        subject: SubjectRef::Person(person.id),
        year: f.year.unwrap_or_else(this_year),
        form_group: Some(f.form_group),
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}/groups/1", e.id)).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = match e {
                AppError::Invalid(x) => x,
                AppError::Conflict(x) => vec![x],
                _ => vec![],
            };
            let q = ListQuery {
                year: f.year,
                ..Default::default()
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                unit_list_page(&state, c, &v, &code, &q, FormErrors(errors)).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn certificate_pdf(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let cert = certificates::for_viewer(&state.db, &v, &code).await?;
    let pdf = certificates::pdf(&state, &cert).await?;
    let disposition = format!("inline; filename=\"giay-chung-nhan-{}.pdf\"", cert.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

pub async fn credential(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let cert = certificates::for_viewer(&state.db, &v, &code).await?;
    let disposition = format!("attachment; filename=\"chung-nhan-{}.json\"", cert.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        cert.credential,
    )
        .into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    match certificates::revoke(&state.db, &v, &code, &f.reason).await {
        Ok(cert) => {
            Ok(Redirect::to(&format!("/evaluations/{}", cert.evaluation_id)).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. })) => {
            let cert = certificates::for_viewer(&state.db, &v, &code).await?;
            let (vi, en) = e.messages();
            Ok((
                e.status(),
                evaluation_page(
                    &state,
                    c,
                    &v,
                    &cert.evaluation_id.to_string(),
                    Some((vi, en)),
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub c: Chrome,
    pub cert: Option<Certificate>,
    pub code: String,
}

pub async fn verify(
    State(state): State<AppState>,
    c: Chrome,
    _v: OptionalViewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let cert = certificates::by_code(&state.db, &code).await?;
    let status = if cert.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let code: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    Ok((status, render(&VerifyPage { c, cert, code })?).into_response())
}

#[derive(Template)]
#[template(path = "evaluation_all.html")]
pub struct AllPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub groups: Vec<ShownGroup>,
    pub scored: Scored,
    pub problem: Option<(String, String)>,
}

async fn all_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    if v.position_for(perm::EVALUATION_ENTER, &l.e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    render(&AllPage {
        c,
        title_vi: l.set.title().vi.clone(),
        groups: shown(&l),
        scored: l.scored,
        e: l.e,
        problem,
    })
}

/// An officer types a paper form in on one screen, for someone without a phone.
pub async fn all_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    all_view(&state, c, &v, &id, None).await
}

pub async fn save_all(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let eid = parse_id(&id)?;
    let e = service::visible(&state.db, &v, eid).await?;
    if v.position_for(perm::EVALUATION_ENTER, &e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    let mut r = match answers_from(&pairs) {
        Ok(values) => service::save_answers(&state, &v, eid, &values)
            .await
            .map(|(e, _)| e),
        Err(e) => Err(e),
    };
    if r.is_ok() && pairs.iter().any(|(k, _)| k == "submit") {
        r = service::submit(&state, &v, eid).await;
    }
    match r {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. })) => {
            let status = e.status();
            Ok((
                status,
                all_view(&state, c, &v, &id, Some(e.titles())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
