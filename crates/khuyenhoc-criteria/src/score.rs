//! The scoring engine: answers in, an [`Outcome`] out. Pure and total: it never panics and
//! never clamps an answer that is out of range (that is an [`AnswerError`]).

use crate::model::{CriteriaSet, EvidenceKind, Indicator, Ratio, Rule, Scoring, Source, Text};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A raw answer to one indicator, as typed on the form. Numbers are signed so that a wrong
/// negative entry is reported rather than wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Answer {
    /// For `scale`: the points, 0..=max.
    Points(i64),
    /// For `yes_no`.
    YesNo(bool),
    /// For `count`: how many (0 or more; above the cap counts as the cap).
    Count(i64),
}

/// How many pieces of evidence of each kind are attached to an indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EvidenceCount {
    pub photo: u32,
    pub document: u32,
    pub note: u32,
}

impl EvidenceCount {
    pub fn of(&self, kind: EvidenceKind) -> u32 {
        match kind {
            EvidenceKind::Photo => self.photo,
            EvidenceKind::Document => self.document,
            EvidenceKind::Note => self.note,
        }
    }

    fn slot(&mut self, kind: EvidenceKind) -> &mut u32 {
        match kind {
            EvidenceKind::Photo => &mut self.photo,
            EvidenceKind::Document => &mut self.document,
            EvidenceKind::Note => &mut self.note,
        }
    }
}

/// A self-assessment or a review: answers and evidence counts, by indicator code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Answers {
    pub values: BTreeMap<String, Answer>,
    pub evidence: BTreeMap<String, EvidenceCount>,
}

impl Answers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, code: impl Into<String>, answer: Answer) -> &mut Self {
        self.values.insert(code.into(), answer);
        self
    }

    pub fn with(mut self, code: impl Into<String>, answer: Answer) -> Self {
        self.set(code, answer);
        self
    }

    pub fn add_evidence(
        &mut self,
        code: impl Into<String>,
        kind: EvidenceKind,
        n: u32,
    ) -> &mut Self {
        let slot = self.evidence.entry(code.into()).or_default().slot(kind);
        *slot = slot.saturating_add(n);
        self
    }
}

/// Who is evaluated: the form group they chose (citizens) and flags such as
/// `disadvantaged_area`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub form_group: Option<String>,
    pub flags: BTreeSet<String>,
}

impl Subject {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn in_form_group(mut self, code: impl Into<String>) -> Self {
        self.form_group = Some(code.into());
        self
    }

    pub fn with_flag(mut self, flag: impl Into<String>) -> Self {
        self.flags.insert(flag.into());
        self
    }
}

/// `part` out of `total`, e.g. 9 recognised learning citizens among 10 members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Share {
    pub part: u32,
    pub total: u32,
}

/// Values that come from other evaluations, keyed by their source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Computed {
    pub shares: BTreeMap<Source, Share>,
}

impl Computed {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, source: Source, part: u32, total: u32) -> Self {
        self.shares.insert(source, Share { part, total });
        self
    }
}

/// An answer that cannot be scored. Nothing is clamped: the whole scoring is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "error")]
pub enum AnswerError {
    UnknownIndicator {
        code: String,
    },
    /// A scale answer for a count indicator, an answer to a computed one, and so on.
    WrongKind {
        code: String,
        rule: &'static str,
    },
    OutOfRange {
        code: String,
        value: i64,
        min: i64,
        max: Option<i64>,
    },
    /// The indicator does not apply to the subject's form group.
    NotApplicable {
        code: String,
    },
    FormGroupRequired,
    UnknownFormGroup {
        code: String,
    },
    EvidenceKindNotAllowed {
        code: String,
        kind: EvidenceKind,
    },
    /// `part > total`, or `total = 0`.
    BadShare {
        source: Source,
        part: u32,
        total: u32,
    },
}

impl AnswerError {
    pub fn vi(&self) -> String {
        match self {
            AnswerError::UnknownIndicator { code } => format!("Không có chỉ tiêu `{code}`"),
            AnswerError::WrongKind { code, rule } => {
                format!("Câu trả lời cho chỉ tiêu `{code}` không đúng kiểu ({rule})")
            }
            AnswerError::OutOfRange {
                code,
                value,
                min,
                max,
            } => match max {
                Some(max) => format!("Chỉ tiêu `{code}`: {value} nằm ngoài khoảng {min}–{max}"),
                None => format!("Chỉ tiêu `{code}`: {value} phải từ {min} trở lên"),
            },
            AnswerError::NotApplicable { code } => {
                format!("Chỉ tiêu `{code}` không áp dụng cho nhóm đối tượng này")
            }
            AnswerError::FormGroupRequired => "Cần chọn nhóm đối tượng (mẫu phiếu)".to_owned(),
            AnswerError::UnknownFormGroup { code } => format!("Không có nhóm đối tượng `{code}`"),
            AnswerError::EvidenceKindNotAllowed { code, kind } => {
                format!("Chỉ tiêu `{code}` không nhận minh chứng loại {}", kind.vi())
            }
            AnswerError::BadShare {
                source,
                part,
                total,
            } => format!(
                "Số liệu {} không hợp lệ: {part}/{total}",
                source.describe().vi
            ),
        }
    }

    pub fn en(&self) -> String {
        match self {
            AnswerError::UnknownIndicator { code } => format!("No indicator `{code}`"),
            AnswerError::WrongKind { code, rule } => {
                format!("The answer to indicator `{code}` has the wrong kind ({rule})")
            }
            AnswerError::OutOfRange {
                code,
                value,
                min,
                max,
            } => match max {
                Some(max) => format!("Indicator `{code}`: {value} is outside {min}–{max}"),
                None => format!("Indicator `{code}`: {value} must be {min} or more"),
            },
            AnswerError::NotApplicable { code } => {
                format!("Indicator `{code}` does not apply to this form group")
            }
            AnswerError::FormGroupRequired => "A form group must be chosen".to_owned(),
            AnswerError::UnknownFormGroup { code } => format!("No form group `{code}`"),
            AnswerError::EvidenceKindNotAllowed { code, kind } => {
                format!(
                    "Indicator `{code}` takes no evidence of kind {}",
                    kind.code()
                )
            }
            AnswerError::BadShare {
                source,
                part,
                total,
            } => format!("Invalid {}: {part}/{total}", source.describe().en),
        }
    }
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi(), self.en())
    }
}

impl std::error::Error for AnswerError {}

/// Why a subject does not pass (yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Reason {
    Unanswered {
        code: String,
        text: Text,
    },
    MissingEvidence {
        code: String,
        text: Text,
        kinds: Vec<EvidenceKind>,
    },
    BelowMinimum {
        code: String,
        text: Text,
        awarded: u32,
        min: u32,
    },
    BelowThreshold {
        total: u32,
        threshold: u32,
    },
    /// A requirement whose share is below its mark.
    RequirementNotMet {
        source: Source,
        at_least: Ratio,
        part: u32,
        total: u32,
    },
    /// A requirement whose share the application did not supply.
    RequirementUnknown {
        source: Source,
        at_least: Ratio,
    },
}

impl Reason {
    pub fn vi(&self) -> String {
        match self {
            Reason::Unanswered { text, .. } => format!("Chưa chấm chỉ tiêu «{}»", text.vi),
            Reason::MissingEvidence { text, kinds, .. } => format!(
                "Chỉ tiêu «{}» cần minh chứng ({})",
                text.vi,
                kinds.iter().map(|k| k.vi()).collect::<Vec<_>>().join(", ")
            ),
            Reason::BelowMinimum {
                text, awarded, min, ..
            } => format!(
                "Chỉ tiêu «{}» được {awarded} điểm, cần ít nhất {min}",
                text.vi
            ),
            Reason::BelowThreshold { total, threshold } => {
                format!("Tổng điểm {total} chưa đạt ngưỡng {threshold}")
            }
            Reason::RequirementNotMet {
                source,
                at_least,
                part,
                total,
            } => format!(
                "Cần {} từ {} trở lên, hiện có {part}/{total}",
                source.describe().vi,
                at_least.percent_text()
            ),
            Reason::RequirementUnknown { source, at_least } => format!(
                "Chưa có số liệu {} (cần từ {} trở lên)",
                source.describe().vi,
                at_least.percent_text()
            ),
        }
    }

    pub fn en(&self) -> String {
        match self {
            Reason::Unanswered { text, .. } => format!("“{}” is not scored yet", text.en),
            Reason::MissingEvidence { text, kinds, .. } => format!(
                "“{}” needs evidence ({})",
                text.en,
                kinds
                    .iter()
                    .map(|k| k.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Reason::BelowMinimum {
                text, awarded, min, ..
            } => format!("“{}” has {awarded} points, at least {min} needed", text.en),
            Reason::BelowThreshold { total, threshold } => {
                format!("The total {total} is below the threshold {threshold}")
            }
            Reason::RequirementNotMet {
                source,
                at_least,
                part,
                total,
            } => format!(
                "The {} must be at least {}; it is {part}/{total}",
                source.describe().en,
                at_least.percent_text()
            ),
            Reason::RequirementUnknown { source, at_least } => format!(
                "No figure yet for the {} (at least {} needed)",
                source.describe().en,
                at_least.percent_text()
            ),
        }
    }
}

/// Why this threshold applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "basis", content = "flag")]
pub enum ThresholdBasis {
    Standard,
    /// The subject carries this flag (e.g. `disadvantaged_area`).
    Flag(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedThreshold {
    pub points: u32,
    pub basis: ThresholdBasis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorOutcome {
    pub code: String,
    pub group: String,
    pub awarded: u32,
    pub max: u32,
    /// The minimum that applies (0 when none).
    pub min: u32,
    pub answered: bool,
    /// False when evidence is required and none of an allowed kind is attached.
    pub evidence_ok: bool,
    /// Unanswered, missing evidence, below its minimum.
    pub failures: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The indicators that apply to the subject, in the set's order.
    pub indicators: Vec<IndicatorOutcome>,
    pub total: u32,
    pub max_total: u32,
    pub threshold: AppliedThreshold,
    pub passed: bool,
    /// For sets with levels: the highest level reached when passed.
    pub level: Option<u8>,
    /// Every reason for not passing; empty exactly when `passed`.
    pub reasons: Vec<Reason>,
    pub unanswered: Vec<String>,
    pub missing_evidence: Vec<String>,
}

impl CriteriaSet {
    /// Scores one subject. Refuses (listing every problem) when an answer is unknown, of the
    /// wrong kind or out of range, when evidence is of a kind the indicator does not take, or
    /// when a supplied share is impossible.
    pub fn score(
        &self,
        answers: &Answers,
        subject: &Subject,
        computed: &Computed,
    ) -> Result<Outcome, Vec<AnswerError>> {
        let mut errors = Vec::new();
        let form_group = self.check_form_group(subject, &mut errors);
        self.check_answers(answers, form_group, computed, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut indicators = Vec::new();
        let mut reasons = Vec::new();
        let (mut unanswered, mut missing_evidence) = (Vec::new(), Vec::new());
        for (group, ind) in self.indicators() {
            if !ind.applies_to(form_group) {
                continue;
            }
            let out = self.score_one(group.code.as_str(), ind, answers, computed);
            if !out.answered {
                unanswered.push(out.code.clone());
            }
            if !out.evidence_ok {
                missing_evidence.push(out.code.clone());
            }
            reasons.extend(out.failures.iter().cloned());
            indicators.push(out);
        }
        let total = indicators
            .iter()
            .map(|i| i.awarded)
            .fold(0, u32::saturating_add);
        let max_total = self.max_total(form_group);
        let threshold = self.threshold_for(subject);
        if total < threshold.points {
            reasons.push(Reason::BelowThreshold {
                total,
                threshold: threshold.points,
            });
        }
        for req in &self.pass.requires {
            match computed.shares.get(&req.source) {
                None => reasons.push(Reason::RequirementUnknown {
                    source: req.source,
                    at_least: req.at_least,
                }),
                Some(s) if !req.at_least.is_met_by(s.part, s.total) => {
                    reasons.push(Reason::RequirementNotMet {
                        source: req.source,
                        at_least: req.at_least,
                        part: s.part,
                        total: s.total,
                    });
                }
                Some(_) => {}
            }
        }
        let passed = reasons.is_empty();
        let level = if passed && !self.pass.levels.is_empty() {
            self.pass
                .levels
                .iter()
                .filter(|l| l.threshold <= total)
                .map(|l| l.level)
                .max()
                .or(Some(1))
        } else {
            None
        };
        Ok(Outcome {
            indicators,
            total,
            max_total,
            threshold,
            passed,
            level,
            reasons,
            unanswered,
            missing_evidence,
        })
    }

    /// The threshold for this subject: the lowest reduced threshold among its flags, or the
    /// standard one.
    pub fn threshold_for(&self, subject: &Subject) -> AppliedThreshold {
        self.pass
            .reduced
            .iter()
            .filter(|r| subject.flags.contains(&r.flag))
            .min_by_key(|r| r.threshold)
            .map_or(
                AppliedThreshold {
                    points: self.pass.threshold,
                    basis: ThresholdBasis::Standard,
                },
                |r| AppliedThreshold {
                    points: r.threshold,
                    basis: ThresholdBasis::Flag(r.flag.clone()),
                },
            )
    }

    fn check_form_group<'a>(
        &self,
        subject: &'a Subject,
        errors: &mut Vec<AnswerError>,
    ) -> Option<&'a str> {
        let fg = subject.form_group.as_deref();
        match fg {
            None if !self.form_groups.is_empty() => errors.push(AnswerError::FormGroupRequired),
            Some(code) if !self.form_groups.iter().any(|g| g.code == code) => {
                errors.push(AnswerError::UnknownFormGroup {
                    code: code.to_owned(),
                });
            }
            _ => {}
        }
        fg
    }

    fn check_answers(
        &self,
        answers: &Answers,
        form_group: Option<&str>,
        computed: &Computed,
        errors: &mut Vec<AnswerError>,
    ) {
        for (code, answer) in &answers.values {
            let Some(ind) = self.indicator(code) else {
                errors.push(AnswerError::UnknownIndicator { code: code.clone() });
                continue;
            };
            if !ind.applies_to(form_group) {
                errors.push(AnswerError::NotApplicable { code: code.clone() });
                continue;
            }
            let range = |value: i64, max: Option<i64>| AnswerError::OutOfRange {
                code: code.clone(),
                value,
                min: 0,
                max,
            };
            match (&ind.rule, *answer) {
                (Rule::Scale, Answer::Points(p)) if !(0..=i64::from(ind.max)).contains(&p) => {
                    errors.push(range(p, Some(i64::from(ind.max))));
                }
                (Rule::Count { .. }, Answer::Count(n)) if n < 0 => errors.push(range(n, None)),
                (Rule::Scale, Answer::Points(_))
                | (Rule::YesNo, Answer::YesNo(_))
                | (Rule::Count { .. }, Answer::Count(_)) => {}
                (rule, _) => errors.push(AnswerError::WrongKind {
                    code: code.clone(),
                    rule: rule.name(),
                }),
            }
        }
        for (code, count) in &answers.evidence {
            let Some(ind) = self.indicator(code) else {
                errors.push(AnswerError::UnknownIndicator { code: code.clone() });
                continue;
            };
            for kind in EvidenceKind::ALL {
                if count.of(kind) > 0 && !ind.evidence.kinds.contains(&kind) {
                    errors.push(AnswerError::EvidenceKindNotAllowed {
                        code: code.clone(),
                        kind,
                    });
                }
            }
        }
        for (source, s) in &computed.shares {
            if s.total == 0 || s.part > s.total {
                errors.push(AnswerError::BadShare {
                    source: *source,
                    part: s.part,
                    total: s.total,
                });
            }
        }
    }

    fn score_one(
        &self,
        group: &str,
        ind: &Indicator,
        answers: &Answers,
        computed: &Computed,
    ) -> IndicatorOutcome {
        let awarded = match (&ind.rule, answers.values.get(&ind.code)) {
            (Rule::Scale, Some(Answer::Points(p))) => u32::try_from(*p).ok(),
            (Rule::YesNo, Some(Answer::YesNo(yes))) => Some(if *yes { ind.max } else { 0 }),
            (Rule::Count { points_each, cap }, Some(Answer::Count(n))) => {
                let counted = u32::try_from(*n).unwrap_or(0).min(*cap);
                Some(counted.saturating_mul(*points_each).min(ind.max))
            }
            (Rule::Computed { source, scoring }, _) => computed
                .shares
                .get(source)
                .map(|s| computed_points(scoring, ind.max, s.part, s.total)),
            _ => None,
        };
        let answered = awarded.is_some();
        let awarded = awarded.unwrap_or(0).min(ind.max);
        let min = ind.min.or(self.pass.min_each).unwrap_or(0);
        let evidence_ok = !ind.evidence.required
            || answers
                .evidence
                .get(&ind.code)
                .is_some_and(|c| ind.evidence.kinds.iter().any(|k| c.of(*k) > 0));
        let mut failures = Vec::new();
        if !answered {
            failures.push(Reason::Unanswered {
                code: ind.code.clone(),
                text: ind.text.clone(),
            });
        }
        if !evidence_ok {
            failures.push(Reason::MissingEvidence {
                code: ind.code.clone(),
                text: ind.text.clone(),
                kinds: ind.evidence.kinds.clone(),
            });
        }
        if answered && awarded < min {
            failures.push(Reason::BelowMinimum {
                code: ind.code.clone(),
                text: ind.text.clone(),
                awarded,
                min,
            });
        }
        IndicatorOutcome {
            code: ind.code.clone(),
            group: group.to_owned(),
            awarded,
            max: ind.max,
            min,
            answered,
            evidence_ok,
            failures,
        }
    }
}

/// Points of a computed indicator for `part / total` (`total > 0` was checked).
fn computed_points(scoring: &Scoring, max: u32, part: u32, total: u32) -> u32 {
    if total == 0 {
        return 0;
    }
    match scoring {
        Scoring::Linear => {
            let p = u64::from(part.min(total)) * u64::from(max) / u64::from(total);
            u32::try_from(p).unwrap_or(max).min(max)
        }
        Scoring::Thresholds(steps) => steps
            .iter()
            .filter(|s| s.at_least.is_met_by(part, total))
            .map(|s| s.points)
            .max()
            .unwrap_or(0)
            .min(max),
    }
}
