//! Helpers the report page templates call: states, values, dates, history steps and cluster
//! ranks written for people.

use crate::i18n::{date_of, day};
use crate::reports::service::{show, state_labels};
use khuyenhoc_reports::Format;

/// Helpers the report templates call.
pub trait Show {
    fn state_vi(&self, s: &str) -> &'static str {
        state_labels(s).0
    }
    fn state_en(&self, s: &str) -> &'static str {
        state_labels(s).1
    }
    fn fmt(&self, f: &Format, v: &Option<i64>) -> String {
        v.map(|v| show(*f, v)).unwrap_or_default()
    }
    fn date_of(&self, at: &Option<i64>) -> String {
        date_of(at)
    }
    /// A step of the report's history, in words.
    fn action_vi(&self, a: &str) -> &'static str {
        action_labels(a).0
    }
    fn action_en(&self, a: &str) -> &'static str {
        action_labels(a).1
    }
    /// `2026-12-05` → `05/12/2026`, as dates are written in Vietnam.
    fn day(&self, iso: &str) -> String {
        day(iso)
    }
    /// The `i`-th value of a row, written.
    fn fmt_at(&self, f: &Format, v: &[Option<i64>], i: &usize) -> String {
        v.get(*i)
            .copied()
            .flatten()
            .map(|v| show(*f, v))
            .unwrap_or_default()
    }
    /// A cluster value, or a dash when missing (never a zero).
    fn cell_at(&self, f: &Format, v: &[Option<i64>], i: &usize) -> String {
        v.get(*i)
            .copied()
            .flatten()
            .map_or_else(|| "—".to_owned(), |v| show(*f, v))
    }
    /// "hạng 2 · +1.234" under a cluster value.
    fn rank_at(
        &self,
        f: &Format,
        ranks: &[Option<usize>],
        change: &[Option<i64>],
        i: &usize,
    ) -> String {
        let rank = ranks
            .get(*i)
            .copied()
            .flatten()
            .map(|r| format!("hạng {r}"))
            .unwrap_or_default();
        match change.get(*i).copied().flatten() {
            Some(c) => format!("{rank} · {}{}", if c >= 0 { "+" } else { "" }, show(*f, c)),
            None => rank,
        }
    }
}

pub fn action_labels(a: &str) -> (&'static str, &'static str) {
    match a {
        "save" => ("Lưu nháp", "Saved"),
        "submit" => ("Nộp báo cáo", "Submitted"),
        "return" => ("Trả lại", "Returned"),
        "accept" => ("Duyệt", "Accepted"),
        _ => ("Khác", "Other"),
    }
}
