//! The interface language: Vietnamese first, English on request (cookie `lang=en`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use std::convert::Infallible;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// Picks the text of the current language. Templates call `l.t("…", "…")`.
    pub fn t<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn is_en(&self) -> bool {
        *self == Lang::En
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(match jar.get("lang").map(|c| c.value()) {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        })
    }
}

/// A `YYYY-MM-DD` date as people in Vietnam write it: `06/12/2026`.
/// The date in Vietnam (UTC+7, no summer time) at an instant.
pub fn vn_date(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    chrono::FixedOffset::east_opt(7 * 3600)
        .map_or(at.date_naive(), |vn| at.with_timezone(&vn).date_naive())
}

pub fn day(iso: &str) -> String {
    match (iso.get(..4), iso.get(5..7), iso.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

/// The day in Vietnam of a stored instant (seconds since the epoch), as dd/mm/yyyy.
pub fn date_of(at: &Option<i64>) -> String {
    at.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| vn_date(t).format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod vn_date_tests {
    use chrono::TimeZone;

    #[test]
    fn the_vietnamese_day_turns_at_17_utc() {
        let at = |h, m| chrono::Utc.with_ymd_and_hms(2026, 12, 6, h, m, 0).single();
        let day = |h, m| at(h, m).map(super::vn_date).map(|d| d.to_string());
        assert_eq!(day(16, 59).as_deref(), Some("2026-12-06"));
        // 00:30 on 7 December in Hà Nội is still 6 December in UTC.
        assert_eq!(day(17, 30).as_deref(), Some("2026-12-07"));
        assert_eq!(day(23, 59).as_deref(), Some("2026-12-07"));
    }
}
