//! The criteria sets of the learning models (citizen, family, clan, community, unit) as data,
//! and the scoring engine as pure functions. No IO: a set is read from text given to
//! [`CriteriaSet::parse`], which reports every problem with its line, column and path, and
//! scored with [`CriteriaSet::score`]. The file format is described in `docs/criteria.md`.
//!
//! ```
//! use khuyenhoc_criteria::{default_for, Answer, Answers, Computed, Model, Subject};
//!
//! let citizen = default_for(Model::Citizen).expect("shipped set");
//! let mut answers = Answers::new();
//! for (_, ind) in citizen.indicators() {
//!     answers.set(ind.code.clone(), Answer::Points(8));
//! }
//! let subject = Subject::new().in_form_group("farmer");
//! let outcome = citizen.score(&answers, &subject, &Computed::new()).expect("valid answers");
//! assert_eq!(outcome.total, 80);
//! assert!(outcome.passed);
//! assert_eq!(citizen.valid_until(2025), 2025);
//! ```

mod defaults;
mod load;
mod model;
mod score;
mod variant;
mod write;

pub use defaults::{
    default_for, defaults, targets, try_defaults, Target, TargetMeasure, DEFAULT_FILES,
};
pub use load::LoadError;
pub use model::{
    CriteriaSet, EvidenceKind, EvidenceRule, FormGroup, Group, Indicator, Level, MemberFilter,
    Model, PassRules, Ratio, ReducedThreshold, Requirement, Rule, Scoring, SetRef, Source, Step,
    Text,
};
pub use score::{
    Answer, AnswerError, Answers, AppliedThreshold, Computed, EvidenceCount, IndicatorOutcome,
    Outcome, Reason, Share, Subject, ThresholdBasis,
};
