//! The half-year and year reports: a unit opens its report for a period and sees the computed
//! values (live), types numbers and narratives, may override a computed value only with a
//! written reason, and submits; the submission freezes every value in a snapshot. The level above
//! returns the report with a reason or accepts it; an accepted report is locked.

use super::figures::{self, Base, UnitRef};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, today, Db, Tx};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::Level;
use khuyenhoc_reports::{derive, is_summable, Format, Indicator, Period, Source, Template};
use serde::{Deserialize, Serialize};
use sqlx::Row;
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
    #[serde(skip)]
    pub entries: Entries,
    #[serde(skip)]
    pub base: Base,
}

/// The template a unit reports with: the national one plus its province's own indicators.
pub async fn template_for(db: &Db, unit_path: &str) -> Result<(Template, String), AppError> {
    let national = Template::national();
    let Some(province) = province_code(unit_path) else {
        return Ok((national, "VN".into()));
    };
    let row = sqlx::query(
        "SELECT version, source FROM report_templates WHERE owner_code = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(&province)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        None => Ok((national, "VN".into())),
        Some(r) => {
            let version: i64 = r.try_get(0)?;
            let source: String = r.try_get(1)?;
            let extra = national.parse_extension(&province, &source).map_err(|e| {
                anyhow::anyhow!("stored template of {province} no longer parses: {e:?}")
            })?;
            Ok((national.with(extra), format!("VN+{province}:{version}")))
        }
    }
}

/// The province code in a unit path (`/VN/01/00004/` → `01`); none for the central office.
pub fn province_code(path: &str) -> Option<String> {
    path.trim_matches('/').split('/').nth(1).map(str::to_owned)
}

/// The lines of a report from live figures and what the unit typed.
pub fn lines(t: &Template, base: &Base, e: &Entries) -> Vec<Line> {
    // Overrides change the base figure they replace, so shares derive from reported values.
    let adjusted = adjusted(
        t,
        base,
        e.overrides.iter().map(|(k, o)| (k.clone(), o.value)),
    );
    t.indicators
        .iter()
        .map(|i| line(i, base, &adjusted, e))
        .collect()
}

fn line(i: &Indicator, base: &Base, adjusted: &Base, e: &Entries) -> Line {
    let (source, metric, computed, value, text, reason) = match &i.source {
        Source::Computed(m) => {
            let computed = derive(m, base);
            let o = e.overrides.get(&i.key);
            let value = o.map_or_else(|| derive(m, adjusted), |o| o.value);
            (
                "computed",
                Some(m.clone()),
                Some(computed),
                Some(value),
                None,
                o.map(|o| o.reason.clone()),
            )
        }
        Source::Number => (
            "number",
            None,
            None,
            e.numbers.get(&i.key).copied(),
            None,
            None,
        ),
        Source::Text => (
            "text",
            None,
            None,
            None,
            Some(e.texts.get(&i.key).cloned().unwrap_or_default()),
            None,
        ),
    };
    Line {
        key: i.key.clone(),
        section: i.section.clone(),
        label_vi: i.label_vi.clone(),
        label_en: i.label_en.clone(),
        source: source.into(),
        metric,
        format: i.format,
        main: i.main,
        computed,
        value,
        text,
        override_reason: reason,
    }
}

struct Stored {
    id: i64,
    status: Status,
    templates: String,
    entries: Entries,
    snapshot: Option<Snapshot>,
    number_symbol: Option<String>,
    signer_name: Option<String>,
    submitted_at: Option<i64>,
    decided_at: Option<i64>,
    return_reason: Option<String>,
}

const REPORT_COLUMNS: &str = "id, status, templates, entries, snapshot, number_symbol, signer_name, submitted_at, decided_at, return_reason, unit_id, period";

fn stored(r: &sqlx::any::AnyRow) -> Result<Stored, AppError> {
    let entries: String = r.try_get(3)?;
    let snapshot: Option<String> = r.try_get(4)?;
    Ok(Stored {
        id: r.try_get(0)?,
        status: Status::parse(&r.try_get::<String, _>(1)?),
        templates: r.try_get(2)?,
        entries: serde_json::from_str(&entries).map_err(|e| anyhow::anyhow!(e))?,
        snapshot: snapshot
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| anyhow::anyhow!(e))?,
        number_symbol: r.try_get(5)?,
        signer_name: r.try_get(6)?,
        submitted_at: r.try_get(7)?,
        decided_at: r.try_get(8)?,
        return_reason: r.try_get(9)?,
    })
}

async fn load(db: &Db, unit_id: i64, period: &Period) -> Result<Option<Stored>, AppError> {
    let r = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE unit_id = $1 AND period = $2"
    ))
    .bind(unit_id)
    .bind(period.to_string())
    .fetch_optional(&db.pool)
    .await?;
    r.as_ref().map(stored).transpose()
}

/// Reports of many units for one period, by unit id.
async fn load_many(
    db: &Db,
    units: &[UnitRef],
    period: &Period,
) -> Result<BTreeMap<i64, Stored>, AppError> {
    let mut out = BTreeMap::new();
    if units.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (2..units.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE period = $1 AND unit_id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(period.to_string());
    for u in units {
        q = q.bind(u.id);
    }
    for r in q.fetch_all(&db.pool).await? {
        let unit: i64 = r.try_get(10)?;
        out.insert(unit, stored(&r)?);
    }
    Ok(out)
}

/// Parses a period from a path segment or a query.
pub fn parse_period(s: &str) -> Result<Period, AppError> {
    Period::parse(s).map_err(|(vi, en)| AppError::bad_request(vi, en))
}

fn build(
    unit: &UnitRef,
    period: &Period,
    t: &Template,
    tag: String,
    s: Option<Stored>,
    live: Option<(&Base, &str)>,
) -> Report {
    let deadline = t.deadline(period, unit.level.code());
    let status = s.as_ref().map_or(Status::NotStarted, |s| s.status);
    let entries = s.as_ref().map(|s| s.entries.clone()).unwrap_or_default();
    let frozen = s
        .as_ref()
        .and_then(|s| s.snapshot.clone())
        .filter(|_| status.is_in());
    let (lines, base, as_of) = match (frozen.clone(), live) {
        (Some(snap), _) => (snap.lines, snap.base, snap.as_of),
        (None, Some((base, as_of))) => (lines(t, base, &entries), base.clone(), as_of.to_owned()),
        (None, None) => (lines(t, &Base::new(), &entries), Base::new(), String::new()),
    };
    let submitted_late = match (&deadline, s.as_ref().and_then(|s| s.submitted_at)) {
        (Some(d), Some(at)) => chrono::DateTime::from_timestamp(at, 0)
            .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
            .is_some_and(|day| day.as_str() > d.as_str()),
        _ => false,
    };
    Report {
        id: s.as_ref().map(|s| s.id),
        unit: unit.clone(),
        period: period.to_string(),
        period_vi: period.label_vi(),
        period_en: period.label_en(),
        status,
        state: state_of(status, deadline.as_deref(), &today()),
        deadline,
        submitted_late,
        templates: s.as_ref().map_or(tag, |s| s.templates.clone()),
        title_vi: t.title_vi.clone(),
        symbol: t.symbol.clone(),
        number_symbol: s.as_ref().and_then(|s| s.number_symbol.clone()),
        signer_name: s.as_ref().and_then(|s| s.signer_name.clone()),
        submitted_at: s.as_ref().and_then(|s| s.submitted_at),
        decided_at: s.as_ref().and_then(|s| s.decided_at),
        return_reason: s.as_ref().and_then(|s| s.return_reason.clone()),
        frozen: frozen.is_some(),
        as_of,
        lines,
        entries,
        base,
    }
}

/// The unit with this code, if the viewer reads it.
pub async fn unit_visible(db: &Db, v: &Viewer, code: &str) -> Result<UnitRef, AppError> {
    let u = crate::org::service::visible(db, v, code).await?;
    Ok(UnitRef::from(&u))
}

/// A unit's report for a period, with live values while it is not handed in.
pub async fn get(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
) -> Result<Report, AppError> {
    let db = &state.db;
    let period = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    read(db, &unit, &period).await
}

pub async fn read(db: &Db, unit: &UnitRef, period: &Period) -> Result<Report, AppError> {
    let (t, tag) = template_for(db, &unit.path).await?;
    let s = load(db, unit.id, period).await?;
    let as_of = today();
    let base = if s.as_ref().is_some_and(|s| s.status.is_in()) {
        Base::new()
    } else {
        figures::live(db, std::slice::from_ref(unit), period, &as_of)
            .await?
            .pop()
            .unwrap_or_default()
    };
    Ok(build(unit, period, &t, tag, s, Some((&base, &as_of))))
}

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

fn number(key: &str, v: &serde_json::Value) -> Result<Option<i64>, AppError> {
    let bad = || {
        AppError::bad_request(
            format!("Chỉ tiêu \"{key}\": hãy nhập một số nguyên không âm, ví dụ 1.250"),
            format!("Indicator \"{key}\": enter a whole number of zero or more, e.g. 1250"),
        )
    };
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) => n.as_i64().filter(|n| *n >= 0).map(Some).ok_or_else(bad),
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

fn short_text(field: &str, v: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    let v = v
        .map(khuyenhoc_domain::text::clean)
        .filter(|s| !s.is_empty());
    if v.as_ref().is_some_and(|s| s.chars().count() > max) {
        return Err(AppError::bad_request(
            format!("Trường \"{field}\" tối đa {max} ký tự"),
            format!("\"{field}\" has at most {max} characters"),
        ));
    }
    Ok(v)
}

async fn event(
    tx: &mut Tx<'_>,
    id: i64,
    actor: Actor,
    action: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO report_events (report_id, at, person_id, position_id, action, note) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(now())
        .bind(actor.person_id)
        .bind(actor.position_id)
        .bind(action)
        .bind(note)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn audit_change(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    id: i64,
    action: &'static str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(unit_id),
            entity: "report",
            entity_id: id.to_string(),
            action,
            before: Some(before),
            after: Some(after),
        },
    )
    .await
}

fn locked(status: Status) -> AppError {
    match status {
        Status::Accepted => AppError::bad_request(
            "Báo cáo đã được duyệt và khoá",
            "The report has been accepted and is locked",
        ),
        _ => AppError::bad_request(
            "Báo cáo đã nộp; chỉ sửa được khi cấp trên trả lại",
            "The report has been submitted; it can be changed only if the level above returns it",
        ),
    }
}

/// Saves what the unit typed (a draft, or a returned report being corrected).
pub async fn save(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
    input: &SaveInput,
) -> Result<Report, AppError> {
    let db = &state.db;
    let period = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    let actor = v.actor_for(perm::REPORT_SUBMIT, &unit.path)?;
    let (t, tag) = template_for(db, &unit.path).await?;
    let entries = check_input(&t, input)?;
    let number_symbol = short_text("number_symbol", input.number_symbol.as_deref(), 50)?;
    let signer_name = short_text("signer_name", input.signer_name.as_deref(), 200)?;
    let entries_json = serde_json::to_string(&entries).map_err(|e| anyhow::anyhow!(e))?;
    let mut tx = db.begin().await?;
    let existing =
        sqlx::query("SELECT id, status, entries FROM reports WHERE unit_id = $1 AND period = $2")
            .bind(unit.id)
            .bind(period.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let t_now = now();
    let id = match existing {
        Some(r) => {
            let id: i64 = r.try_get(0)?;
            let status = Status::parse(&r.try_get::<String, _>(1)?);
            if !status.editable() {
                return Err(locked(status));
            }
            let before: String = r.try_get(2)?;
            let updated = sqlx::query(
                "UPDATE reports SET entries = $1, number_symbol = $2, signer_name = $3, templates = $4, updated_at = $5 \
                 WHERE id = $6 AND status IN ('draft', 'returned')",
            )
            .bind(&entries_json)
            .bind(&number_symbol)
            .bind(&signer_name)
            .bind(&tag)
            .bind(t_now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(locked(Status::Submitted));
            }
            audit_change(
                &mut tx,
                actor,
                unit.id,
                id,
                "save",
                serde_json::from_str(&before).unwrap_or_default(),
                serde_json::to_value(&entries).unwrap_or_default(),
            )
            .await?;
            id
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reports (unit_id, period, templates, status, entries, number_symbol, signer_name, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(unit.id)
            .bind(period.to_string())
            .bind(&tag)
            .bind(&entries_json)
            .bind(&number_symbol)
            .bind(&signer_name)
            .bind(t_now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if crate::db::is_unique_violation(&e, "reports_unit_period") {
                    AppError::bad_request("Báo cáo vừa được người khác tạo; hãy tải lại trang", "Someone has just started this report: reload the page")
                } else {
                    e.into()
                }
            })?;
            audit_change(
                &mut tx,
                actor,
                unit.id,
                id,
                "create",
                serde_json::Value::Null,
                serde_json::to_value(&entries).unwrap_or_default(),
            )
            .await?;
            id
        }
    };
    event(&mut tx, id, actor, "save", None).await?;
    tx.commit().await?;
    read(db, &unit, &period).await
}

/// Hands the report in: every value is computed now and frozen in the snapshot.
pub async fn submit(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
) -> Result<Report, AppError> {
    let db = &state.db;
    let p = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    let actor = v.actor_for(perm::REPORT_SUBMIT, &unit.path)?;
    let Some(s) = load(db, unit.id, &p).await? else {
        return Err(AppError::bad_request(
            "Hãy lưu báo cáo trước khi nộp",
            "Save the report before submitting it",
        ));
    };
    if !s.status.editable() {
        return Err(locked(s.status));
    }
    let (t, _) = template_for(db, &unit.path).await?;
    let as_of = today();
    let base = figures::live(db, std::slice::from_ref(&unit), &p, &as_of)
        .await?
        .pop()
        .unwrap_or_default();
    let snapshot = Snapshot {
        as_of,
        taken_at: now(),
        lines: lines(&t, &base, &s.entries),
        base,
    };
    let json = serde_json::to_string(&snapshot).map_err(|e| anyhow::anyhow!(e))?;
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE reports SET status = 'submitted', snapshot = $1, submitted_at = $2, return_reason = NULL, updated_at = $2 \
         WHERE id = $3 AND status IN ('draft', 'returned')",
    )
    .bind(&json)
    .bind(snapshot.taken_at)
    .bind(s.id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(locked(Status::Submitted));
    }
    event(&mut tx, s.id, actor, "submit", None).await?;
    audit_change(
        &mut tx,
        actor,
        unit.id,
        s.id,
        "submit",
        serde_json::json!({"status": s.status.code()}),
        serde_json::json!({"status": "submitted", "lines": snapshot.lines.len()}),
    )
    .await?;
    tx.commit().await?;
    read(db, &unit, &p).await
}

/// The report by id with the position that lets the viewer decide on it: a `report.review`
/// position strictly above the reporting unit.
async fn for_decision(
    db: &Db,
    v: &Viewer,
    id: i64,
) -> Result<(Stored, UnitRef, Period, Actor), AppError> {
    let r = sqlx::query(&format!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let s = stored(&r)?;
    let unit_id: i64 = r.try_get(10)?;
    let period = parse_period(&r.try_get::<String, _>(11)?)?;
    let u = crate::org::model::by_id(db, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !v.can_read(&u.path) {
        return Err(AppError::NotFound);
    }
    let pos = v
        .positions
        .iter()
        .filter(|p| {
            u.path.starts_with(&p.unit_path)
                && p.unit_path != u.path
                && p.permissions.iter().any(|x| x == perm::REPORT_REVIEW)
        })
        .max_by_key(|p| p.unit_path.len())
        .ok_or(AppError::NotFound)?;
    Ok((
        s,
        UnitRef::from(&u),
        period,
        Actor::new(v.person_id, Some(pos.position_id)),
    ))
}

/// The level above returns a submitted report, with a reason.
pub async fn return_report(
    state: &AppState,
    v: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Report, AppError> {
    let db = &state.db;
    let (s, unit, period, actor) = for_decision(db, v, id).await?;
    let reason = khuyenhoc_domain::text::clean(reason);
    if reason.chars().count() < 5 || reason.chars().count() > 2000 {
        return Err(AppError::bad_request(
            "Cần ghi rõ lý do trả lại (từ 5 đến 2.000 ký tự)",
            "Give the reason for returning it (5 to 2,000 characters)",
        ));
    }
    decide(db, &s, &unit, actor, "returned", Some(&reason)).await?;
    read(db, &unit, &period).await
}

/// The level above accepts a submitted report; it is locked from then on.
pub async fn accept(state: &AppState, v: &Viewer, id: i64) -> Result<Report, AppError> {
    let db = &state.db;
    let (s, unit, period, actor) = for_decision(db, v, id).await?;
    decide(db, &s, &unit, actor, "accepted", None).await?;
    read(db, &unit, &period).await
}

async fn decide(
    db: &Db,
    s: &Stored,
    unit: &UnitRef,
    actor: Actor,
    to: &str,
    reason: Option<&str>,
) -> Result<(), AppError> {
    if s.status != Status::Submitted {
        return Err(match s.status {
            Status::Accepted => locked(Status::Accepted),
            _ => {
                AppError::bad_request("Báo cáo chưa được nộp", "The report has not been submitted")
            }
        });
    }
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE reports SET status = $1, return_reason = $2, decided_at = $3, updated_at = $3 WHERE id = $4 AND status = 'submitted'")
        .bind(to)
        .bind(reason)
        .bind(now())
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() != 1 {
        return Err(AppError::bad_request(
            "Báo cáo vừa được xử lý; hãy tải lại trang",
            "The report has just been decided: reload the page",
        ));
    }
    let action = if to == "accepted" { "accept" } else { "return" };
    event(&mut tx, s.id, actor, action, reason).await?;
    audit_change(
        &mut tx,
        actor,
        unit.id,
        s.id,
        action,
        serde_json::json!({"status": "submitted"}),
        serde_json::json!({"status": to, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A report's history: (at, person name, action, note).
pub async fn history(
    db: &Db,
    id: i64,
) -> Result<Vec<(i64, String, String, Option<String>)>, AppError> {
    Ok(sqlx::query("SELECT e.at, COALESCE(p.full_name, ''), e.action, e.note FROM report_events e LEFT JOIN people p ON p.id = e.person_id WHERE e.report_id = $1 ORDER BY e.id")
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// One child unit in the completeness view and the roll-up.
#[derive(Debug, Clone, Serialize)]
pub struct ChildRow {
    pub unit: UnitRef,
    pub report_id: Option<i64>,
    pub status: Status,
    pub state: &'static str,
    pub deadline: Option<String>,
    pub submitted_at: Option<i64>,
    pub submitted_late: bool,
    pub return_reason: Option<String>,
    /// Live values per indicator (numbers; None for text).
    pub live: Vec<Option<i64>>,
    /// Values as submitted, when handed in.
    pub submitted: Option<Vec<Option<i64>>>,
}

/// An indicator's heading in a table.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub key: String,
    pub label_vi: String,
    pub label_en: String,
    pub format: Format,
    pub main: bool,
}

/// The roll-up of a unit for a period: its children (as of a date) with their status, live and
/// submitted values, and the sums.
#[derive(Debug, Clone, Serialize)]
pub struct Rollup {
    pub unit: UnitRef,
    pub period: String,
    pub period_vi: String,
    pub as_of: String,
    pub heads: Vec<Head>,
    pub children: Vec<ChildRow>,
    pub total_live: Vec<Option<i64>>,
    pub total_submitted: Vec<Option<i64>>,
    /// Children per state: not_started, draft, submitted, late, returned, accepted.
    pub states: BTreeMap<&'static str, usize>,
}

/// Values of the number indicators from a base and entries (live), or from a snapshot.
fn values(t: &Template, base: &Base, e: &Entries) -> Vec<Option<i64>> {
    lines(t, base, e)
        .into_iter()
        .filter(|l| l.source != "text")
        .map(|l| l.value)
        .collect()
}

fn snapshot_values(t: &Template, snap: &Snapshot) -> Vec<Option<i64>> {
    t.indicators
        .iter()
        .filter(|i| !i.is_text())
        .map(|i| {
            snap.lines
                .iter()
                .find(|l| l.key == i.key)
                .and_then(|l| l.value)
        })
        .collect()
}

/// A base with the overrides applied to the metrics they replace (so shares derive from what
/// was reported).
fn adjusted(t: &Template, base: &Base, overrides: impl Iterator<Item = (String, i64)>) -> Base {
    let mut out = base.clone();
    for (key, value) in overrides {
        if let Some(Source::Computed(m)) = t.indicator(&key).map(|i| &i.source) {
            out.insert(m.clone(), value);
        }
    }
    out
}

/// Adds up the children's rows: every indicator that adds up is the sum of the children's own
/// values (overrides and typed numbers included); shares are derived again from the children's
/// bases added up, with their overrides applied. `kids` holds (adjusted base, values).
fn sum(t: &Template, kids: &[(Base, Vec<Option<i64>>)]) -> Vec<Option<i64>> {
    let mut base = Base::new();
    for (b, _) in kids {
        for (m, v) in b {
            *base.entry(m.clone()).or_insert(0) += v;
        }
    }
    t.indicators
        .iter()
        .filter(|i| !i.is_text())
        .enumerate()
        .map(|(n, i)| match &i.source {
            Source::Computed(m) if !is_summable(m) => Some(derive(m, &base)),
            source => {
                let values: Vec<i64> = kids
                    .iter()
                    .filter_map(|(_, v)| v.get(n).copied().flatten())
                    .collect();
                if values.is_empty() && *source == Source::Number {
                    None
                } else {
                    Some(values.iter().sum())
                }
            }
        })
        .collect()
}

/// A snapshot's base with the child's overrides applied.
fn reported_base(t: &Template, snap: &Snapshot) -> Base {
    let overrides = snap
        .lines
        .iter()
        .filter(|l| l.override_reason.is_some())
        .filter_map(|l| l.value.map(|v| (l.key.clone(), v)));
    adjusted(t, &snap.base, overrides)
}

pub fn heads(t: &Template) -> Vec<Head> {
    t.indicators
        .iter()
        .filter(|i| !i.is_text())
        .map(|i| Head {
            key: i.key.clone(),
            label_vi: i.label_vi.clone(),
            label_en: i.label_en.clone(),
            format: i.format,
            main: i.main,
        })
        .collect()
}

/// The completeness view and roll-up of a unit's children for a period, for the structure as
/// of `as_of` (today when not given).
pub async fn rollup(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
    as_of: Option<&str>,
) -> Result<Rollup, AppError> {
    let db = &state.db;
    let p = parse_period(period)?;
    let unit = unit_visible(db, v, code).await?;
    let as_of = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => khuyenhoc_ledger::Date::parse(d)
            .map_err(|e| AppError::bad_request(e.vi, e.en))?
            .to_string(),
        None => today(),
    };
    let (t, _) = template_for(db, &unit.path).await?;
    let kids = figures::children(db, unit.id, &as_of).await?;
    let live = figures::live(db, &kids, &p, &as_of).await?;
    let mut stored = load_many(db, &kids, &p).await?;
    let day = today();
    let mut children = vec![];
    let mut states: BTreeMap<&'static str, usize> = [
        "not_started",
        "draft",
        "submitted",
        "late",
        "returned",
        "accepted",
    ]
    .into_iter()
    .map(|s| (s, 0))
    .collect();
    let (mut live_rows, mut submitted_rows) = (vec![], vec![]);
    for (u, base) in kids.iter().zip(&live) {
        let s = stored.remove(&u.id);
        let status = s.as_ref().map_or(Status::NotStarted, |s| s.status);
        let deadline = t.deadline(&p, u.level.code());
        let st = state_of(status, deadline.as_deref(), &day);
        *states.entry(st).or_insert(0) += 1;
        let entries = s.as_ref().map(|s| s.entries.clone()).unwrap_or_default();
        let snap = s
            .as_ref()
            .and_then(|s| s.snapshot.as_ref())
            .filter(|_| status.is_in());
        let submitted = snap.map(|sn| snapshot_values(&t, sn));
        if let (Some(sn), Some(values)) = (snap, &submitted) {
            submitted_rows.push((reported_base(&t, sn), values.clone()));
        }
        let r = build(u, &p, &t, String::new(), s, None);
        children.push(ChildRow {
            unit: u.clone(),
            report_id: r.id,
            status,
            state: st,
            deadline,
            submitted_at: r.submitted_at,
            submitted_late: r.submitted_late,
            return_reason: r.return_reason,
            live: values(&t, base, &entries),
            submitted,
        });
        let overrides = entries.overrides.iter().map(|(k, o)| (k.clone(), o.value));
        live_rows.push((adjusted(&t, base, overrides), values(&t, base, &entries)));
    }
    Ok(Rollup {
        total_live: sum(&t, &live_rows),
        total_submitted: sum(&t, &submitted_rows),
        unit,
        period: p.to_string(),
        period_vi: p.label_vi(),
        as_of,
        heads: heads(&t),
        children,
        states,
    })
}

/// The report periods of a unit that have a report, newest first, with their state.
pub async fn list(db: &Db, unit: &UnitRef) -> Result<Vec<(String, String)>, AppError> {
    Ok(
        sqlx::query("SELECT period, status FROM reports WHERE unit_id = $1 ORDER BY period DESC")
            .bind(unit.id)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?,
    )
}

/// Whether the viewer may hand in this unit's report / decide on reports of units below it.
pub fn can_submit(v: &Viewer, unit: &UnitRef) -> bool {
    v.position_for(perm::REPORT_SUBMIT, &unit.path).is_some()
}

pub fn can_review_children(v: &Viewer, unit: &UnitRef) -> bool {
    v.position_for(perm::REPORT_REVIEW, &unit.path).is_some()
}

/// The reported values of units for a period: the snapshot when handed in, live otherwise (with
/// what they typed so far). Returns (values per number indicator, texts, handed in).
pub async fn reported(
    db: &Db,
    t: &Template,
    units: &[UnitRef],
    p: &Period,
    as_of: &str,
) -> Result<Vec<(Vec<Option<i64>>, BTreeMap<String, String>, bool)>, AppError> {
    let live = figures::live(db, units, p, as_of).await?;
    let mut stored = load_many(db, units, p).await?;
    let mut out = vec![];
    for (u, base) in units.iter().zip(&live) {
        let s = stored.remove(&u.id);
        match s
            .as_ref()
            .and_then(|s| s.snapshot.as_ref().filter(|_| s.status.is_in()))
        {
            Some(sn) => {
                let texts = sn
                    .lines
                    .iter()
                    .filter_map(|l| l.text.clone().map(|t| (l.key.clone(), t)))
                    .collect();
                out.push((snapshot_values(t, sn), texts, true));
            }
            None => {
                let e = s.map(|s| s.entries).unwrap_or_default();
                out.push((values(t, base, &e), e.texts.clone(), false));
            }
        }
    }
    Ok(out)
}

/// A province's own indicators (the extension file) and the template its units report with.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub unit: UnitRef,
    /// The version of the province's extension in force, if any.
    pub version: Option<i64>,
    pub source: String,
    pub template: Template,
}

pub async fn template_view(db: &Db, v: &Viewer, code: &str) -> Result<TemplateView, AppError> {
    let unit = unit_visible(db, v, code).await?;
    let (template, _) = template_for(db, &unit.path).await?;
    let row = match province_code(&unit.path) {
        Some(p) => sqlx::query("SELECT version, source FROM report_templates WHERE owner_code = $1 ORDER BY version DESC LIMIT 1")
            .bind(p)
            .fetch_optional(&db.pool)
            .await?,
        None => None,
    };
    let (version, source) = match row {
        Some(r) => (Some(r.try_get(0)?), r.try_get(1)?),
        None => (None, String::new()),
    };
    Ok(TemplateView {
        unit,
        version,
        source,
        template,
    })
}

/// Saves a new version of a province's own indicators. Only at a province, by a position there
/// (or above) with `report.review`; errors come back with their line and column.
pub async fn save_template(
    db: &Db,
    v: &Viewer,
    code: &str,
    source: &str,
) -> Result<TemplateView, AppError> {
    let unit = unit_visible(db, v, code).await?;
    let pos = v
        .position_for(perm::REPORT_REVIEW, &unit.path)
        .ok_or(AppError::NotFound)?;
    if unit.level != Level::Province {
        return Err(AppError::bad_request(
            "Chỉ tỉnh, thành phố mới thêm chỉ tiêu riêng vào mẫu báo cáo",
            "Only a province adds its own indicators to the report template",
        ));
    }
    if source.len() > 100_000 {
        return Err(AppError::PayloadTooLarge);
    }
    let source = source.replace("\r\n", "\n");
    if let Err(errors) = Template::national().parse_extension(&unit.code, &source) {
        let vi: Vec<String> = errors
            .iter()
            .map(|e| format!("dòng {}, cột {} ({}): {}", e.line, e.column, e.path, e.vi))
            .collect();
        let en: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "line {}, column {} ({}): {}",
                    e.line, e.column, e.path, e.en
                )
            })
            .collect();
        return Err(AppError::Unprocessable {
            vi: vi.join("; "),
            en: en.join("; "),
        });
    }
    let actor = Actor::new(v.person_id, Some(pos.position_id));
    let mut tx = db.begin().await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM report_templates WHERE owner_code = $1",
    )
    .bind(&unit.code)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO report_templates (owner_code, version, source, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(&unit.code)
        .bind(version)
        .bind(&source)
        .bind(now())
        .bind(v.person_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if crate::db::is_unique_violation(&e, "report_templates_version") {
                AppError::bad_request("Mẫu vừa được người khác lưu; hãy tải lại trang", "Someone has just saved the template: reload the page")
            } else {
                e.into()
            }
        })?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "report_template",
            entity_id: format!("{}:{version}", unit.code),
            action: "save",
            before: None,
            after: Some(serde_json::json!({"version": version})),
        },
    )
    .await?;
    tx.commit().await?;
    template_view(db, v, code).await
}
