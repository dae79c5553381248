//! The map before 1 July 2025 and the official successions, as CSV (`data/units-before-2025.csv`,
//! `data/commune-mapping-2025.csv`, `data/province-mapping-2025.csv`, shipped in the binary and
//! loaded by `khuyenhoc import-old-map`). Pure: every bad line is reported with its number,
//! never a panic (the fuzz target `units_csv` calls these parsers too).

use crate::units_csv::Error;
use khuyenhoc_domain::{text, UnitCode};

/// One commune of the old list with its district and province, each as (code, name, kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldRow {
    pub province: (UnitCode, String, &'static str),
    pub district: (UnitCode, String, &'static str),
    pub commune: (UnitCode, String, &'static str),
}

/// One line of the commune mapping: an old commune (with the district and province the file
/// names) became part of a new commune; `partly`: the old commune was split across several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneLink {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub old_commune: UnitCode,
    pub old_district: UnitCode,
    pub old_province: UnitCode,
    pub partly: bool,
    pub new_commune: UnitCode,
    pub new_province: UnitCode,
}

/// One line of the province mapping: an old province became (part of) a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvinceLink {
    pub line: usize,
    pub old_province: UnitCode,
    pub new_province: UnitCode,
}

pub const OLD_HEADER: [&str; 9] = [
    "province_code",
    "province_name",
    "province_type",
    "district_code",
    "district_name",
    "district_type",
    "commune_code",
    "commune_name",
    "commune_type",
];

pub const COMMUNE_MAPPING_HEADER: [&str; 6] = [
    "old_commune_code",
    "old_district_code",
    "old_province_code",
    "old_partly_merged",
    "new_commune_code",
    "new_province_code",
];

pub const PROVINCE_MAPPING_HEADER: [&str; 2] = ["old_province_code", "new_province_code"];

fn province_kind(t: &str) -> Option<&'static str> {
    match t {
        "tỉnh" => Some("tinh"),
        "thành phố trung ương" => Some("thanh_pho"),
        _ => None,
    }
}

fn district_kind(t: &str) -> Option<&'static str> {
    match t {
        "huyện" => Some("huyen"),
        "quận" => Some("quan"),
        "thị xã" => Some("thi_xa"),
        "thành phố" => Some("thanh_pho_thuoc_tinh"),
        _ => None,
    }
}

fn commune_kind(t: &str) -> Option<&'static str> {
    match t {
        "xã" => Some("xa"),
        "phường" => Some("phuong"),
        "thị trấn" => Some("thi_tran"),
        _ => None,
    }
}

fn code(s: &str, make: fn(u32) -> Result<UnitCode, khuyenhoc_domain::Invalid>) -> Option<UnitCode> {
    s.parse::<u32>().ok().and_then(|n| make(n).ok())
}

/// Reads every record after checking the header; `row` turns a record into a value or `None`
/// (a bad line, reported with its number).
fn read<T>(
    csv_text: &str,
    header: &[&str],
    mut row: impl FnMut(usize, &dyn Fn(usize) -> String) -> Option<T>,
) -> Result<Vec<T>, Error> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::new(format!("unreadable header: {e}")))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != header {
        return Err(Error::new(format!(
            "unexpected header: want {}",
            header.join(",")
        )));
    }
    let mut rows = vec![];
    let mut errors = vec![];
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        match rec {
            Ok(rec) => {
                let f = |k: usize| text::clean(rec.get(k).unwrap_or(""));
                match row(line, &f) {
                    Some(r) => rows.push(r),
                    None => errors.push(format!("line {line}: bad code, name or type")),
                }
            }
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(Error::new(format!(
            "{} bad lines:\n{}",
            errors.len(),
            errors.join("\n")
        )));
    }
    Ok(rows)
}

/// Parses the old list (`units-before-2025.csv`).
pub fn parse_old_units(csv_text: &str) -> Result<Vec<OldRow>, Error> {
    read(csv_text, &OLD_HEADER, |_, f| {
        let named = |k: usize| Some(f(k)).filter(|n| !n.is_empty());
        Some(OldRow {
            province: (
                code(&f(0), UnitCode::province)?,
                named(1)?,
                province_kind(&f(2))?,
            ),
            district: (
                code(&f(3), UnitCode::district)?,
                named(4)?,
                district_kind(&f(5))?,
            ),
            commune: (
                code(&f(6), UnitCode::commune)?,
                named(7)?,
                commune_kind(&f(8))?,
            ),
        })
    })
}

/// Parses the commune mapping (`commune-mapping-2025.csv`).
pub fn parse_commune_mapping(csv_text: &str) -> Result<Vec<CommuneLink>, Error> {
    read(csv_text, &COMMUNE_MAPPING_HEADER, |line, f| {
        Some(CommuneLink {
            line,
            old_commune: code(&f(0), UnitCode::commune)?,
            old_district: code(&f(1), UnitCode::district)?,
            old_province: code(&f(2), UnitCode::province)?,
            partly: match f(3).as_str() {
                "0" => false,
                "1" => true,
                _ => return None,
            },
            new_commune: code(&f(4), UnitCode::commune)?,
            new_province: code(&f(5), UnitCode::province)?,
        })
    })
}

/// Parses the province mapping (`province-mapping-2025.csv`).
pub fn parse_province_mapping(csv_text: &str) -> Result<Vec<ProvinceLink>, Error> {
    read(csv_text, &PROVINCE_MAPPING_HEADER, |line, f| {
        Some(ProvinceLink {
            line,
            old_province: code(&f(0), UnitCode::province)?,
            new_province: code(&f(1), UnitCode::province)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_units_are_read_with_their_district() {
        let text = "province_code,province_name,province_type,district_code,district_name,district_type,commune_code,commune_name,commune_type\n92,Thành phố Cần Thơ,thành phố trung ương,916,Quận Ninh Kiều,quận,31120,Phường An Hòa,phường\n";
        let rows = parse_old_units(text).expect("a good list");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].province.0.as_str(), "92");
        assert_eq!(
            rows[0].district,
            (
                UnitCode::district(916).expect("916"),
                "Quận Ninh Kiều".into(),
                "quan"
            )
        );
        assert_eq!(rows[0].commune.0.as_str(), "31120");
        assert_eq!(rows[0].commune.2, "phuong");
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "province_code,province_name,province_type,district_code,district_name,district_type,commune_code,commune_name,commune_type\n92,Cần Thơ,tỉnh,916,Ninh Kiều,quận,31120,An Hòa,phường\n92,Cần Thơ,tỉnh,916,Ninh Kiều,làng,31120,An Hòa,phường\n";
        let err = parse_old_units(text).expect_err("line 3").to_string();
        assert!(err.contains("line 3") && !err.contains("line 2"), "{err}");
        let err = parse_commune_mapping("a,b\n")
            .expect_err("header")
            .to_string();
        assert!(err.starts_with("unexpected header"), "{err}");
    }

    #[test]
    fn mappings_are_read() {
        let text = "old_commune_code,old_district_code,old_province_code,old_partly_merged,new_commune_code,new_province_code\n31178,918,92,1,31120,92\n31178,918,92,2,31168,92\n";
        let err = parse_commune_mapping(text).expect_err("line 3").to_string();
        assert!(err.contains("line 3"), "{err}");
        let good = "old_commune_code,old_district_code,old_province_code,old_partly_merged,new_commune_code,new_province_code\n31178,918,92,1,31120,92\n";
        let links = parse_commune_mapping(good).expect("one line");
        assert_eq!(links.len(), 1);
        assert!(links[0].partly);
        assert_eq!(links[0].line, 2);
        assert_eq!(links[0].new_commune.as_str(), "31120");
        let p = parse_province_mapping("old_province_code,new_province_code\n60,68\n").expect("ok");
        assert_eq!(
            (p[0].old_province.as_str(), p[0].new_province.as_str()),
            ("60", "68")
        );
    }
}
