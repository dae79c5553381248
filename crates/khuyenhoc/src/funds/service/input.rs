//! Values typed into fund forms and API calls (amounts, dates in 2000–2100, report periods,
//! texts within their declared limits), each error placed on its field.

use crate::error::AppError;
use khuyenhoc_domain::{Invalid, Limit};
use khuyenhoc_ledger::{Date, Dong, Period};

pub(super) fn invalid(field: &'static str, e: Invalid) -> AppError {
    AppError::field(field, e)
}

/// An optional text within its limit (see `khuyenhoc_domain::limits`), cleaned; blank is
/// `None`. Too long or with a control character: 422 naming the field.
pub fn limited(
    field: &'static str,
    s: Option<&str>,
    limit: &Limit,
) -> Result<Option<String>, AppError> {
    match s {
        None => Ok(None),
        Some(s) => limit
            .check(s)
            .map(|c| Some(c).filter(|c| !c.is_empty()))
            .map_err(|e| invalid(field, e)),
    }
}

/// A date typed for `field` (2000–2100), today when empty.
pub fn typed_date(field: &'static str, s: Option<&str>) -> Result<Date, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Date::parse_typed(s).map_err(|e| invalid(field, e)),
        None => Date::parse(&crate::db::today()).map_err(|e| invalid(field, e)),
    }
}

/// An amount typed as text or sent as a JSON number: whole đồng, positive.
pub fn parse_amount(v: &serde_json::Value) -> Result<Dong, AppError> {
    let bad = || {
        invalid(
            "amount",
            Invalid::new(
                "Số tiền phải là số đồng nguyên dương, ví dụ 1.500.000",
                "The amount must be whole đồng above zero, e.g. 1500000",
            ),
        )
    };
    let d = match v {
        serde_json::Value::String(s) => Dong::parse(s).map_err(|e| invalid("amount", e))?,
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) if i > 0 => Dong::parse(&i.to_string()).map_err(|e| invalid("amount", e))?,
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    if d.get() <= 0 {
        return Err(bad());
    }
    Ok(d)
}

pub(super) fn parse_date(s: Option<&str>) -> Result<Date, AppError> {
    typed_date("date", s)
}

pub fn parse_period(from: Option<&str>, to: Option<&str>) -> Result<Period, AppError> {
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let from = match from.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Date::parse_typed(s).map_err(|e| invalid("from", e))?,
        None => Date::parse(&format!("{year}-01-01")).map_err(|e| invalid("from", e))?,
    };
    let to = match to.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Date::parse_typed(s).map_err(|e| invalid("to", e))?,
        None => Date::parse(&format!("{year}-12-31")).map_err(|e| invalid("to", e))?,
    };
    Period::new(from, to).map_err(|e| invalid("to", e))
}
