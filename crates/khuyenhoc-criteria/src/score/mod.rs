//! The scoring engine: answers in, an [`Outcome`] out. Pure and total: it never panics and
//! never clamps an answer that is out of range (that is an [`AnswerError`]).
//!
//! `input` holds what is scored (answers, the subject, computed shares) and why an answer
//! cannot be scored; `outcome` what comes out and why a subject does not pass.

mod input;
mod outcome;

pub use input::{Answer, AnswerError, Answers, Computed, EvidenceCount, Share, Subject};
pub use outcome::{AppliedThreshold, IndicatorOutcome, Outcome, Reason, ThresholdBasis};

use crate::model::{CriteriaSet, EvidenceKind, Indicator, Rule, Scoring};

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
