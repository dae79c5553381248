//! The CSV list of administrative units (`khuyenhoc import-units --file`):
//! `khuyenhoc_sheets::units_csv::parse` (what `org::import` reads) answers rows or an error
//! naming the bad lines, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rows) = khuyenhoc_sheets::units_csv::parse(text) {
        for row in rows {
            // Every accepted row has names and codes of the right level.
            assert!(!row.province.1.is_empty() && !row.commune.1.is_empty());
            assert_eq!(row.province.0.as_str().len(), 2);
            assert_eq!(row.commune.0.as_str().len(), 5);
        }
    }
    // The old map and the mappings (`khuyenhoc import-old-map`): rows or an error, never a panic.
    if let Ok(rows) = khuyenhoc_sheets::old_map::parse_old_units(text) {
        for row in rows {
            assert_eq!(row.district.0.as_str().len(), 3);
        }
    }
    let _ = khuyenhoc_sheets::old_map::parse_commune_mapping(text);
    let _ = khuyenhoc_sheets::old_map::parse_province_mapping(text);
});
