//! What scoring gives: points per indicator, the total against the threshold that applies, the
//! level reached, and every reason for not passing.

use crate::model::{EvidenceKind, Ratio, Source, Text};
use serde::Serialize;

/// Why a subject does not pass (yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
