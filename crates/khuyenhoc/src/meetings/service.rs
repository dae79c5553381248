//! What officers and participants do with meetings, for the pages and the API alike: inputs
//! checked field by field, scope asked of the Viewer (the host's `unit.manage` changes a
//! meeting; an invited unit's `unit.manage` answers for it; rights never climb), one transaction
//! per change with its audit entry; invitations and reminders through notifications and the
//! job queue in the same transaction.

use super::model::{self, Detail, Meeting, KINDS, VIETNAM};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::cooperation::service::{optional, required};
use crate::db::{now, Db, Tx};
use crate::documents::recipients::{self, Choice};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::limits;
use khuyenhoc_domain::{text, Invalid};
use serde::Deserialize;

pub(super) fn invalid(field: &'static str, vi: &'static str, en: &'static str) -> AppError {
    AppError::field(field, Invalid::new(vi, en))
}

pub(super) fn wrong_state(vi: &'static str, en: &'static str) -> AppError {
    AppError::Unprocessable {
        vi: vi.into(),
        en: en.into(),
    }
}

/// A moment typed in Vietnam time (`2026-12-10T08:00`, the form's picker, or `10/12/2026 08:00`),
/// in 2000–2100, as Unix seconds.
pub fn moment(field: &'static str, s: &str) -> Result<i64, AppError> {
    let s = s.trim();
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%d/%m/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
    .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
    .map(|d| d.and_utc().timestamp() - VIETNAM)
    .ok_or_else(|| {
        invalid(
            field,
            "Thời gian phải có dạng dd/mm/yyyy hh:mm (giờ Việt Nam, năm 2000–2100)",
            "A time must look like dd/mm/yyyy hh:mm (Vietnam time, years 2000–2100)",
        )
    })
}

/// A new meeting (or its edit) as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
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
    pub place: Option<String>,
    /// `true`: generate a room on the configured server.
    #[serde(default)]
    pub generate_room: bool,
    /// Any `https://` address of a room elsewhere.
    #[serde(default)]
    pub room_url: Option<String>,
    /// The điểm cầu, chosen like a document's recipients.
    #[serde(default)]
    pub invitees: Vec<Choice>,
    /// People invited by name (ids).
    #[serde(default)]
    pub people: Vec<i64>,
}

/// The most people invited by name.
const MAX_PEOPLE: usize = 500;

struct Checked {
    kind: &'static str,
    title: String,
    agenda: String,
    start: i64,
    end: i64,
    place: Option<String>,
    room_url: Option<String>,
    invitees: String,
    people: Vec<i64>,
}

/// A room name nobody guesses: 128 random bits.
fn room_name() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("khuyenhoc-{}", hex::encode(b))
}

/// The online room: a given `https://` address, a room generated on the configured server (or
/// the meeting's own, kept on an edit), or none.
fn room(
    state: &AppState,
    given: Option<String>,
    generate: bool,
    keep_room: Option<&str>,
) -> Result<Option<String>, AppError> {
    Ok(match (given, generate) {
        (Some(u), _) => {
            let ok = url::Url::parse(&u)
                .ok()
                .filter(|p| p.scheme() == "https" && p.host_str().is_some());
            if ok.is_none() {
                return Err(invalid(
                    "room_url",
                    "Đường dẫn phòng họp phải bắt đầu bằng https://",
                    "The room link must start with https://",
                ));
            }
            Some(u)
        }
        (None, true) => Some(match keep_room {
            Some(r) => r.to_owned(),
            None => format!(
                "{}/{}",
                state.settings.meeting_room_base.trim_end_matches('/'),
                room_name()
            ),
        }),
        (None, false) => None,
    })
}

fn check(state: &AppState, f: &NewMeeting, keep_room: Option<&str>) -> Result<Checked, AppError> {
    let kind = KINDS
        .iter()
        .find(|k| k.0 == f.kind.trim())
        .map(|k| k.0)
        .ok_or_else(|| {
            invalid(
                "kind",
                "Hãy chọn hội nghị, giao ban hoặc tập huấn",
                "Choose a conference, a briefing or a training",
            )
        })?;
    let title = required("title", &f.title, &limits::TITLE)?;
    let agenda = limits::LONG_TEXT
        .check(&f.agenda)
        .map_err(|e| AppError::field("agenda", e))?;
    let start = moment("starts_at", &f.starts_at)?;
    let end = moment("ends_at", &f.ends_at)?;
    if end <= start {
        return Err(invalid(
            "ends_at",
            "Giờ kết thúc phải sau giờ bắt đầu",
            "The end must come after the start",
        ));
    }
    let place = optional("place", f.place.as_deref(), &limits::DESCRIPTION)?;
    let given = optional("room_url", f.room_url.as_deref(), &limits::DESCRIPTION)?;
    let room_url = room(state, given, f.generate_room, keep_room)?;
    if place.is_none() && room_url.is_none() {
        return Err(invalid(
            "place",
            "Hãy nhập địa điểm hoặc chọn phòng họp trực tuyến",
            "Give a place or an online room",
        ));
    }
    recipients::check(&f.invitees).map_err(|_| {
        invalid(
            "invitees",
            "Hãy chọn các điểm cầu (đơn vị được mời)",
            "Choose the invited units",
        )
    })?;
    let invitees = serde_json::to_string(&f.invitees)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("invitees: {e}")))?;
    let mut people = f.people.clone();
    people.sort_unstable();
    people.dedup();
    if people.len() > MAX_PEOPLE {
        return Err(invalid(
            "people",
            "Mời tối đa 500 người theo tên",
            "Invite at most 500 people by name",
        ));
    }
    Ok(Checked {
        kind,
        title,
        agenda,
        start,
        end,
        place,
        room_url,
        invitees,
        people,
    })
}

/// A check-in code: 8 characters without look-alikes (40 bits).
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..8)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// The people invited by name, each an existing person the host reads or the people of its
/// subtree (a person outside is refused as unknown).
async fn check_people(tx: &mut Tx<'_>, host_path: &str, people: &[i64]) -> Result<(), AppError> {
    for id in people {
        let home: Option<String> = sqlx::query_scalar(
            "SELECT u.path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        if !home.is_some_and(|p| p.starts_with(host_path)) {
            return Err(invalid(
                "people",
                "Người được mời phải thuộc đơn vị chủ trì hoặc cấp dưới",
                "An invited person must belong to the host unit or below",
            ));
        }
    }
    Ok(())
}

fn audit_json(m: &Meeting) -> Option<serde_json::Value> {
    audit::json(m)
}

/// Creates a meeting hosted by the unit `code` (`unit.manage` there); invitations go with
/// [`invite`].
pub async fn create(
    state: &AppState,
    v: &Viewer,
    code: &str,
    f: &NewMeeting,
) -> Result<Meeting, AppError> {
    let db = &state.db;
    let (unit, actor) = crate::org::service::with_right(db, v, code, perm::UNIT_MANAGE).await?;
    if !unit.is_open() {
        return Err(AppError::NotFound);
    }
    let c = check(state, f, None)?;
    let mut tx = db.begin().await?;
    check_people(&mut tx, &unit.path, &c.people).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (unit_id, kind, title, title_folded, agenda, starts_at, ends_at, place, \
         room_url, invitees_json, checkin_code, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(unit.id)
    .bind(c.kind)
    .bind(&c.title)
    .bind(text::fold(&c.title))
    .bind(&c.agenda)
    .bind(c.start)
    .bind(c.end)
    .bind(&c.place)
    .bind(&c.room_url)
    .bind(&c.invitees)
    .bind(new_code())
    .bind(now())
    .bind(v.person_id)
    .fetch_one(&mut *tx)
    .await?;
    for p in &c.people {
        sqlx::query("INSERT INTO meeting_people (meeting_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(p)
            .execute(&mut *tx)
            .await?;
    }
    let m = model::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "meeting",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: audit_json(&m),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// The meeting and the actor changing it: the host's `unit.manage` ("not found" otherwise).
pub(super) async fn managed(db: &Db, v: &Viewer, id: i64) -> Result<(Meeting, Actor), AppError> {
    let m = model::readable(db, v, id).await?;
    let actor = v.actor_for(perm::UNIT_MANAGE, &m.unit_path)?;
    Ok((m, actor))
}

/// Whether the viewer manages the meeting.
pub fn may_manage(v: &Viewer, m: &Meeting) -> bool {
    v.position_for(perm::UNIT_MANAGE, &m.unit_path).is_some()
}

/// The meeting with everything it holds, if the viewer reads it.
pub async fn read(state: &AppState, v: &Viewer, id: i64) -> Result<Detail, AppError> {
    let m = model::readable(&state.db, v, id).await?;
    let manage = may_manage(v, &m);
    model::detail(&state.db, m, manage, state.clock.now().timestamp()).await
}

/// Changes a meeting's title, kind, agenda, times, place and room (the host); the điểm cầu
/// only until the invitations are sent.
pub async fn edit(
    state: &AppState,
    v: &Viewer,
    id: i64,
    f: &NewMeeting,
) -> Result<Meeting, AppError> {
    let (m, actor) = managed(&state.db, v, id).await?;
    let c = check(state, f, m.room_url.as_deref().filter(|_| f.generate_room))?;
    if m.invited && c.invitees != m.invitees_json {
        return Err(invalid(
            "invitees",
            "Đã gửi giấy mời: không đổi được các điểm cầu",
            "The invitations were sent: the invited units cannot change",
        ));
    }
    let mut tx = state.db.begin().await?;
    check_people(&mut tx, &m.unit_path, &c.people).await?;
    sqlx::query(
        "UPDATE meetings SET kind = $1, title = $2, title_folded = $3, agenda = $4, starts_at = $5, \
         ends_at = $6, place = $7, room_url = $8, invitees_json = $9 WHERE id = $10",
    )
    .bind(c.kind)
    .bind(&c.title)
    .bind(text::fold(&c.title))
    .bind(&c.agenda)
    .bind(c.start)
    .bind(c.end)
    .bind(&c.place)
    .bind(&c.room_url)
    .bind(&c.invitees)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    for p in &c.people {
        sqlx::query(
            "INSERT INTO meeting_people (meeting_id, person_id) VALUES ($1, $2) \
             ON CONFLICT (meeting_id, person_id) DO NOTHING",
        )
        .bind(id)
        .bind(p)
        .execute(&mut *tx)
        .await?;
    }
    let after = model::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.unit_id),
            entity: "meeting",
            entity_id: id.to_string(),
            action: "update",
            before: audit_json(&m),
            after: audit_json(&after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sends the invitations: the điểm cầu resolved from the choice and frozen, every participant
/// told, the reminders (a day and an hour before) queued once each.
pub async fn invite(state: &AppState, v: &Viewer, id: i64) -> Result<Detail, AppError> {
    let (m, actor) = managed(&state.db, v, id).await?;
    let choices: Vec<Choice> = serde_json::from_str(&m.invitees_json)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored invitees: {e}")))?;
    let mut tx = state.db.begin().await?;
    let taken =
        sqlx::query("UPDATE meetings SET invited_at = $1 WHERE id = $2 AND invited_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if taken.rows_affected() != 1 {
        return Err(wrong_state(
            "Giấy mời đã được gửi",
            "The invitations were sent already",
        ));
    }
    let receivers = recipients::resolve(&mut tx, &m.unit_path, &choices).await?;
    let backend = tx.backend();
    for chunk in receivers.chunks(1_000) {
        let values = crate::db::rows::values(backend, chunk.len(), &format!("({id}, ?)"));
        let sql = format!("INSERT INTO meeting_units (meeting_id, unit_id) VALUES {values}");
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q.bind(r.unit_id);
        }
        q.execute(&mut *tx).await?;
    }
    let (kind_vi, kind_en) = model::kind_words(&m.kind);
    let when = model::vn_words(m.start);
    let vi = format!(
        "Giấy mời {}: “{}” của {}, lúc {when}. Xác nhận tham dự tại /meetings/{id}",
        kind_vi.to_lowercase(),
        m.title,
        m.unit_name
    );
    let en = format!(
        "Invitation to a {}: “{}” by {}, at {when}. Confirm attendance at /meetings/{id}",
        kind_en.to_lowercase(),
        m.title,
        m.unit_name
    );
    super::remind::tell(&mut tx, id, &vi, &en).await?;
    let at = now();
    for (stage, before) in super::remind::STAGES {
        let run = m.start - before;
        if run > at {
            let key = format!("{}:{id}:{stage}", super::remind::REMIND_JOB);
            let payload = serde_json::json!({"meeting_id": id, "stage": stage}).to_string();
            crate::jobs::enqueue_once(&mut tx, &key, super::remind::REMIND_JOB, &payload, run)
                .await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.unit_id),
            entity: "meeting",
            entity_id: id.to_string(),
            action: "invite",
            before: None,
            after: Some(serde_json::json!({"units": receivers.len()})),
        },
    )
    .await?;
    tx.commit().await?;
    read(state, v, id).await
}

/// A điểm cầu's answer, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The invited unit answering.
    #[serde(default)]
    pub unit_code: String,
    /// `true`: attends; `false`: declines.
    #[serde(default)]
    pub attend: bool,
    /// Who attends there (names, positions).
    #[serde(default)]
    pub attendees: Option<String>,
}

/// An invited unit confirms (or declines) and names who attends: an officer with `unit.manage`
/// over that unit, before the meeting ends.
pub async fn answer(state: &AppState, v: &Viewer, id: i64, a: &Answer) -> Result<Detail, AppError> {
    let m = model::readable(&state.db, v, id).await?;
    let unit = crate::org::model::by_code(&state.db, a.unit_code.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let invited: Option<i64> = sqlx::query_scalar(
        "SELECT unit_id FROM meeting_units WHERE meeting_id = $1 AND unit_id = $2",
    )
    .bind(id)
    .bind(unit.id)
    .fetch_optional(&state.db.pool)
    .await?;
    if invited.is_none() {
        return Err(AppError::NotFound);
    }
    let actor = v.actor_for(perm::UNIT_MANAGE, &unit.path)?;
    if state.clock.now().timestamp() > m.end {
        return Err(wrong_state("Cuộc họp đã kết thúc", "The meeting is over"));
    }
    let attendees = optional("attendees", a.attendees.as_deref(), &limits::NOTE)?;
    if a.attend && attendees.is_none() {
        return Err(invalid(
            "attendees",
            "Hãy ghi tên những người tham dự",
            "Name who attends",
        ));
    }
    let answer = if a.attend { "attend" } else { "decline" };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE meeting_units SET answer = $1, attendees = $2, answered_at = $3, answered_by = $4 \
         WHERE meeting_id = $5 AND unit_id = $6",
    )
    .bind(answer)
    .bind(&attendees)
    .bind(now())
    .bind(v.person_id)
    .bind(id)
    .bind(unit.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "meeting_unit",
            entity_id: format!("{id}:{}", unit.code),
            action: "answer",
            before: None,
            after: Some(serde_json::json!({"answer": answer, "attendees": attendees})),
        },
    )
    .await?;
    tx.commit().await?;
    read(state, v, id).await
}
