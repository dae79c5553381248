//! iCalendar (RFC 5545) files of meetings: one meeting's `.ics`, and a person's calendar feed
//! reached by a secret token the person makes and withdraws (stored as its SHA-256). Written by
//! hand: lines end in CRLF and fold at 75 octets (never inside a character), text is escaped,
//! times are UTC with `Z`, each event has its UID and DTSTAMP.

use super::model::{self, Meeting};
use crate::audit::{self, Actor, Change};
use crate::auth::{random_secret, secret_hash, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;

/// Escapes a TEXT value: backslash, semicolon, comma and newlines.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets, ended by CRLF. No folded line ends with a
/// space of the text and no continuation starts with one (some readers trim them): the last
/// word's characters move to the continuation.
fn line(out: &mut String, content: &str) {
    let mut cur = String::new();
    for c in content.chars() {
        if cur.len() + c.len_utf8() > 75 {
            let mut carried = vec![];
            if c.is_whitespace() || cur.ends_with(char::is_whitespace) {
                while let Some(ch) = cur.pop() {
                    carried.push(ch);
                    if !ch.is_whitespace() && !cur.ends_with(char::is_whitespace) {
                        break;
                    }
                }
            }
            out.push_str(&cur);
            out.push_str("\r\n");
            cur = String::from(" ");
            cur.extend(carried.into_iter().rev());
        }
        cur.push(c);
    }
    out.push_str(&cur);
    out.push_str("\r\n");
}

/// A moment as an iCalendar UTC time: `20261210T010000Z`.
fn utc(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// The host of this server, for UIDs.
fn host(base: Option<&str>) -> String {
    base.and_then(|b| url::Url::parse(b).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "khuyenhoc".to_owned())
}

/// A calendar of `meetings`. The room link is not written: the meeting's page shows it from 30
/// minutes before the start, and the event links to that page.
pub fn calendar(meetings: &[Meeting], name: &str, public_url: Option<&str>, stamp: i64) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Hoi Khuyen hoc Viet Nam//khuyenhoc//VI");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    let host = host(public_url);
    let site = public_url
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    for m in meetings {
        let (kind_vi, _) = model::kind_words(&m.kind);
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:meeting-{}@{host}", m.id));
        line(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
        line(&mut out, &format!("DTSTART:{}", utc(m.start)));
        line(&mut out, &format!("DTEND:{}", utc(m.end)));
        line(
            &mut out,
            &format!("SUMMARY:{}", escape(&format!("{kind_vi}: {}", m.title))),
        );
        let mut description = format!("{} — {}", m.unit_name, m.agenda);
        if m.room_url.is_some() {
            description.push_str(
                "\nPhòng họp trực tuyến: đường dẫn hiện trên trang cuộc họp từ 30 phút trước giờ bắt đầu.",
            );
        }
        line(&mut out, &format!("DESCRIPTION:{}", escape(&description)));
        let place = match (&m.place, &m.room_url) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(_)) => Some("Trực tuyến".to_owned()),
            (None, None) => None,
        };
        if let Some(p) = place {
            line(&mut out, &format!("LOCATION:{}", escape(&p)));
        }
        if !site.is_empty() {
            line(&mut out, &format!("URL:{site}/meetings/{}", m.id));
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// A calendar token just made: the path of the feed, shown once.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "CalendarFeed")]
pub struct Feed {
    /// `/calendar/{token}.ics`: the address to subscribe to in a calendar program. Shown once;
    /// making a new one withdraws the old.
    pub path: String,
}

/// Makes the viewer's calendar token (replacing any earlier one).
pub async fn make_token(db: &Db, v: &Viewer) -> Result<Feed, AppError> {
    let token = random_secret();
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM calendar_tokens WHERE person_id = $1")
        .bind(v.person_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO calendar_tokens (person_id, token_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(v.person_id)
    .bind(secret_hash(&token))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Actor::new(v.person_id, None),
        Change {
            unit_id: None,
            entity: "calendar_token",
            entity_id: v.person_id.to_string(),
            action: "create",
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Feed {
        path: format!("/calendar/{token}.ics"),
    })
}

/// Withdraws the viewer's calendar token: the feed stops answering.
pub async fn withdraw_token(db: &Db, v: &Viewer) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let gone = sqlx::query("DELETE FROM calendar_tokens WHERE person_id = $1")
        .bind(v.person_id)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        Actor::new(v.person_id, None),
        Change {
            unit_id: None,
            entity: "calendar_token",
            entity_id: v.person_id.to_string(),
            action: "withdraw",
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person a feed's file name (`{token}.ics`) opens; "not found" for anything else.
pub async fn person_of(db: &Db, file: &str) -> Result<i64, AppError> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let found: Option<i64> =
        sqlx::query_scalar("SELECT person_id FROM calendar_tokens WHERE token_hash = $1")
            .bind(secret_hash(&token.to_ascii_lowercase()))
            .fetch_optional(&db.pool)
            .await?;
    found.ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let text = "Hội nghị ".repeat(20).trim_end().to_owned();
        line(&mut out, &format!("SUMMARY:{text}"));
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
            assert!(!l.starts_with("  ") && !l.ends_with(' '), "{l}");
        }
        assert_eq!(out.replace("\r\n ", ""), format!("SUMMARY:{text}\r\n"));
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
