//! The lifecycle of an evaluation as a pure state machine:
//!
//! ```text
//! registered ──submit──▶ submitted ──check──▶ checked ──recognise──▶ recognised
//!     ▲                     │                    │      └─not recognise─▶ not_recognised
//!     │                     └──────return────────┴──return──▶ returned ──submit──▶ submitted
//! ```
//! Answers and evidence change only while `registered` or `returned`. A commune-level officer may
//! review straight from `submitted` when there is no branch to check it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "EvaluationStatus")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    Submitted,
    Checked,
    Returned,
    Recognised,
    NotRecognised,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Edit,
    Submit,
    Check,
    Return,
    Recognise,
    NotRecognise,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Submitted => "submitted",
            Status::Checked => "checked",
            Status::Returned => "returned",
            Status::Recognised => "recognised",
            Status::NotRecognised => "not_recognised",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Registered,
            Status::Submitted,
            Status::Checked,
            Status::Returned,
            Status::Recognised,
            Status::NotRecognised,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Registered => "Đã đăng ký, đang tự đánh giá",
            Status::Submitted => "Đã nộp, chờ chi hội kiểm tra",
            Status::Checked => "Chi hội đã kiểm tra, chờ hội cơ sở xét",
            Status::Returned => "Được trả lại để bổ sung",
            Status::Recognised => "Đã được công nhận",
            Status::NotRecognised => "Không được công nhận",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::Registered => "Registered, self-assessing",
            Status::Submitted => "Submitted, waiting for the branch check",
            Status::Checked => "Checked by the branch, waiting for the commune review",
            Status::Returned => "Returned for more information",
            Status::Recognised => "Recognised",
            Status::NotRecognised => "Not recognised",
        }
    }

    /// The status after `step`, or `None` when the step is not allowed now.
    pub fn after(self, step: Step) -> Option<Status> {
        use Status::*;
        match (self, step) {
            (Registered | Returned, Step::Edit) => Some(self),
            (Registered | Returned, Step::Submit) => Some(Submitted),
            (Submitted, Step::Check) => Some(Checked),
            (Submitted | Checked, Step::Return) => Some(Returned),
            (Submitted | Checked, Step::Recognise) => Some(Recognised),
            (Submitted | Checked, Step::NotRecognise) => Some(NotRecognised),
            _ => None,
        }
    }

    pub fn editable(self) -> bool {
        self.after(Step::Edit).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_and_its_refusals() {
        use Status::*;
        assert_eq!(Registered.after(Step::Submit), Some(Submitted));
        assert_eq!(Submitted.after(Step::Check), Some(Checked));
        assert_eq!(Checked.after(Step::Return), Some(Returned));
        assert_eq!(Returned.after(Step::Submit), Some(Submitted));
        assert_eq!(Checked.after(Step::Recognise), Some(Recognised));
        assert_eq!(
            Recognised.after(Step::Edit),
            None,
            "a recognised evaluation is frozen"
        );
        assert_eq!(Recognised.after(Step::Return), None);
        assert_eq!(Registered.after(Step::Recognise), None);
        assert_eq!(Submitted.after(Step::Edit), None);
        for s in [
            Registered,
            Submitted,
            Checked,
            Returned,
            Recognised,
            NotRecognised,
        ] {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
    }
}
