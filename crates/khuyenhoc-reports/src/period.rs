//! Reporting periods: the first half-year (`2026-H1`) and the whole year (`2026-Y`).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Sáu tháng đầu năm: January to June.
    HalfYear,
    /// Cả năm.
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
}

impl Period {
    /// `2026-H1` or `2026-Y` (also accepts lower case and `2026-h1`).
    pub fn parse(s: &str) -> Result<Self, (&'static str, &'static str)> {
        let bad = (
            "Kỳ báo cáo phải có dạng 2026-H1 (6 tháng đầu năm) hoặc 2026-Y (cả năm)",
            "A period is written 2026-H1 (first half-year) or 2026-Y (whole year)",
        );
        let s = s.trim();
        let (y, k) = s.split_once('-').ok_or(bad)?;
        let year: i32 = y.parse().map_err(|_| bad)?;
        if !(2000..=2100).contains(&year) || y.len() != 4 {
            return Err(bad);
        }
        let kind = match k.to_ascii_uppercase().as_str() {
            "H1" => PeriodKind::HalfYear,
            "Y" => PeriodKind::Year,
            _ => return Err(bad),
        };
        Ok(Period { year, kind })
    }

    /// The last day of the period, `YYYY-MM-DD`.
    pub fn end_date(&self) -> String {
        match self.kind {
            PeriodKind::HalfYear => format!("{}-06-30", self.year),
            PeriodKind::Year => format!("{}-12-31", self.year),
        }
    }

    /// The same kind of period a year earlier (what "change from the previous period" compares).
    pub fn previous(&self) -> Period {
        Period {
            year: self.year - 1,
            kind: self.kind,
        }
    }

    /// The counter periods of flows (money, members joining) within this period.
    pub fn halves(&self) -> Vec<String> {
        match self.kind {
            PeriodKind::HalfYear => vec![format!("{}-H1", self.year)],
            PeriodKind::Year => vec![format!("{}-H1", self.year), format!("{}-H2", self.year)],
        }
    }

    pub fn label_vi(&self) -> String {
        match self.kind {
            PeriodKind::HalfYear => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::Year => format!("năm {}", self.year),
        }
    }

    pub fn label_en(&self) -> String {
        match self.kind {
            PeriodKind::HalfYear => format!("first half of {}", self.year),
            PeriodKind::Year => format!("year {}", self.year),
        }
    }

    /// The periods that come before `self` back to `n` periods, oldest first, alternating
    /// half-years and years (for trend charts): 2025-H1, 2025-Y, 2026-H1, ...
    pub fn trail(&self, n: usize) -> Vec<Period> {
        let mut out = vec![*self];
        let mut p = *self;
        while out.len() < n {
            p = match p.kind {
                PeriodKind::Year => Period {
                    year: p.year,
                    kind: PeriodKind::HalfYear,
                },
                PeriodKind::HalfYear => Period {
                    year: p.year - 1,
                    kind: PeriodKind::Year,
                },
            };
            out.push(p);
        }
        out.reverse();
        out
    }

    /// The period being reported on a day (`YYYY-MM-DD`): the first half-year until the end of
    /// July (reports are written in June and July), the year from August on.
    pub fn current(today: &str) -> Period {
        let year: i32 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
        let month: u32 = today.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
        Period {
            year,
            kind: if month <= 7 {
                PeriodKind::HalfYear
            } else {
                PeriodKind::Year
            },
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::HalfYear => write!(f, "{}-H1", self.year),
            PeriodKind::Year => write!(f, "{}-Y", self.year),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let p = Period::parse("2026-h1").expect("valid");
        assert_eq!(p.to_string(), "2026-H1");
        assert_eq!(p.end_date(), "2026-06-30");
        assert_eq!(p.halves(), ["2026-H1"]);
        let y = Period::parse("2026-Y").expect("valid");
        assert_eq!(y.halves(), ["2026-H1", "2026-H2"]);
        assert_eq!(y.previous().to_string(), "2025-Y");
        for bad in ["2026", "26-H1", "2026-H2", "abcd-Y", "1800-Y", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trail_alternates() {
        let p = Period::parse("2026-H1").expect("valid");
        let t: Vec<String> = p.trail(4).iter().map(ToString::to_string).collect();
        assert_eq!(t, ["2024-Y", "2025-H1", "2025-Y", "2026-H1"]);
        assert_eq!(Period::current("2026-07-31").to_string(), "2026-H1");
        assert_eq!(Period::current("2026-08-01").to_string(), "2026-Y");
    }
}
