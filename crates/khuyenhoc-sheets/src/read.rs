//! A workbook read from bytes, safely: what an import receives before it looks at its columns.

use crate::cell::Value;
use crate::error::{Kind, SheetError};
use calamine::{Reader, Xlsx, XlsxError};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// What one import reads at most, and the sheet it reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The sheet the import's template puts the rows on; the first sheet is read when the
    /// workbook has none of that name.
    pub sheet: &'static str,
    /// Largest file (the upload's own limit, so that a caller without HTTP keeps it too).
    pub max_bytes: usize,
    /// Largest total size of the workbook's parts once unzipped: a guard against zip bombs.
    pub max_unpacked: u64,
    /// Most data rows (the header row not counted).
    pub max_rows: usize,
    /// Columns read; a cell further right is noted on its row (`RawRow::stray`), never kept.
    pub max_columns: u32,
    /// How the rows are filled, for the refusal of a file without any (Vietnamese, English):
    /// ("hãy điền mỗi người một dòng", "fill in one row per person").
    pub one_row: (&'static str, &'static str),
}

/// One non-blank row: its Excel row number (from 1) and its non-empty cells by column (from 0).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub number: u32,
    pub cells: BTreeMap<u32, Value>,
    /// The first column at or beyond `Limits::max_columns` holding something, if any.
    pub stray: Option<u32>,
}

impl RawRow {
    /// The cell of a column the header found, if both are there.
    pub fn get(&self, col: Option<u32>) -> Option<&Value> {
        col.and_then(|c| self.cells.get(&c))
    }
}

/// The rows sheet: its header (the first non-blank row) and at least one data row.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub header: RawRow,
    pub rows: Vec<RawRow>,
}

fn mb(bytes: u64) -> u64 {
    bytes / 1024 / 1024
}

fn empty(limits: &Limits) -> SheetError {
    SheetError::refused(
        format!(
            "Tệp chưa có dòng dữ liệu nào: {} dưới dòng tiêu đề",
            limits.one_row.0
        ),
        format!(
            "The file has no data rows: {} below the header row",
            limits.one_row.1
        ),
    )
}

fn too_many_rows(limits: &Limits) -> SheetError {
    let n = limits.max_rows;
    SheetError::refused(
        format!("Tệp có hơn {n} dòng dữ liệu: hãy chia thành nhiều tệp nhỏ hơn"),
        format!("The file has more than {n} data rows: split it into smaller files"),
    )
}

/// Reads the rows sheet of a workbook within the limits. A workbook that makes the reader
/// panic is not a readable workbook: calamine 0.35 overflows on a cell reference longer than
/// Excel's (`r="AAAAAAAA1"` panics where overflow checks are on, as in debug builds; found by
/// the fuzz target `xlsx_import`), and the answer is the usual refusal, never a crash.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    if bytes.len() > limits.max_bytes {
        let max = mb(u64::try_from(limits.max_bytes).unwrap_or(u64::MAX));
        return Err(SheetError::new(
            Kind::TooLarge,
            format!("Tệp quá lớn (tối đa {max} MB)"),
            format!("The file is too large (at most {max} MB)"),
        ));
    }
    check_unpacked(bytes, limits.max_unpacked)?;
    std::panic::catch_unwind(|| read_cells(bytes, limits))
        .unwrap_or_else(|_| Err(SheetError::not_xlsx()))
}

/// Refuses archives that unzip to more than `max` bytes, counting what really comes out of
/// each part, not what the archive claims.
fn check_unpacked(bytes: &[u8], max: u64) -> Result<(), SheetError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::not_xlsx())?;
    let mut left = max;
    for n in 0..zip.len() {
        let mut part = zip.by_index(n).map_err(|_| SheetError::not_xlsx())?;
        let read = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|_| SheetError::not_xlsx())?;
        if read > left {
            return Err(SheetError::refused(
                format!(
                    "Tệp giải nén ra quá lớn (hơn {} MB): hãy chia thành nhiều tệp",
                    mb(max)
                ),
                format!(
                    "The workbook unpacks to more than {} MB: split it into several files",
                    mb(max)
                ),
            ));
        }
        left -= read;
    }
    Ok(())
}

/// The rows gathered so far: the header, then the data rows up to the limit.
struct Rows<'l> {
    limits: &'l Limits,
    header: Option<RawRow>,
    rows: Vec<RawRow>,
}

impl Rows<'_> {
    fn finish(&mut self, row: RawRow) -> Result<(), SheetError> {
        if self.header.is_none() {
            self.header = Some(row);
        } else if self.rows.len() >= self.limits.max_rows {
            return Err(too_many_rows(self.limits));
        } else {
            self.rows.push(row);
        }
        Ok(())
    }
}

/// Reads the rows sheet cell by cell (never the whole grid, so a sheet with a cell at
/// XFD1048576 or 100,000 blank rows costs nothing). The header is the first non-blank row.
fn read_cells(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::not_xlsx())?;
    let names = wb.sheet_names();
    let name = names
        .iter()
        .find(|n| n.as_str() == limits.sheet)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| empty(limits))?;
    let mut cells = match wb.worksheet_cells_reader(&name) {
        Ok(c) => c,
        // A worksheet with no cells at all has an empty `<sheetData/>`.
        Err(XlsxError::NotAWorksheet(_) | XlsxError::XmlEof(_)) => return Err(empty(limits)),
        Err(_) => return Err(SheetError::not_xlsx()),
    };
    let mut out = Rows {
        limits,
        header: None,
        rows: Vec::new(),
    };
    let mut current: Option<RawRow> = None;
    while let Some(cell) = cells.next_cell().map_err(|_| SheetError::not_xlsx())? {
        let Some(value) = Value::of(cell.get_value()) else {
            continue;
        };
        let (r, c) = cell.get_position();
        if current.as_ref().is_some_and(|x| x.number != r + 1) {
            if let Some(done) = current.take() {
                out.finish(done)?;
            }
        }
        let row = current.get_or_insert_with(|| RawRow {
            number: r + 1,
            cells: BTreeMap::new(),
            stray: None,
        });
        if c < limits.max_columns {
            row.cells.insert(c, value);
        } else if row.stray.is_none() {
            row.stray = Some(c);
        }
    }
    if let Some(done) = current.take() {
        out.finish(done)?;
    }
    let header = out.header.ok_or_else(|| empty(limits))?;
    if out.rows.is_empty() {
        return Err(empty(limits));
    }
    Ok(Sheet {
        header,
        rows: out.rows,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    pub const LIMITS: Limits = Limits {
        sheet: "Rows",
        max_bytes: 1024 * 1024,
        max_unpacked: 1024 * 1024,
        max_rows: 3,
        max_columns: 4,
        one_row: ("mỗi người một dòng", "one row per person"),
    };

    /// A workbook of one sheet named `sheet` with these rows of (reference, inline text) cells,
    /// zipped as Excel would.
    pub fn workbook(sheet: &str, rows: &[&[(&str, &str)]]) -> Vec<u8> {
        let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
        let data: String = rows
            .iter()
            .map(|cells| {
                let c: String = cells
                    .iter()
                    .map(|(r, t)| format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#))
                    .collect();
                format!("<row>{c}</row>")
            })
            .collect();
        let parts = [
            ("[Content_Types].xml".to_owned(), r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()),
            ("_rels/.rels".to_owned(), format!(r#"<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)),
            ("xl/workbook.xml".to_owned(), format!(r#"<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#)),
            ("xl/_rels/workbook.xml.rels".to_owned(), format!(r#"<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#)),
            ("xl/worksheets/sheet1.xml".to_owned(), format!(r#"<worksheet {ns}><sheetData>{data}</sheetData></worksheet>"#)),
        ];
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in parts {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("part");
            zip.write_all(text.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    /// A valid zip whose one part unpacks to `size` zero bytes (a zip bomb when large).
    pub fn bomb(size: usize) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("part");
        zip.write_all(&vec![0u8; size]).expect("write");
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn rows_are_read_blank_ones_skipped_and_far_columns_noted() {
        let bytes = workbook(
            "Rows",
            &[
                &[("A1", "Tên"), ("B1", "Số")],
                &[("A2", "  ")],
                &[("A3", "An"), ("B3", "7"), ("F3", "far")],
            ],
        );
        let sheet = read(&bytes, &LIMITS).expect("read");
        assert_eq!(sheet.header.number, 1);
        assert_eq!(sheet.rows.len(), 1, "the blank row 2 is skipped");
        let row = &sheet.rows[0];
        assert_eq!(row.number, 3);
        assert_eq!(row.get(Some(0)), Some(&Value::Text("An".into())));
        assert_eq!(row.cells.len(), 2);
        assert_eq!(row.stray, Some(5), "column F is beyond the 4 read");
    }

    #[test]
    fn every_limit_is_a_refusal() {
        let rows: Vec<[(String, String); 1]> = (1..=5)
            .map(|r| [(format!("A{r}"), format!("row {r}"))])
            .collect();
        let refs: Vec<Vec<(&str, &str)>> = rows
            .iter()
            .map(|r| r.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect())
            .collect();
        let slices: Vec<&[(&str, &str)]> = refs.iter().map(Vec::as_slice).collect();
        // A header and four data rows: one more than the limit.
        let err = read(&workbook("Rows", &slices), &LIMITS).expect_err("too many rows");
        assert_eq!(err.kind, Kind::Refused);
        assert!(
            err.vi.starts_with("Tệp có hơn 3 dòng dữ liệu"),
            "{}",
            err.vi
        );
        // A header and three: read.
        assert_eq!(
            read(&workbook("Rows", &slices[..4]), &LIMITS)
                .expect("at the limit")
                .rows
                .len(),
            3
        );
        let err = read(&workbook("Rows", &slices[..1]), &LIMITS).expect_err("header only");
        assert_eq!(
            err.vi,
            "Tệp chưa có dòng dữ liệu nào: mỗi người một dòng dưới dòng tiêu đề"
        );
        let err = read(b"not a zip", &LIMITS).expect_err("not a workbook");
        assert_eq!(err.kind, Kind::Unreadable);
        let err = read(&vec![0u8; LIMITS.max_bytes + 1], &LIMITS).expect_err("too large");
        assert_eq!(err.kind, Kind::TooLarge);
        assert_eq!(err.vi, "Tệp quá lớn (tối đa 1 MB)");
    }

    #[test]
    fn a_zip_bomb_is_refused_by_what_comes_out() {
        // 2 MB of zeros deflate to a few kB: small enough to upload, too large once unpacked.
        let bytes = bomb(2 * 1024 * 1024);
        assert!(bytes.len() < 64 * 1024);
        let err = read(&bytes, &LIMITS).expect_err("a bomb");
        assert_eq!(err.kind, Kind::Refused);
        assert!(
            err.vi.starts_with("Tệp giải nén ra quá lớn (hơn 1 MB)"),
            "{}",
            err.vi
        );
    }

    /// Found by the fuzz target `xlsx_import`: a cell reference of 8 letters overflowed
    /// calamine's column arithmetic, a panic wherever overflow checks are on.
    #[test]
    fn a_cell_reference_beyond_excel_is_not_a_workbook() {
        let bytes = workbook(
            "Rows",
            &[&[("A1", "Tên"), ("AAAAAAAA1", "x")], &[("A2", "An")]],
        );
        let err = read(&bytes, &LIMITS).expect_err("not a workbook");
        assert_eq!(err.kind, Kind::Unreadable);
        let bytes = workbook("Rows", &[&[("A1", "Tên"), ("XFD1", "x")], &[("A2", "An")]]);
        let sheet = read(&bytes, &LIMITS).expect("a reference Excel can have");
        assert_eq!(sheet.header.stray, Some(16_383));
    }
}
