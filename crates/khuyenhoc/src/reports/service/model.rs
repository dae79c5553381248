//! What a report is: what a unit typed (entries, overrides), its lines as shown or frozen, the
//! snapshot taken at submission, its status and the state shown for it, and how values are
//! written for people; with the two names every request carries (its period, its unit).

use crate::auth::Viewer;
use crate::db::Db;
use crate::error::AppError;
use crate::reports::figures::{Base, UnitRef};
use khuyenhoc_reports::{Format, Period};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a unit typed into its report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entries {
    #[serde(default)]
    pub numbers: BTreeMap<String, i64>,
    #[serde(default)]
    pub texts: BTreeMap<String, String>,
    #[serde(default)]
    pub overrides: BTreeMap<String, Override>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Override {
    pub value: i64,
    pub reason: String,
}

/// One indicator of a report as shown or frozen.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ReportLine")]
pub struct Line {
    pub key: String,
    pub section: String,
    pub label_vi: String,
    pub label_en: String,
    /// `computed`, `number` or `text`.
    pub source: String,
    pub metric: Option<String>,
    pub format: Format,
    pub main: bool,
    /// The value the program computed (computed indicators).
    pub computed: Option<i64>,
    /// The value reported: the computed one, the override, or the typed number.
    pub value: Option<i64>,
    pub text: Option<String>,
    pub override_reason: Option<String>,
}

impl Line {
    /// The value written for people: 1.234.567 / 1.234.567 đ / 12,34 %.
    pub fn shown(&self) -> String {
        match (&self.text, self.value) {
            (Some(t), _) => t.clone(),
            (None, Some(v)) => show(self.format, v),
            // A computed figure that cannot be computed (a share without its population).
            (None, None) if self.source == "computed" => "—".to_owned(),
            (None, None) => String::new(),
        }
    }
}

/// Writes a value the Vietnamese way.
pub fn show(format: Format, v: i64) -> String {
    match format {
        Format::Count => group(v),
        Format::Money => format!("{} đ", group(v)),
        Format::Percent => format!("{},{:02} %", group(v / 100), (v % 100).abs()),
    }
}

/// 1234567 → "1.234.567".
pub fn group(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Everything frozen at submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub as_of: String,
    pub taken_at: i64,
    pub lines: Vec<Line>,
    /// The base figures behind the computed values, so roll-ups of submitted reports can add
    /// them up and derive shares again.
    pub base: Base,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ReportStatus")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    Draft,
    Submitted,
    Returned,
    Accepted,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s {
            "draft" => Status::Draft,
            "submitted" => Status::Submitted,
            "returned" => Status::Returned,
            "accepted" => Status::Accepted,
            _ => Status::NotStarted,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Accepted => "accepted",
        }
    }
    pub fn is_in(self) -> bool {
        matches!(self, Status::Submitted | Status::Accepted)
    }
    pub fn editable(self) -> bool {
        matches!(self, Status::NotStarted | Status::Draft | Status::Returned)
    }
}

/// The state shown in the completeness view: the status, or `late` when the deadline has passed
/// and nothing was handed in.
pub fn state_of(status: Status, deadline: Option<&str>, today: &str) -> &'static str {
    match (status, deadline) {
        (Status::NotStarted | Status::Draft, Some(d)) if today > d => "late",
        (s, _) => s.code(),
    }
}

pub fn state_labels(state: &str) -> (&'static str, &'static str) {
    match state {
        "not_started" => ("Chưa làm", "Not started"),
        "draft" => ("Đang soạn", "Draft"),
        "submitted" => ("Đã nộp", "Submitted"),
        "late" => ("Quá hạn", "Late"),
        "returned" => ("Bị trả lại", "Returned"),
        "accepted" => ("Đã duyệt", "Accepted"),
        _ => ("?", "?"),
    }
}

/// A report row as stored (or the empty report of a unit that has not started).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    pub id: Option<i64>,
    pub unit: UnitRef,
    pub period: String,
    pub period_vi: String,
    pub period_en: String,
    pub status: Status,
    /// not_started, draft, submitted, late, returned, accepted.
    pub state: &'static str,
    pub deadline: Option<String>,
    /// Handed in after the deadline.
    pub submitted_late: bool,
    pub templates: String,
    pub title_vi: String,
    pub symbol: String,
    pub number_symbol: Option<String>,
    pub signer_name: Option<String>,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub return_reason: Option<String>,
    /// Values are live (draft) or frozen at submission.
    pub frozen: bool,
    pub as_of: String,
    pub lines: Vec<Line>,
    /// Beside each line, its value in the same period a year earlier (that report as handed
    /// in, else live: a merged commune's carries its predecessors', old figures included);
    /// empty where not read.
    pub last_year: Vec<Option<i64>>,
    #[serde(skip)]
    pub entries: Entries,
    #[serde(skip)]
    pub base: Base,
}

/// An indicator's heading in a table.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ReportHead")]
pub struct Head {
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
    pub format: Format,
    pub main: bool,
}

/// Parses a period from a path segment or a query.
pub fn parse_period(s: &str) -> Result<Period, AppError> {
    Period::parse(s).map_err(|(vi, en)| AppError::bad_request(vi, en))
}

/// The unit with this code, if the viewer reads it.
pub async fn unit_visible(db: &Db, v: &Viewer, code: &str) -> Result<UnitRef, AppError> {
    let u = crate::org::service::visible(db, v, code).await?;
    Ok(UnitRef::from(&u))
}
