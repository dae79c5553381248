//! Meetings in the database: what a meeting is, who reads it (the host's officers and those
//! above, the officers of an invited unit or of a unit between it and the host, the people
//! invited or marked present), one meeting with its điểm cầu, people, attendance and documents,
//! and a unit's meetings paged by key.

use crate::auth::{InScope, Viewer};
use crate::db::Db;
use crate::error::AppError;
use crate::org::path_upper_bound;
use crate::web::list::{page_of, Cursor, ListPage, Search};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The kinds of meeting (code, Vietnamese, English).
pub const KINDS: &[(&str, &str, &str)] = &[
    ("conference", "Hội nghị", "Conference"),
    ("briefing", "Giao ban", "Briefing"),
    ("training", "Tập huấn", "Training"),
];

/// How long before the start the room link and the check-in open, in seconds.
pub const OPENS_BEFORE: i64 = 30 * 60;

/// Vietnam's offset from UTC (no summer time).
pub const VIETNAM: i64 = 7 * 3600;

/// The kind's name in both languages.
pub fn kind_words(code: &str) -> (&'static str, &'static str) {
    KINDS
        .iter()
        .find(|k| k.0 == code)
        .map_or(("Cuộc họp", "Meeting"), |k| (k.1, k.2))
}

/// A moment (Unix seconds) as Vietnam's local time, `2026-12-10T08:00:00+07:00`.
pub fn vn_time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at + VIETNAM, 0)
        .map(|d| format!("{}+07:00", d.format("%Y-%m-%dT%H:%M:%S")))
        .unwrap_or_default()
}

/// A moment as people read it in Vietnam: `08:00 10/12/2026`.
pub fn vn_words(at: i64) -> String {
    chrono::DateTime::from_timestamp(at + VIETNAM, 0)
        .map(|d| d.format("%H:%M %d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// A meeting as its readers see it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Meeting {
    pub id: i64,
    /// The host unit.
    pub unit_code: String,
    pub unit_name: String,
    /// conference (hội nghị), briefing (giao ban), training (tập huấn)
    pub kind: String,
    pub title: String,
    pub agenda: String,
    /// Vietnam time, RFC 3339: `2026-12-10T08:00:00+07:00`
    pub starts_at: String,
    /// Vietnam time, RFC 3339
    pub ends_at: String,
    pub place: Option<String>,
    /// Whether the meeting has an online room (its link is shown to participants only from 30
    /// minutes before the start until the end).
    pub online: bool,
    /// Whether the invitations were sent (the điểm cầu are then frozen).
    pub invited: bool,
    /// The minutes (biên bản), a document, once written.
    pub minutes_document_id: Option<i64>,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub start: i64,
    #[serde(skip)]
    pub end: i64,
    #[serde(skip)]
    pub room_url: Option<String>,
    #[serde(skip)]
    pub invitees_json: String,
    #[serde(skip)]
    pub checkin_code: String,
}

impl InScope for Meeting {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

impl Meeting {
    /// Whether `now` lies in the window where the room and the check-in are open.
    pub fn is_open_at(&self, now: i64) -> bool {
        now >= self.start - OPENS_BEFORE && now <= self.end
    }
}

const COLUMNS: &str = "m.id, u.code, u.name, m.kind, m.title, m.agenda, m.starts_at, m.ends_at, \
    m.place, m.room_url, m.invited_at, m.minutes_document_id, m.unit_id, u.path, m.invitees_json, \
    m.checkin_code";
const FROM: &str = "meetings m JOIN units u ON u.id = m.unit_id";

fn meeting_of(r: &AnyRow) -> Result<Meeting, sqlx::Error> {
    let start: i64 = r.try_get(6)?;
    let end: i64 = r.try_get(7)?;
    let room_url: Option<String> = r.try_get(9)?;
    let invited_at: Option<i64> = r.try_get(10)?;
    Ok(Meeting {
        id: r.try_get(0)?,
        unit_code: r.try_get(1)?,
        unit_name: r.try_get(2)?,
        kind: r.try_get(3)?,
        title: r.try_get(4)?,
        agenda: r.try_get(5)?,
        starts_at: vn_time(start),
        ends_at: vn_time(end),
        place: r.try_get(8)?,
        online: room_url.is_some(),
        invited: invited_at.is_some(),
        minutes_document_id: r.try_get(11)?,
        unit_id: r.try_get(12)?,
        unit_path: r.try_get(13)?,
        start,
        end,
        room_url,
        invitees_json: r.try_get(14)?,
        checkin_code: r.try_get(15)?,
    })
}

/// The meeting `id`, whoever asks.
pub async fn by_id<'e, E>(exec: E, id: i64) -> Result<Option<Meeting>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?
        .as_ref()
        .map(meeting_of)
        .transpose()
}

/// Whether the viewer reads the meeting: a position over the host; a position at an invited
/// unit or at a unit above one (within the host's subtree, where invited units lie); invited by
/// name; or marked present.
pub async fn may_read(db: &Db, v: &Viewer, m: &Meeting) -> Result<bool, AppError> {
    if v.can_read(&m.unit_path) {
        return Ok(true);
    }
    for p in &v.positions {
        let hit: Option<i64> = sqlx::query_scalar(
            "SELECT mu.meeting_id FROM meeting_units mu JOIN units u ON u.id = mu.unit_id \
             WHERE mu.meeting_id = $1 AND u.path >= $2 AND u.path < $3 LIMIT 1",
        )
        .bind(m.id)
        .bind(&p.unit_path)
        .bind(path_upper_bound(&p.unit_path))
        .fetch_optional(&db.pool)
        .await?;
        if hit.is_some() {
            return Ok(true);
        }
    }
    let person: Option<i64> = sqlx::query_scalar(
        "SELECT person_id FROM meeting_people WHERE meeting_id = $1 AND person_id = $2 \
         UNION SELECT person_id FROM meeting_attendance WHERE meeting_id = $1 AND person_id = $2",
    )
    .bind(m.id)
    .bind(v.person_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(person.is_some())
}

/// The meeting `id` if the viewer reads it; else "not found".
pub async fn readable(db: &Db, v: &Viewer, id: i64) -> Result<Meeting, AppError> {
    let m = by_id(&db.pool, id).await?.ok_or(AppError::NotFound)?;
    if may_read(db, v, &m).await? {
        Ok(m)
    } else {
        Err(AppError::NotFound)
    }
}

/// An invited unit (điểm cầu) and its answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MeetingUnit")]
pub struct InvitedUnit {
    pub code: String,
    pub name: String,
    /// attend, decline; none while unanswered
    pub answer: Option<String>,
    /// Who attends there, as the unit named them.
    pub attendees: Option<String>,
    #[serde(skip)]
    pub path: String,
}

/// A person invited by name, or present.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MeetingPerson")]
pub struct PersonRef {
    pub person_id: i64,
    pub full_name: String,
}

/// A person marked present.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MeetingAttendee")]
pub struct Attendee {
    pub person_id: i64,
    pub full_name: String,
    /// host (marked by the host), code (checked in with the meeting's code)
    pub how: String,
    /// Vietnam time, RFC 3339
    pub at: String,
}

/// A document linked to the meeting.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MeetingDocument")]
pub struct LinkedDocument {
    pub id: i64,
    pub symbol: Option<String>,
    pub summary: String,
}

/// The counts of a meeting's answers and attendance.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MeetingCounts")]
pub struct Counts {
    pub units: i64,
    pub attending: i64,
    pub declined: i64,
    pub unanswered: i64,
    pub present: i64,
}

/// One meeting and everything it holds, as the viewer may see it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MeetingDetail")]
pub struct Detail {
    pub meeting: Meeting,
    /// The online room's link, shown from 30 minutes before the start until the end; none
    /// otherwise (see `room_note`).
    pub room_link: Option<String>,
    /// Why the room link is not shown, in Vietnamese (none when shown or without a room).
    pub room_note: Option<String>,
    /// Whether the viewer manages the meeting (the host's `unit.manage`).
    pub may_manage: bool,
    /// The check-in code, for the host to show in the room; only to those who manage.
    pub checkin_code: Option<String>,
    /// The choice of điểm cầu as asked, in Vietnamese.
    pub invitees: String,
    pub counts: Counts,
    pub units: Vec<InvitedUnit>,
    pub people: Vec<PersonRef>,
    pub attendance: Vec<Attendee>,
    pub documents: Vec<LinkedDocument>,
}

/// The invited units of a meeting, in path order.
pub async fn units(db: &Db, id: i64) -> Result<Vec<InvitedUnit>, sqlx::Error> {
    sqlx::query(
        "SELECT u.code, u.name, mu.answer, mu.attendees, u.path FROM meeting_units mu \
         JOIN units u ON u.id = mu.unit_id WHERE mu.meeting_id = $1 ORDER BY u.path",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(InvitedUnit {
            code: r.try_get(0)?,
            name: r.try_get(1)?,
            answer: r.try_get(2)?,
            attendees: r.try_get(3)?,
            path: r.try_get(4)?,
        })
    })
    .collect()
}

/// The people invited by name, by name.
async fn people(db: &Db, id: i64) -> Result<Vec<PersonRef>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.full_name FROM meeting_people mp JOIN people p ON p.id = mp.person_id \
         WHERE mp.meeting_id = $1 ORDER BY p.full_name, p.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PersonRef {
            person_id: r.try_get(0)?,
            full_name: r.try_get(1)?,
        })
    })
    .collect()
}

/// Those present, in the order they came.
async fn attendance(db: &Db, id: i64) -> Result<Vec<Attendee>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.full_name, a.how, a.at FROM meeting_attendance a \
         JOIN people p ON p.id = a.person_id WHERE a.meeting_id = $1 ORDER BY a.at, p.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Attendee {
            person_id: r.try_get(0)?,
            full_name: r.try_get(1)?,
            how: r.try_get(2)?,
            at: vn_time(r.try_get(3)?),
        })
    })
    .collect()
}

/// The documents linked to the meeting.
async fn documents(db: &Db, id: i64) -> Result<Vec<LinkedDocument>, sqlx::Error> {
    sqlx::query(
        "SELECT d.id, d.symbol, d.summary FROM meeting_documents md \
         JOIN documents d ON d.id = md.document_id WHERE md.meeting_id = $1 ORDER BY d.id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(LinkedDocument {
            id: r.try_get(0)?,
            symbol: r.try_get(1)?,
            summary: r.try_get(2)?,
        })
    })
    .collect()
}

/// Everything of the meeting `m` for the viewer, `now` deciding whether the room link shows.
pub async fn detail(db: &Db, m: Meeting, may_manage: bool, now: i64) -> Result<Detail, AppError> {
    let units = units(db, m.id).await?;
    let people = people(db, m.id).await?;
    let attendance = attendance(db, m.id).await?;
    let documents = documents(db, m.id).await?;
    let mut counts = Counts {
        units: i64::try_from(units.len()).unwrap_or(i64::MAX),
        present: i64::try_from(attendance.len()).unwrap_or(i64::MAX),
        ..Counts::default()
    };
    for u in &units {
        let c = match u.answer.as_deref() {
            Some("attend") => &mut counts.attending,
            Some(_) => &mut counts.declined,
            None => &mut counts.unanswered,
        };
        *c = c.saturating_add(1);
    }
    let (room_link, room_note) = match &m.room_url {
        None => (None, None),
        Some(url) if m.is_open_at(now) => (Some(url.clone()), None),
        Some(_) if now > m.end => (None, Some("Cuộc họp đã kết thúc.".to_owned())),
        Some(_) => (
            None,
            Some(format!(
                "Đường dẫn phòng họp trực tuyến hiện ra từ {} (30 phút trước giờ bắt đầu).",
                vn_words(m.start - OPENS_BEFORE)
            )),
        ),
    };
    let choices: Vec<crate::documents::recipients::Choice> =
        serde_json::from_str(&m.invitees_json).unwrap_or_default();
    let invitees = crate::documents::recipients::describe(&choices).0;
    Ok(Detail {
        checkin_code: may_manage.then(|| m.checkin_code.clone()),
        meeting: m,
        room_link,
        room_note,
        may_manage,
        invitees,
        counts,
        units,
        people,
        attendance,
        documents,
    })
}

/// The meetings a unit hosts or is invited to, newest first, searched by folded title, paged by
/// key (start, id).
pub async fn of_unit(
    db: &Db,
    unit_id: i64,
    q: Option<&Search>,
    cursor: Option<&Cursor>,
    per_page: i64,
) -> Result<ListPage<Meeting>, AppError> {
    let filter = "(m.unit_id = $1 OR EXISTS (SELECT 1 FROM meeting_units mu \
        WHERE mu.meeting_id = m.id AND mu.unit_id = $1)) \
        AND ($2 IS NULL OR m.title_folded LIKE $2 ESCAPE '\\')";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {FROM} WHERE {filter}"))
        .bind(unit_id)
        .bind(q.map(Search::pattern))
        .fetch_one(&db.pool)
        .await?;
    let (after, after_id) = match cursor {
        Some(c) => (Some(c.int()?), c.id),
        None => (None, 0),
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE {filter} AND ($3 IS NULL OR m.starts_at < $3 OR \
         (m.starts_at = $3 AND m.id < $4)) ORDER BY m.starts_at DESC, m.id DESC LIMIT $5"
    ))
    .bind(unit_id)
    .bind(q.map(Search::pattern))
    .bind(after)
    .bind(after_id)
    .bind(per_page + 1)
    .fetch_all(&db.pool)
    .await?;
    let items = rows.iter().map(meeting_of).collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(items, per_page, total, |m| Cursor {
        key: serde_json::Value::from(m.start),
        id: m.id,
    }))
}

/// The meetings of a person's calendar: those they were invited to by name, those of the units
/// where they hold a position (hosted or invited), newest first, at most 500.
pub async fn of_person(db: &Db, person_id: i64) -> Result<Vec<Meeting>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE m.id IN ( \
           SELECT meeting_id FROM meeting_people WHERE person_id = $1 \
           UNION SELECT mu.meeting_id FROM meeting_units mu JOIN positions s ON s.unit_id = mu.unit_id \
             JOIN position_holdings h ON h.position_id = s.id AND h.to_at IS NULL WHERE h.person_id = $1 \
           UNION SELECT m2.id FROM meetings m2 JOIN positions s ON s.unit_id = m2.unit_id \
             JOIN position_holdings h ON h.position_id = s.id AND h.to_at IS NULL WHERE h.person_id = $1) \
         ORDER BY m.starts_at DESC, m.id DESC LIMIT 500"
    ))
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(meeting_of)
    .collect()
}
