//! Typed member fields: days, join dates, card numbers, sector tags, populations.

use crate::db::today;
use crate::error::{AppError, FieldError};
use crate::members::model::{self};
use khuyenhoc_domain::Invalid;
use khuyenhoc_ledger::Date;

pub(super) fn invalid(field: &'static str, e: Invalid) -> AppError {
    AppError::field(field, e)
}

pub fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Utc::now()))
}

/// The year the Association was founded: no member joined, and no fee was paid, before it.
pub const FIRST_YEAR: i64 = 1996;

/// A day typed as `YYYY-MM-DD` or `DD/MM/YYYY`, not after today; today when empty. Stored form.
pub fn parse_day(s: Option<&str>, field: &'static str) -> Result<String, AppError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(today());
    };
    let d = Date::parse(s).map_err(|e| invalid(field, e))?.to_string();
    if d > today() {
        return Err(invalid(
            field,
            Invalid::new(
                "Ngày không được sau hôm nay",
                "The date cannot be after today",
            ),
        ));
    }
    if d.as_str() < "1900-01-01" {
        return Err(invalid(field, khuyenhoc_ledger::errors::BAD_DATE));
    }
    Ok(d)
}

/// The join date: required, not after today.
pub fn parse_joined(s: &str) -> Result<String, AppError> {
    if s.trim().is_empty() {
        return Err(invalid(
            "joined_on",
            Invalid::new(
                "Cần ghi ngày vào Hội (ví dụ 15/03/2020)",
                "Give the day the member joined (e.g. 15/03/2020)",
            ),
        ));
    }
    parse_day(Some(s), "joined_on")
}

/// A card number: optional, at most 30 characters without control characters.
pub fn parse_card(s: Option<&str>) -> Result<Option<String>, AppError> {
    let c = khuyenhoc_domain::text::clean(s.unwrap_or(""));
    if c.is_empty() {
        return Ok(None);
    }
    if c.chars().count() > 30 || c.chars().any(char::is_control) {
        return Err(invalid(
            "card_no",
            Invalid::new(
                "Số thẻ hội viên tối đa 30 ký tự",
                "A card number has at most 30 characters",
            ),
        ));
    }
    Ok(Some(c))
}

/// Sectors as typed (codes or labels): the stored, space-separated form.
pub fn parse_sectors<S: AsRef<str>>(typed: &[S]) -> Result<String, AppError> {
    let mut codes = vec![];
    for t in typed
        .iter()
        .map(AsRef::as_ref)
        .filter(|t| !t.trim().is_empty())
    {
        codes.push(crate::members::sector_of(t).ok_or_else(|| {
            invalid(
                "sectors",
                Invalid::new(
                    "Lĩnh vực chỉ gồm: Đại học, Doanh nghiệp, Lực lượng vũ trang, Đảng viên",
                    "Sectors are: university, enterprise, armed_forces, party",
                ),
            )
        })?);
    }
    Ok(model::sectors_text(&codes))
}

pub(super) fn collect<T>(
    errors: &mut Vec<FieldError>,
    r: Result<T, AppError>,
) -> Result<Option<T>, AppError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::Invalid(f)) => {
            errors.extend(f);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// One of the populations the national targets count (households, clans, communities,
/// organisations), typed like a population; empty means not recorded.
pub fn parse_count(field: &'static str, s: &str) -> Result<Option<i64>, AppError> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    parse_population(s).map(Some).map_err(|_| {
        invalid(
            field,
            Invalid::new(
                "Cần một số nguyên không âm, ví dụ 1.250 (để trống nếu chưa có)",
                "A whole number, e.g. 1250 (leave empty when not known)",
            ),
        )
    })
}

/// A population typed with or without thousands separators ("12.345", "12 345").
pub fn parse_population(s: &str) -> Result<i64, AppError> {
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .collect();
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=200_000_000).contains(n))
        .ok_or_else(|| {
            invalid(
                "population",
                Invalid::new(
                    "Dân số là một số nguyên không âm, ví dụ 12.345",
                    "The population is a whole number, e.g. 12345",
                ),
            )
        })
}
