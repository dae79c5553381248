//! The bridge between stored evaluations and the pure scoring engine (`khuyenhoc-criteria`):
//! turns stored answers, evidence counts and member results into the engine's inputs.

use super::model::{Answers, Evaluation};
use crate::error::AppError;
use crate::evaluation::lifecycle::Status;
use crate::org::disadvantaged::{area_of, Area};
use crate::state::AppState;
use khuyenhoc_criteria::{
    Answer as EngineAnswer, AnswerError, Answers as EngineAnswers, Computed, Outcome, Subject,
};
use khuyenhoc_criteria::{
    CriteriaSet, EvidenceKind, MemberFilter, Model, Rule, Source, ThresholdBasis,
};
use khuyenhoc_domain::Invalid;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// The flag the criteria sets use for remote, especially difficult or ethnic-minority areas.
pub const DISADVANTAGED: &str = "disadvantaged_area";

/// A scored evaluation, ready to store and show.
#[derive(Debug, Clone)]
pub struct Scored {
    pub total: i64,
    pub max_total: i64,
    pub threshold: i64,
    pub passed: bool,
    pub level: Option<i64>,
    /// (indicator code, Vietnamese, English) of what still lacks an answer or evidence.
    pub missing: Vec<(String, String, String)>,
    /// Every reason for not passing (Vietnamese, English).
    pub reasons: Vec<(String, String)>,
    pub outcome: Outcome,
    /// Whether the score was given as for a disadvantaged area (`DISADVANTAGED`).
    pub disadvantaged: bool,
    /// The evaluation's commune and the flag row behind `disadvantaged`, if any.
    pub area: Option<Area>,
}

impl Scored {
    /// Which threshold applies and why, as the subject reads it (Vietnamese, English):
    /// "Ngưỡng đạt: 70 điểm vì Xã … thuộc vùng đặc biệt khó khăn (nguồn: …)".
    pub fn threshold_reason(&self) -> (String, String) {
        let t = self.threshold;
        let lowered =
            matches!(&self.outcome.threshold.basis, ThresholdBasis::Flag(f) if f == DISADVANTAGED);
        match (&self.area, lowered) {
            (Some(a), true) => {
                let source = a.flag.as_ref().map(|f| f.source.as_str()).unwrap_or("");
                (
                    format!("Ngưỡng đạt: {t} điểm vì {} thuộc vùng đặc biệt khó khăn (nguồn: {source})", a.commune_name),
                    format!("Pass mark: {t} points because {} is in an especially difficult area (source: {source})", a.commune_name),
                )
            }
            _ if matches!(self.outcome.threshold.basis, ThresholdBasis::Flag(_)) => (
                format!("Ngưỡng đạt: {t} điểm (ngưỡng giảm theo bộ tiêu chí)"),
                format!("Pass mark: {t} points (lowered by the criteria)"),
            ),
            _ => (
                format!("Ngưỡng đạt: {t} điểm (ngưỡng chung của bộ tiêu chí)"),
                format!("Pass mark: {t} points (the criteria's usual threshold)"),
            ),
        }
    }
}

fn answer_errors(errors: &[AnswerError]) -> AppError {
    let vi = errors
        .iter()
        .map(AnswerError::vi)
        .collect::<Vec<_>>()
        .join("; ");
    let en = errors
        .iter()
        .map(AnswerError::en)
        .collect::<Vec<_>>()
        .join("; ");
    AppError::Unprocessable { vi, en }
}

/// Which kind of subject each model evaluates.
pub fn check_subject(model: &str, subject_kind: &str) -> Result<Model, AppError> {
    let m = Model::from_code(model).ok_or_else(|| {
        AppError::field(
            "model",
            Invalid::new("Không có danh hiệu này", "No such title"),
        )
    })?;
    let ok = matches!(
        (m, subject_kind),
        (Model::Citizen, "person")
            | (Model::Family | Model::Clan, "group")
            | (Model::Community | Model::Unit, "unit")
            | (Model::Unit, "group")
    );
    if ok {
        Ok(m)
    } else {
        Err(AppError::field(
            "model",
            Invalid::new(
                "Danh hiệu này không dành cho đối tượng này",
                "This title is not for this kind of subject",
            ),
        ))
    }
}

/// The form group, checked against the set (sets without form groups take none).
pub fn check_form_group(set: &CriteriaSet, fg: Option<&str>) -> Result<Option<String>, AppError> {
    let fg = fg.map(str::trim).filter(|s| !s.is_empty());
    if set.form_groups().is_empty() {
        return Ok(None);
    }
    match fg {
        Some(code) if set.form_groups().iter().any(|g| g.code == code) => Ok(Some(code.to_owned())),
        _ => Err(AppError::field(
            "form_group",
            Invalid::new("Hãy chọn một nhóm đối tượng", "Choose a form group"),
        )),
    }
}

fn engine_answer(rule: &Rule, v: u32) -> Option<EngineAnswer> {
    match rule {
        Rule::Scale => Some(EngineAnswer::Points(i64::from(v))),
        Rule::YesNo => Some(EngineAnswer::YesNo(v > 0)),
        Rule::Count { .. } => Some(EngineAnswer::Count(i64::from(v))),
        Rule::Computed { .. } => None,
    }
}

/// Figures typed in for a computed indicator the program cannot count itself (the family's
/// school-age children and how many are in school) are stored as `{code}#part` and
/// `{code}#total` answers.
pub fn is_typed_figure(key: &str) -> bool {
    key.ends_with("#part") || key.ends_with("#total")
}

fn engine_answers(
    set: &CriteriaSet,
    answers: impl Iterator<Item = (String, Option<u32>)>,
) -> Result<EngineAnswers, AppError> {
    let mut out = EngineAnswers::new();
    for (code, v) in answers {
        if let Some(base) = code
            .strip_suffix("#part")
            .or_else(|| code.strip_suffix("#total"))
        {
            let typed = set.indicator(base).is_some_and(|i| {
                matches!(
                    i.rule,
                    Rule::Computed {
                        source: Source::ChildrenInSchool,
                        ..
                    }
                )
            });
            if !typed {
                return Err(AppError::Unprocessable {
                    vi: format!("Không có ô {code}"),
                    en: format!("No field {code}"),
                });
            }
            continue;
        }
        let ind = set
            .indicator(&code)
            .ok_or_else(|| AppError::Unprocessable {
                vi: format!("Không có chỉ số {code}"),
                en: format!("No indicator {code}"),
            })?;
        if let Some(v) = v {
            match engine_answer(&ind.rule, v) {
                Some(a) => {
                    out.set(code, a);
                }
                None => {
                    return Err(AppError::Unprocessable {
                        vi: format!("Chỉ số {code} được tính tự động"),
                        en: format!("Indicator {code} is computed"),
                    })
                }
            }
        }
    }
    Ok(out)
}

fn subject(set: &CriteriaSet, form_group: Option<&str>, disadvantaged: bool) -> Subject {
    let mut s = Subject::new();
    if let Some(fg) = form_group.filter(|_| !set.form_groups().is_empty()) {
        s = s.in_form_group(fg);
    }
    if disadvantaged {
        s = s.with_flag(DISADVANTAGED);
    }
    s
}

/// Checks entered values (points, yes = 1 / no = 0, counts) without storing anything.
pub fn check_values(
    set: &CriteriaSet,
    form_group: Option<&str>,
    values: &BTreeMap<String, Option<u32>>,
) -> Result<(), AppError> {
    let answers = engine_answers(set, values.iter().map(|(k, v)| (k.clone(), *v)))?;
    set.score(&answers, &subject(set, form_group, false), &Computed::new())
        .map(|_| ())
        .map_err(|e| answer_errors(&e))
}

/// Scores an evaluation with the given answers, its stored evidence and its members' results.
pub async fn score(
    state: &AppState,
    set: &CriteriaSet,
    e: &Evaluation,
    answers: &Answers,
) -> Result<Scored, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    score_in(&mut conn, set, e, answers).await
}

/// [`score`], reading evidence and member results on `conn`. A service scoring inside its
/// transaction passes the transaction: on SQLite a transaction holding the write lock must never
/// wait for a second pool connection, because all the others may be waiting for that lock (the
/// requests then fail with "database is locked" after `busy_timeout`; `tests/crash.rs` found it).
pub async fn score_in(
    conn: &mut AnyConnection,
    set: &CriteriaSet,
    e: &Evaluation,
    answers: &Answers,
) -> Result<Scored, AppError> {
    let mut engine = engine_answers(set, answers.iter().map(|(k, a)| (k.clone(), a.effective())))?;
    for ev in super::model::evidence_with(&mut *conn, e.id).await? {
        if let Some(kind) = EvidenceKind::from_code(&ev.kind) {
            if set
                .indicator(&ev.indicator)
                .is_some_and(|i| i.evidence.kinds.contains(&kind))
            {
                engine.add_evidence(ev.indicator, kind, 1);
            }
        }
    }
    let computed = with_children_in_school(computed(conn, set, e).await?, set, answers)?;
    let (disadvantaged, area) = area_flag(conn, e).await?;
    let outcome = set
        .score(
            &engine,
            &subject(set, e.form_group.as_deref(), disadvantaged),
            &computed,
        )
        .map_err(|x| answer_errors(&x))?;
    let missing = missing_lines(set, &outcome);
    Ok(Scored {
        total: i64::from(outcome.total),
        max_total: i64::from(outcome.max_total),
        threshold: i64::from(outcome.threshold.points),
        passed: outcome.passed,
        level: outcome.level.map(i64::from),
        missing,
        reasons: outcome.reasons.iter().map(|r| (r.vi(), r.en())).collect(),
        outcome,
        disadvantaged,
        area,
    })
}

/// Whether an evaluation is scored as for a disadvantaged area, and the flag row behind it.
/// Until it is decided, the flag in force for its commune and year, read now: a flag set or
/// taken away after registration counts from the next save, and the review decides with the
/// flag valid at decision time. A decided evaluation keeps the flag it was decided with
/// (`evaluations.disadvantaged`), shown with the latest row of that value.
async fn area_flag(
    conn: &mut AnyConnection,
    e: &Evaluation,
) -> Result<(bool, Option<Area>), sqlx::Error> {
    let decided = matches!(e.status, Status::Recognised | Status::NotRecognised);
    if decided {
        let area = area_of(conn, &e.unit_path, e.year, Some(e.disadvantaged)).await?;
        return Ok((e.disadvantaged, area));
    }
    let area = area_of(conn, &e.unit_path, e.year, None).await?;
    Ok((area.as_ref().is_some_and(Area::disadvantaged), area))
}

/// Children in school, as typed: no school-age child counts as all of them in school.
fn with_children_in_school(
    mut computed: Computed,
    set: &CriteriaSet,
    answers: &Answers,
) -> Result<Computed, AppError> {
    let figure = |k: &str| answers.get(k).and_then(|a| a.effective());
    for (_, ind) in set.indicators() {
        if let Rule::Computed {
            source: s @ Source::ChildrenInSchool,
            ..
        } = ind.rule
        {
            match (
                figure(&format!("{}#part", ind.code)),
                figure(&format!("{}#total", ind.code)),
            ) {
                (Some(_), Some(0)) => computed = computed.with(s, 1, 1),
                (Some(part), Some(total)) if part <= total => {
                    computed = computed.with(s, part, total)
                }
                (Some(_), Some(_)) => {
                    return Err(AppError::Unprocessable {
                        vi: "Số trẻ đang đi học không thể lớn hơn số trẻ trong độ tuổi đi học"
                            .into(),
                        en: "Children in school cannot exceed school-age children".into(),
                    })
                }
                _ => {}
            }
        }
    }
    Ok(computed)
}

/// One line per indicator still unanswered or lacking evidence: (code, Vietnamese, English).
fn missing_lines(set: &CriteriaSet, outcome: &Outcome) -> Vec<(String, String, String)> {
    let mut missing = vec![];
    for code in outcome
        .unanswered
        .iter()
        .chain(outcome.missing_evidence.iter())
    {
        let text = set
            .indicator(code)
            .map(|i| (i.text.vi.clone(), i.text.en.clone()))
            .unwrap_or_default();
        let lacks_evidence = outcome.missing_evidence.contains(code);
        let (vi, en) = if lacks_evidence {
            (
                format!("Chỉ số «{}» cần minh chứng", text.0),
                format!("Indicator “{}” needs evidence", text.1),
            )
        } else {
            (
                format!("Chưa trả lời chỉ số «{}»", text.0),
                format!("Indicator “{}” has no answer", text.1),
            )
        };
        missing.push((code.clone(), vi, en));
    }
    missing
}

/// The member shares the set's computed indicators and requirements need.
async fn computed(
    conn: &mut AnyConnection,
    set: &CriteriaSet,
    e: &Evaluation,
) -> Result<Computed, AppError> {
    let mut sources: Vec<Source> = set
        .indicators()
        .filter_map(|(_, i)| match &i.rule {
            Rule::Computed { source, .. } => Some(*source),
            _ => None,
        })
        .collect();
    sources.extend(set.pass().requires.iter().map(|r| r.source));
    sources.sort();
    sources.dedup();
    let mut out = Computed::new();
    for s in sources {
        if let Source::MemberShare { title, filter } = s {
            let (part, total) = member_share(conn, e, title, filter).await?;
            if total > 0 {
                out = out.with(s, part, total);
            }
        }
    }
    Ok(out)
}

fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// (recognised, all) members of the subject for `title` in the evaluation's year. A group's
/// members are its accepted ones: an invitation still waiting counts nowhere.
async fn member_share(
    conn: &mut AnyConnection,
    e: &Evaluation,
    title: Model,
    filter: MemberFilter,
) -> Result<(u32, u32), sqlx::Error> {
    let adult_year = e.year - 18;
    let adults = matches!(filter, MemberFilter::Adults);
    // A membership that ended still counts for an evaluation submitted before it ended (the
    // history that evaluation rests on); a draft counts the current members only. The cut-off is
    // a number the program computed, written into the text (binding it would leave parameters
    // unused in one of the two queries, which PostgreSQL refuses).
    let current = if e.status.editable() {
        "accepted_at IS NOT NULL AND ended_at IS NULL".to_owned()
    } else {
        let submitted = sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(at) FROM evaluation_events WHERE evaluation_id = $1 AND action = 'submit'",
        )
        .bind(e.id)
        .fetch_one(&mut *conn)
        .await?
        .unwrap_or_else(crate::db::now);
        // Ended in the second of the submission or later: a member when it was submitted.
        format!("accepted_at IS NOT NULL AND (ended_at IS NULL OR ended_at >= {submitted})")
    };
    let (members_sql, people) = match (e.subject_kind.as_str(), title) {
        ("group", Model::Family) => (format!("SELECT g.id FROM learning_groups g WHERE g.kind = 'family' AND g.head_person_id IN (SELECT person_id FROM group_members WHERE group_id = $1 AND {current})"), false),
        ("group", _) if adults => (format!("SELECT m.person_id FROM group_members m WHERE m.group_id = $1 AND m.{current} AND m.adult = 1"), true),
        ("group", _) => (format!("SELECT m.person_id FROM group_members m WHERE m.group_id = $1 AND m.{current}"), true),
        ("unit", Model::Family) => ("SELECT g.id FROM learning_groups g WHERE g.kind = 'family' AND g.unit_id = $1".to_owned(), false),
        ("unit", _) if adults => ("SELECT p.id FROM people p WHERE p.unit_id = $1 AND (p.birth_year IS NULL OR p.birth_year <= $2)".to_owned(), true),
        _ => ("SELECT p.id FROM people p WHERE p.unit_id = $1".to_owned(), true),
    };
    let kind = if people { "person" } else { "group" };
    let total_sql = format!("SELECT COUNT(*) FROM ({members_sql}) m");
    let part_sql = format!(
        "SELECT COUNT(*) FROM evaluations ev WHERE ev.model = $3 AND ev.year = $4 AND ev.status = 'recognised' AND ev.revoked_at IS NULL AND ev.subject_kind = '{kind}' AND ev.subject_id IN ({members_sql})"
    );
    let total: i64 = sqlx::query_scalar(&total_sql)
        .bind(e.subject_id)
        .bind(adult_year)
        .fetch_one(&mut *conn)
        .await?;
    let part: i64 = sqlx::query_scalar(&part_sql)
        .bind(e.subject_id)
        .bind(adult_year)
        .bind(title.code())
        .bind(e.year)
        .fetch_one(&mut *conn)
        .await?;
    Ok((to_u32(part), to_u32(total)))
}
