//! The official list of administrative units as CSV (`khuyenhoc import-units --file`, and the
//! 2025 list that ships in the binary): one commune per line with its province. Every bad line
//! is reported with its number; the fuzz target `units_csv` calls [`parse`].

use khuyenhoc_domain::{text, UnitCode};

/// One line: the province and the commune, each as (code, name, kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub province: (UnitCode, String, &'static str),
    pub commune: (UnitCode, String, &'static str),
}

/// Why a list was refused: a header that is not the expected one, or the bad lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Error {
    pub(crate) fn new(message: String) -> Self {
        Self(message)
    }
}

/// The columns, in order.
pub const HEADER: [&str; 6] = [
    "province_code",
    "province_name",
    "province_type",
    "commune_code",
    "commune_name",
    "commune_type",
];

fn province_kind(t: &str) -> Option<&'static str> {
    match t {
        "tỉnh" => Some("tinh"),
        "thành phố trung ương" => Some("thanh_pho"),
        _ => None,
    }
}

fn commune_kind(t: &str) -> Option<&'static str> {
    match t {
        "xã" => Some("xa"),
        "phường" => Some("phuong"),
        "đặc khu" => Some("dac_khu"),
        _ => None,
    }
}

/// Parses the CSV; every bad line is reported with its line number.
pub fn parse(csv_text: &str) -> Result<Vec<Row>, Error> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error(format!("unreadable header: {e}")))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != HEADER {
        return Err(Error(format!(
            "unexpected header: want {}",
            HEADER.join(",")
        )));
    }
    let mut rows = vec![];
    let mut errors = vec![];
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let f = |k: usize| text::clean(rec.get(k).unwrap_or(""));
        let pcode = f(0)
            .parse::<u32>()
            .ok()
            .and_then(|n| UnitCode::province(n).ok());
        let ccode = f(3)
            .parse::<u32>()
            .ok()
            .and_then(|n| UnitCode::commune(n).ok());
        match (pcode, province_kind(&f(2)), ccode, commune_kind(&f(5))) {
            (Some(pc), Some(pk), Some(cc), Some(ck)) if !f(1).is_empty() && !f(4).is_empty() => {
                rows.push(Row {
                    province: (pc, f(1), pk),
                    commune: (cc, f(4), ck),
                })
            }
            _ => errors.push(format!("line {line}: bad code, name or type")),
        }
    }
    if !errors.is_empty() {
        return Err(Error(format!(
            "{} bad lines:\n{}",
            errors.len(),
            errors.join("\n")
        )));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_are_read() {
        let text = "province_code,province_name,province_type,commune_code,commune_name,commune_type\n1,Hà Nội,thành phố trung ương,4,Phường Ba Đình,phường\n";
        let rows = parse(text).expect("a good list");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].province.0.as_str(), "01");
        assert_eq!(rows[0].province.2, "thanh_pho");
        assert_eq!(rows[0].commune.0.as_str(), "00004");
        assert_eq!(rows[0].commune.1, "Phường Ba Đình");
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "province_code,province_name,province_type,commune_code,commune_name,commune_type\n1,Hà Nội,tỉnh,4,Ba Đình,phường\nx,Hà Nội,tỉnh,4,Ba Đình,phường\n";
        let err = parse(text).expect_err("line 3 is bad").to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(!err.contains("line 2"), "{err}");
        let err = parse("a,b\n1,2\n").expect_err("header").to_string();
        assert!(err.starts_with("unexpected header"), "{err}");
    }
}
