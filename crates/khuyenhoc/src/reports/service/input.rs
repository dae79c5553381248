//! What a form or an API call sends to save a report, checked against the template: known keys
//! of the right kind, whole numbers, texts within length, overrides with their reasons.

use super::model::{Entries, Override};
use crate::error::AppError;
use khuyenhoc_reports::{is_summable, Indicator, Source, Template};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a form or an API call sends to save a report. Numbers may be typed "1.234".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveInput {
    #[serde(default)]
    pub numbers: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
    /// Computed indicators replaced by another value, each with its reason.
    #[serde(default)]
    pub overrides: BTreeMap<String, OverrideInput>,
    #[serde(default)]
    pub number_symbol: Option<String>,
    #[serde(default)]
    pub signer_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    pub value: serde_json::Value,
    #[serde(default)]
    pub reason: String,
}

/// The largest number a report line takes: fifteen digits, as many as the money caps let a
/// figure of one unit reach in a half-year (`khuyenhoc_ledger::dong`), so that the sums of a
/// roll-up stay far inside an `i64`.
const MAX_TYPED: i64 = 999_999_999_999_999;

fn number(key: &str, v: &serde_json::Value) -> Result<Option<i64>, AppError> {
    let bad = || {
        AppError::bad_request(
            format!("Chỉ tiêu \"{key}\": hãy nhập một số nguyên không âm, tối đa 15 chữ số, ví dụ 1.250"),
            format!("Indicator \"{key}\": enter a whole number of zero or more, at most 15 digits, e.g. 1250"),
        )
    };
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n
            .as_i64()
            .filter(|n| (0..=MAX_TYPED).contains(n))
            .map(Some)
            .ok_or_else(bad),
        serde_json::Value::String(s) => {
            let t: String = s
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '.' && *c != 'đ')
                .collect();
            if t.is_empty() {
                return Ok(None);
            }
            if t.len() > 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            t.parse().map(Some).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

fn unknown(key: &str) -> AppError {
    AppError::bad_request(
        format!("Mẫu báo cáo không có chỉ tiêu \"{key}\" ở loại này"),
        format!("The report template has no indicator \"{key}\" of this kind"),
    )
}

/// Checks what was sent against the template: known keys of the right kind, numbers whole and
/// not negative, texts within length, every override with a reason, only on computed
/// indicators that add up.
pub fn check_input(t: &Template, input: &SaveInput) -> Result<Entries, AppError> {
    let mut e = Entries::default();
    for (k, v) in &input.numbers {
        match t.indicator(k).map(|i| &i.source) {
            Some(Source::Number) => {}
            _ => return Err(unknown(k)),
        }
        if let Some(n) = number(k, v)? {
            e.numbers.insert(k.clone(), n);
        }
    }
    for (k, v) in &input.texts {
        if !t.indicator(k).is_some_and(Indicator::is_text) {
            return Err(unknown(k));
        }
        let text = khuyenhoc_domain::text::clean_multiline(v);
        if text.chars().count() > 20_000 {
            return Err(AppError::bad_request(
                "Mỗi phần nội dung tối đa 20.000 ký tự",
                "Each narrative part has at most 20,000 characters",
            ));
        }
        if !text.is_empty() {
            e.texts.insert(k.clone(), text);
        }
    }
    for (k, o) in &input.overrides {
        let Some(Source::Computed(m)) = t.indicator(k).map(|i| &i.source) else {
            return Err(unknown(k));
        };
        let Some(value) = number(k, &o.value)? else {
            continue;
        };
        if !is_summable(m) {
            return Err(AppError::bad_request(
                "Tỷ lệ được tính lại từ các số liệu; hãy sửa số liệu gốc thay vì sửa tỷ lệ",
                "Shares are derived from the figures: correct the figures instead",
            ));
        }
        let reason = khuyenhoc_domain::text::clean(&o.reason);
        if reason.chars().count() < 5 || reason.chars().count() > 1000 {
            return Err(AppError::bad_request(
                format!("Sửa số liệu tự tính \"{k}\" cần ghi rõ lý do (từ 5 đến 1.000 ký tự)"),
                format!("Overriding the computed \"{k}\" needs a written reason (5 to 1,000 characters)"),
            ));
        }
        e.overrides.insert(k.clone(), Override { value, reason });
    }
    Ok(e)
}

/// An optional short text of a report (number and symbol, signer's name) within its declared
/// limit (`khuyenhoc_domain::limits`): 422 naming the field otherwise.
pub(super) fn short_text(
    field: &'static str,
    v: Option<&str>,
    limit: &khuyenhoc_domain::Limit,
) -> Result<Option<String>, AppError> {
    match v {
        None => Ok(None),
        Some(s) => limit
            .check(s)
            .map(|c| Some(c).filter(|c| !c.is_empty()))
            .map_err(|e| AppError::field(field, e)),
    }
}
