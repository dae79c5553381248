//! Calendar dates of ledger lines and report periods. Only what the reports need: a date that
//! is valid in the Gregorian calendar and compares in time order.

use crate::errors;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, year 1 to 9999. Serialised as `"YYYY-MM-DD"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order gives the time order to the derived `Ord`.
    year: u16,
    month: u8,
    day: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl Date {
    /// The years of the dates people type (entries, pledges, report periods): a date far out,
    /// such as 9999-12-31, is a typing mistake, and the caps on amounts count half-years in
    /// this range (see [`crate::dong`]).
    pub const YEARS: std::ops::RangeInclusive<u16> = 2000..=2100;

    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, Invalid> {
        if (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
        {
            Ok(Self { year, month, day })
        } else {
            Err(errors::BAD_DATE)
        }
    }

    /// `2025-12-31` (as stored) or `31/12/2025` (as typed in Vietnam; `1/2/2025` is 1 February).
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let parts: Vec<&str> = s.split(['-', '/']).collect();
        let num = |p: &str, max_len: usize| -> Result<u16, Invalid> {
            if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(errors::BAD_DATE);
            }
            p.parse().map_err(|_| errors::BAD_DATE)
        };
        let small = |v: u16| u8::try_from(v).map_err(|_| errors::BAD_DATE);
        match parts.as_slice() {
            [y, m, d]
                if s.contains('-')
                    && !s.contains('/')
                    && y.len() == 4
                    && m.len() == 2
                    && d.len() == 2 =>
            {
                Date::new(num(y, 4)?, small(num(m, 2)?)?, small(num(d, 2)?)?)
            }
            [d, m, y] if s.contains('/') && !s.contains('-') && y.len() == 4 => {
                Date::new(num(y, 4)?, small(num(m, 2)?)?, small(num(d, 2)?)?)
            }
            _ => Err(errors::BAD_DATE),
        }
    }

    /// A date a person types into the books: as [`Date::parse`], and within [`Date::YEARS`].
    pub fn parse_typed(s: &str) -> Result<Self, Invalid> {
        let d = Self::parse(s)?;
        if Self::YEARS.contains(&d.year) {
            Ok(d)
        } else {
            Err(errors::DATE_OUT_OF_RANGE)
        }
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Vietnamese form: `31/12/2025`.
    pub fn to_vi(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

/// ISO form: `2025-12-31`.
impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A date's schema: the `"YYYY-MM-DD"` string it is serialised as.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date", "description": "YYYY-MM-DD"})
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A report period: both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Period {
    from: Date,
    to: Date,
}

impl Period {
    pub fn new(from: Date, to: Date) -> Result<Self, Invalid> {
        if from <= to {
            Ok(Self { from, to })
        } else {
            Err(errors::BAD_PERIOD)
        }
    }
    /// 1 January to 31 December (the year-end report, báo cáo tổng kết năm).
    pub fn year(year: u16) -> Result<Self, Invalid> {
        Self::new(Date::new(year, 1, 1)?, Date::new(year, 12, 31)?)
    }
    /// 1 January to 30 June (the half-year report, báo cáo sơ kết 6 tháng).
    pub fn first_half(year: u16) -> Result<Self, Invalid> {
        Self::new(Date::new(year, 1, 1)?, Date::new(year, 6, 30)?)
    }
    pub fn from(self) -> Date {
        self.from
    }
    pub fn to(self) -> Date {
        self.to
    }
    pub fn contains(self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            from: Date,
            to: Date,
        }
        let raw = Raw::deserialize(deserializer)?;
        Period::new(raw.from, raw.to).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates() -> Result<(), Invalid> {
        let d = Date::new(2025, 12, 31)?;
        assert_eq!(Date::parse("2025-12-31"), Ok(d));
        assert_eq!(Date::parse("31/12/2025"), Ok(d));
        assert_eq!(Date::parse("1/2/2025"), Date::new(2025, 2, 1));
        assert_eq!(d.to_string(), "2025-12-31");
        assert_eq!(d.to_vi(), "31/12/2025");
        assert!(Date::new(2024, 2, 29).is_ok());
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-1-1",
            "31/12/25",
            "2025/12/31",
            "31-12/2025",
            "",
            "hôm nay",
            "+2025-01-01",
        ] {
            assert_eq!(Date::parse(bad), Err(errors::BAD_DATE), "{bad}");
        }
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::new(2025, 1, 2)? < Date::new(2025, 2, 1)?);
        assert_eq!(
            Period::new(d, Date::new(2025, 1, 1)?),
            Err(errors::BAD_PERIOD)
        );
        let h = Period::first_half(2025)?;
        assert!(h.contains(Date::new(2025, 6, 30)?) && !h.contains(Date::new(2025, 7, 1)?));
        Ok(())
    }

    #[test]
    fn typed_dates_lie_in_2000_to_2100() {
        assert!(Date::parse_typed("2000-01-01").is_ok());
        assert!(Date::parse_typed("31/12/2100").is_ok());
        assert_eq!(
            Date::parse_typed("9999-12-31"),
            Err(errors::DATE_OUT_OF_RANGE)
        );
        assert_eq!(
            Date::parse_typed("31/12/1999"),
            Err(errors::DATE_OUT_OF_RANGE)
        );
        assert_eq!(Date::parse_typed("2025-02-30"), Err(errors::BAD_DATE));
    }

    #[test]
    fn serde_forms() -> Result<(), serde_json::Error> {
        let p = Period::year(2025).map_err(serde::ser::Error::custom)?;
        let json = serde_json::to_string(&p)?;
        assert_eq!(json, r#"{"from":"2025-01-01","to":"2025-12-31"}"#);
        assert_eq!(serde_json::from_str::<Period>(&json)?, p);
        assert!(
            serde_json::from_str::<Period>(r#"{"from":"2025-12-31","to":"2025-01-01"}"#).is_err()
        );
        assert!(serde_json::from_str::<Date>(r#""2025-02-30""#).is_err());
        Ok(())
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,16}") {
            let _ = Date::parse(&s);
        }

        #[test]
        fn display_roundtrips(y in 1u16..=9999, m in 1u8..=12, d in 1u8..=31) {
            if let Ok(date) = Date::new(y, m, d) {
                prop_assert_eq!(Date::parse(&date.to_string()), Ok(date));
                prop_assert_eq!(Date::parse(&date.to_vi()), Ok(date));
            }
        }
    }
}
