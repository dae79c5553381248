//! **Meetings** (hội nghị, giao ban, tập huấn; issue 18 item 2): a meeting hosted by a unit, with
//! its agenda, times (Vietnam time), place and/or online room (generated on the configured
//! Jitsi-compatible server, `meeting_room_base`, or any https address; its link shown to
//! participants from 30 minutes before the start until the end), invited units (điểm cầu,
//! chosen like a document's recipients through `documents::recipients`, frozen when the
//! invitations are sent) and people; each điểm cầu confirms and names who attends; attendance
//! taken by the host or by check-in with the code shown in the room; documents linked before,
//! the minutes issued after as a document (biên bản) to the units that attended; invitations
//! and reminders through notifications and the job queue; the `.ics` of a meeting and a
//! person's calendar feed. Trainings attended count in the lifelong-learning record
//! (`record::model::trainings`).
//!
//! Files: `model` (what a meeting is, who reads it, one meeting's detail, a unit's list),
//! `service` (checked inputs, creating, editing, inviting, answering), `attend` (check-in, marking present, documents, the minutes), `remind` (the reminder job), `ics` (iCalendar
//! files and the feed's tokens), `api` (the JSON API and the calendar files), `pages`.

pub mod api;
pub mod attend;
pub mod ics;
pub mod model;
pub mod pages;
pub mod remind;
pub mod service;

/// The job kinds of this capability (gathered by `crate::background`).
pub fn register(reg: &mut crate::jobs::Registry) {
    reg.handle(remind::REMIND_JOB, remind::remind_job);
}

/// The pages and the API of this capability.
pub fn routes() -> Vec<crate::web::route::Route> {
    let mut r = pages::routes();
    r.extend(api::routes());
    r
}
