//! Pages of meetings: a unit's meetings (searched, paged), a new meeting, one meeting with the
//! forms its reader may use (a điểm cầu's answer, checking in with the code, the host's code),
//! all usable at 360 px. Every form error re-renders the page with the message, 422.

use super::model::{self, Detail, Meeting, KINDS};
use super::service::{self, Answer, NewMeeting};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::documents::recipients::Choice;
use crate::error::{AppError, PageError, PageResult};
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::list::{per_page, Cursor, Search};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/meetings", Officer, "Meetings a unit hosts or is invited to", list_page),
        r(M::GET, "/units/{code}/meetings/new", Officer, "Form of a new meeting (unit.manage)", new_page),
        r(M::POST, "/units/{code}/meetings", Officer, "Create a meeting (unit.manage)", create),
        r(M::GET, "/meetings/{id}", SignedIn, "A meeting: agenda, room, điểm cầu and their answers, attendance, check-in", detail_page),
        r(M::POST, "/meetings/{id}/answer", Officer, "An invited unit confirms or declines and names who attends", answer),
        r(M::POST, "/meetings/{id}/checkin", SignedIn, "Check in with the code shown in the room", check_in),
    ]
}

fn kind_words(k: &str) -> (&'static str, &'static str) {
    model::kind_words(k)
}

/// The search of a list page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub cursor: String,
}

#[derive(Template)]
#[template(path = "meetings_list.html")]
pub struct ListPageT {
    pub c: Chrome,
    pub unit: Unit,
    pub q: String,
    pub total: i64,
    pub meetings: Vec<Meeting>,
    pub can_edit: bool,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

impl ListPageT {
    pub fn kind_vi(&self, k: &str) -> &'static str {
        kind_words(k).0
    }
    pub fn kind_en(&self, k: &str) -> &'static str {
        kind_words(k).1
    }
    pub fn when(&self, m: &Meeting) -> String {
        model::vn_words(m.start)
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn list_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let search = Search::parse(&q.q);
    let cursor = Cursor::decode(&q.cursor)?;
    let page = model::of_unit(
        &state.db,
        unit.id,
        search.as_ref(),
        cursor.as_ref(),
        per_page(None)?,
    )
    .await?;
    let base = format!("/units/{}/meetings?q={}", unit.code, enc(&q.q));
    Ok(render(&ListPageT {
        c,
        can_edit: v.position_for(perm::UNIT_MANAGE, &unit.path).is_some(),
        q: q.q,
        total: page.total,
        meetings: page.items,
        next_href: page
            .next_cursor
            .map(|n| format!("{base}&cursor={}", enc(&n))),
        first_href: cursor.map(|_| base.clone()),
        unit,
    })?
    .into_response())
}

/// The new meeting form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub place: String,
    /// `generate`, `url` or empty (no room).
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub room_url: String,
    /// Every unit of this level below the host.
    #[serde(default)]
    pub level: String,
    /// Or these unit codes.
    #[serde(default)]
    pub units: String,
}

impl MeetingForm {
    fn to_new(&self) -> NewMeeting {
        let mut invitees = vec![];
        if !self.level.trim().is_empty() {
            invitees.push(Choice::Level {
                level: self.level.trim().to_owned(),
            });
        }
        let codes: Vec<String> = self
            .units
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if !codes.is_empty() {
            invitees.push(Choice::Units { codes });
        }
        NewMeeting {
            kind: self.kind.clone(),
            title: self.title.clone(),
            agenda: self.agenda.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            place: Some(self.place.clone()),
            generate_room: self.room == "generate",
            room_url: Some(self.room_url.clone()).filter(|_| self.room == "url"),
            invitees,
            people: vec![],
        }
    }
}

#[derive(Template)]
#[template(path = "meeting_new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub unit: Unit,
    pub errors: FormErrors,
    pub typed: MeetingForm,
    pub kinds: &'static [(&'static str, &'static str, &'static str)],
    /// The levels below the unit that may be invited as a whole: (code, vi, en).
    pub levels: Vec<(&'static str, &'static str, &'static str)>,
}

async fn new_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    errors: FormErrors,
    typed: MeetingForm,
) -> Result<Html<String>, PageError> {
    let (unit, _) = crate::org::service::with_right(&state.db, v, code, perm::UNIT_MANAGE).await?;
    use khuyenhoc_domain::Level;
    let levels = [Level::Province, Level::Commune, Level::Branch]
        .into_iter()
        .filter(|l| l.depth() > unit.level.depth())
        .map(|l| (l.code(), l.label_vi(), l.label_en()))
        .collect();
    render(&NewPage {
        c,
        unit,
        errors,
        typed,
        kinds: KINDS,
        levels,
    })
}

async fn new_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let typed = MeetingForm {
        room: "generate".into(),
        ..MeetingForm::default()
    };
    Ok(new_view(&state, c, &v, &code, FormErrors::default(), typed)
        .await?
        .into_response())
}

async fn create(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<MeetingForm>,
) -> PageResult<Response> {
    match service::create(&state, &v, &code, &f.to_new()).await {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = new_view(&state, c, &v, &code, FormErrors(e), f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "meeting.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub d: Detail,
    pub errors: FormErrors,
    /// The invited units whose own officer the viewer is (with `unit.manage` there): they
    /// answer from this page.
    pub mine: Vec<String>,
    /// Whether the meeting is on now (check-in open).
    pub open: bool,
    pub kind: (&'static str, &'static str),
    pub starts: String,
    pub ends: String,
    /// Whether the meeting is over.
    pub over: bool,
    /// When the room link and the check-in open.
    pub opens: String,
    /// The choice of điểm cầu in words (Vietnamese, English).
    pub invitees: (String, String),
    /// The unit whose list of meetings the breadcrumb leads to (code, name): the host for those
    /// who read it, else the reader's own unit at or above an invited one; none for a person
    /// invited by name.
    pub back: Option<(String, String)>,
}

impl DetailPage {
    pub fn answers_here(&self, code: &str) -> bool {
        self.mine.iter().any(|m| m == code)
    }
}

async fn detail_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    errors: FormErrors,
) -> Result<Html<String>, PageError> {
    let d = service::read(state, v, parse_id(id)?).await?;
    let now = state.clock.now().timestamp();
    let mine = d
        .units
        .iter()
        .filter(|u| {
            v.positions.iter().any(|h| h.unit_path == u.path)
                && v.position_for(perm::UNIT_MANAGE, &u.path).is_some()
        })
        .map(|u| u.code.clone())
        .collect();
    let m = &d.meeting;
    let back = if v.can_read(&m.unit_path) {
        Some((m.unit_code.clone(), m.unit_name.clone()))
    } else {
        v.positions
            .iter()
            .find(|h| d.units.iter().any(|u| u.path.starts_with(&h.unit_path)))
            .map(|h| (h.unit_code.clone(), h.unit_name.clone()))
    };
    let choices: Vec<Choice> = serde_json::from_str(&d.meeting.invitees_json).unwrap_or_default();
    render(&DetailPage {
        c,
        open: d.meeting.is_open_at(now) && d.meeting.invited,
        over: now > d.meeting.end,
        opens: model::vn_words(d.meeting.start - model::OPENS_BEFORE),
        invitees: crate::documents::recipients::describe(&choices),
        back,
        kind: kind_words(&d.meeting.kind),
        starts: model::vn_words(d.meeting.start),
        ends: model::vn_words(d.meeting.end),
        mine,
        errors,
        d,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    Ok(detail_view(&state, c, &v, &id, FormErrors::default())
        .await?
        .into_response())
}

/// What a change from the page answers: back to the meeting, or the page with the message.
async fn answered<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<T, AppError>,
    anchor: &str,
) -> PageResult<Response> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}#{anchor}")).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = detail_view(state, c, v, id, FormErrors(e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A điểm cầu's answer from the page.
#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    pub unit_code: String,
    /// `attend` or `decline`.
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub attendees: String,
}

async fn answer(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<AnswerForm>,
) -> PageResult<Response> {
    let a = Answer {
        unit_code: f.unit_code,
        attend: f.answer == "attend",
        attendees: Some(f.attendees),
    };
    let r = service::answer(&state, &v, parse_id(&id)?, &a).await;
    answered(&state, c, &v, &id, r, "units").await
}

/// The check-in code typed on the page.
#[derive(Debug, Default, Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    pub code: String,
}

async fn check_in(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<CheckInForm>,
) -> PageResult<Response> {
    let r = super::attend::check_in(&state, &v, parse_id(&id)?, &f.code).await;
    answered(&state, c, &v, &id, r, "attendance").await
}
