//! The pure parts of reporting: periods and their deadlines, report templates as data (TOML),
//! the vocabulary of computed metrics, figures derived from base metrics, and ranks. No IO: the
//! application reads counters and stores reports, this crate says what they mean.

mod apportion;
mod metric;
mod period;
mod template;

pub use apportion::apportion;
pub use metric::{
    denominator_of, derive, format_of, is_known_metric, is_summable, ranks, ranks_known, share,
    Format, POPULATIONS,
};
pub use period::{Period, PeriodKind};
pub use template::{
    Deadlines, Indicator, Section, Source, Template, TemplateError, NATIONAL, NATIONAL_CODE,
};
