//! Excel workbooks as uploaded to the two importers, read by `khuyenhoc-sheets` as the
//! application reads them: the Learning Citizen batch (`citizen::check_workbook`: the sheet read
//! cell by cell, the header matched to the criteria set, every row parsed) and the member list
//! (`members::check_workbook`: the sheet and its header; its rows are checked against the
//! database, which is not reached here), and the central office's list of disadvantaged
//! communes (`disadvantaged::check_workbook`: a workbook or a CSV file, its header and every
//! row), and a province's sheet of the shares of its split communes (`shares::check_workbook`).
//! Each answers a count or the refusal an upload would show, never a panic, and never
//! reads more than the limits say.
//!
//! The first byte chooses how the rest is used: even, as the uploaded file itself (the seeds are
//! the real templates); odd, as a worksheet's XML and, after the first NUL byte, the shared
//! strings, packed into a well-formed .xlsx, so that mutations reach the XML and the rows instead
//! of stopping at the zip checksums. Bit 1 chooses a list uploaded for a branch (no branch
//! column needed) or for a commune.
#![no_main]

use khuyenhoc_criteria::{default_for, CriteriaSet, Model};
use khuyenhoc_sheets::{citizen, disadvantaged, members, shares};
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Write};
use std::sync::OnceLock;
use zip::write::SimpleFileOptions;

fn citizen_set() -> &'static CriteriaSet {
    static SET: OnceLock<CriteriaSet> = OnceLock::new();
    SET.get_or_init(|| default_for(Model::Citizen).expect("the national citizen set"))
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Phiếu nhập" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A well-formed .xlsx around a worksheet and shared strings (stored, not compressed).
fn pack(sheet: &[u8], strings: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts: [(&str, &[u8]); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", strings),
    ];
    for (name, bytes) in parts {
        zip.start_file(name, stored).expect("zip part");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

fuzz_target!(|data: &[u8]| {
    // libFuzzer's panic hook aborts on every panic, even one the importers catch (calamine's
    // overflow on a cell reference beyond Excel's, answered 400: see `khuyenhoc_sheets::read`).
    // With the default hook back, only a panic that escapes the importers ends the run.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| drop(std::panic::take_hook()));
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let packed;
    let bytes = if mode & 1 == 0 {
        rest
    } else {
        let cut = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        let strings = rest.get(cut + 1..).unwrap_or_default();
        packed = pack(&rest[..cut], strings);
        &packed
    };
    if let Ok(rows) = citizen::check_workbook(bytes, citizen_set(), 2026, 2026) {
        assert!(rows <= citizen::LIMITS.max_rows);
    }
    if let Ok(rows) = members::check_workbook(bytes, mode & 2 != 0) {
        assert!(rows <= members::LIMITS.max_rows);
    }
    if let Ok((rows, valid)) = disadvantaged::check_workbook(bytes) {
        assert!(valid <= rows && rows <= disadvantaged::LIMITS.max_rows);
    }
    if let Ok((rows, valid)) = shares::check_workbook(bytes) {
        assert!(valid <= rows && rows <= shares::LIMITS.max_rows);
    }
});
