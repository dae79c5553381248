//! What is scored: the answers typed on the form with their evidence, the subject (form group,
//! flags), the shares computed from members; and why an answer cannot be scored.

use crate::model::{EvidenceKind, Source};
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
