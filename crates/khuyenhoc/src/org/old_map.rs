//! The map before 1 July 2025 and the official successions (issue 17): 63 provinces, their
//! districts and 10,051 communes, valid from [`OLD_VALID_FROM`] until [`EFFECTIVE_2025`]
//! (exclusive), under the central office at paths whose province segment carries [`SUFFIX`]
//! (`/VN/92~2025/916/31120/`) so they never meet today's paths; then the links old commune →
//! new commune(s) and old province → new province(s), effective 1 July 2025 (districts have none:
//! they were abolished and their communes carry the links). Shares of split communes are left
//! unset (null): they are the province's to set.
//!
//! The three CSV files ship inside the binary (`data/`) and are parsed by
//! `khuyenhoc_sheets::old_map`. One transaction, multi-row inserts; idempotent (a second run
//! inserts nothing and says so); every row that cannot be placed is reported, never guessed.

use super::import::EFFECTIVE_2025;
use crate::audit::{self, Actor, Change};
use crate::db::{now, rows, Db, Tx};
use crate::error::AppError;
use khuyenhoc_domain::{text, Level};
use khuyenhoc_sheets::old_map::{
    parse_commune_mapping, parse_old_units, parse_province_mapping, CommuneLink, OldRow,
};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const UNITS_BEFORE_2025: &str = include_str!("../../../../data/units-before-2025.csv");
pub const COMMUNE_MAPPING_2025: &str = include_str!("../../../../data/commune-mapping-2025.csv");
pub const PROVINCE_MAPPING_2025: &str = include_str!("../../../../data/province-mapping-2025.csv");

/// The first day of the old units. The official list carries no start dates; the units it
/// names stood (under these codes, most since the 2008 and later adjustments) long before any
/// figure the program holds (the oldest period it imports is 2023-H1), and 1976-01-01, the
/// reunified country's first map, is before every one of them: a lookup "as of" any date the
/// program reads before 1 July 2025 finds them.
pub const OLD_VALID_FROM: &str = "1976-01-01";
/// What an old province's path segment carries after its code: `/VN/92~2025/`.
pub const SUFFIX: &str = "~2025";

/// An old commune the mapping does not place.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(rename = "OldMapUnmappedCommune")]
pub struct Unmapped {
    pub code: String,
    pub name: String,
    pub district_code: String,
    pub province_code: String,
}

/// A mapping row that names a unit the program does not have (an old commune not in the old
/// list, or a new commune or province not in today's map).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(rename = "OldMapUnplacedRow")]
pub struct Unplaced {
    /// `commune-mapping-2025.csv` or `province-mapping-2025.csv`.
    pub file: String,
    /// The line in that file (the header is line 1).
    pub line: usize,
    pub old_code: String,
    pub new_code: String,
    /// Why: `unknown_old` or `unknown_new`.
    pub reason: String,
}

/// What a run of the import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(rename = "OldMapReport")]
pub struct Report {
    /// In the old list.
    pub provinces: usize,
    pub districts: usize,
    pub communes: usize,
    /// Rows in the two mapping files.
    pub commune_mapping_rows: usize,
    pub province_mapping_rows: usize,
    /// Written by this run (0 on a second run).
    pub units_inserted: u64,
    pub commune_links_inserted: u64,
    pub province_links_inserted: u64,
    /// Nothing was written: the old map and its links were already there.
    pub already_loaded: bool,
    /// Old communes with no mapping row (28 in the official files).
    pub unmapped_communes: Vec<Unmapped>,
    /// Mapping rows that name a unit the program does not have (10 old codes in the files).
    pub unplaced_rows: Vec<Unplaced>,
}

/// The report as lines of text (Vietnamese / English), for the command line.
pub fn summary(r: &Report) -> Vec<String> {
    let mut out = vec![format!(
        "Danh mục cũ: {} tỉnh, {} huyện, {} xã / old list: {} provinces, {} districts, {} communes",
        r.provinces, r.districts, r.communes, r.provinces, r.districts, r.communes
    )];
    if r.already_loaded {
        out.push("Đã nạp từ trước, không thêm gì / already loaded, nothing added".into());
    } else {
        out.push(format!(
            "Thêm {} đơn vị, {} liên kết xã, {} liên kết tỉnh / added {} units, {} commune links, {} province links",
            r.units_inserted,
            r.commune_links_inserted,
            r.province_links_inserted,
            r.units_inserted,
            r.commune_links_inserted,
            r.province_links_inserted
        ));
    }
    out.push(format!(
        "{} xã cũ không có dòng ánh xạ / old communes with no mapping row:",
        r.unmapped_communes.len()
    ));
    for u in &r.unmapped_communes {
        out.push(format!(
            "  {} {} (huyện/district {}, tỉnh/province {})",
            u.code, u.name, u.district_code, u.province_code
        ));
    }
    out.push(format!(
        "{} dòng ánh xạ không đặt được / mapping rows not placed:",
        r.unplaced_rows.len()
    ));
    for u in &r.unplaced_rows {
        out.push(format!(
            "  {} dòng/line {}: {} → {} ({})",
            u.file, u.line, u.old_code, u.new_code, u.reason
        ));
    }
    out
}

/// Why the import cannot start.
pub fn new_map_missing() -> AppError {
    AppError::bad_request(
        "Chưa có danh mục đơn vị hành chính 2025: hãy nạp nó trước (khuyenhoc import-units)",
        "The 2025 map is not loaded: load it first (khuyenhoc import-units)",
    )
}

/// Imports the files that ship in the binary.
pub async fn import_builtin(db: &Db, actor: Actor) -> Result<Report, AppError> {
    let bad = |e: khuyenhoc_sheets::units_csv::Error| anyhow::anyhow!("shipped file: {e}");
    let old = parse_old_units(UNITS_BEFORE_2025).map_err(bad)?;
    let communes = parse_commune_mapping(COMMUNE_MAPPING_2025).map_err(bad)?;
    let provinces = parse_province_mapping(PROVINCE_MAPPING_2025).map_err(bad)?;
    import(db, actor, &old, &communes, &provinces).await
}

/// (code, kind, name, parent path, path)
type NewRow = (String, &'static str, String, String, String);

/// The old units to insert: provinces, districts, communes (each a [`NewRow`]).
fn units_of(old: &[OldRow]) -> (Vec<NewRow>, Vec<NewRow>, Vec<NewRow>) {
    let mut provinces: BTreeMap<String, NewRow> = BTreeMap::new();
    let mut districts: BTreeMap<(String, String), NewRow> = BTreeMap::new();
    let mut communes: Vec<NewRow> = vec![];
    for r in old {
        let p = r.province.0.as_str();
        let ppath = format!("/VN/{p}{SUFFIX}/");
        let d = r.district.0.as_str();
        let dpath = format!("{ppath}{d}/");
        provinces.entry(p.to_owned()).or_insert_with(|| {
            let (kind, name) = (r.province.2, r.province.1.clone());
            (p.to_owned(), kind, name, "/VN/".to_owned(), ppath.clone())
        });
        districts
            .entry((p.to_owned(), d.to_owned()))
            .or_insert_with(|| {
                let (kind, name) = (r.district.2, r.district.1.clone());
                (d.to_owned(), kind, name, ppath, dpath.clone())
            });
        let c = r.commune.0.as_str();
        let (kind, name) = (r.commune.2, r.commune.1.clone());
        communes.push((
            c.to_owned(),
            kind,
            name,
            dpath.clone(),
            format!("{dpath}{c}/"),
        ));
    }
    (
        provinces.into_values().collect(),
        districts.into_values().collect(),
        communes,
    )
}

type Ids = HashMap<(Level, String), i64>;

/// One mapping line to place: line, old code, new code.
struct Line<'a> {
    line: usize,
    old: &'a str,
    new: &'a str,
}

/// The links of one mapping file between units of `level`, and the lines that name a unit the
/// program does not have (added to `unplaced`).
fn place<'a>(
    file: &str,
    level: Level,
    lines: impl Iterator<Item = Line<'a>>,
    (before, new): (&Ids, &Ids),
    unplaced: &mut Vec<Unplaced>,
) -> Vec<(i64, i64)> {
    let mut links = vec![];
    for l in lines {
        let from = before.get(&(level, l.old.to_owned()));
        let to = new.get(&(level, l.new.to_owned()));
        let reason = match (from, to) {
            (Some(f), Some(t)) => {
                links.push((*f, *t));
                continue;
            }
            (None, _) => "unknown_old",
            (_, None) => "unknown_new",
        };
        unplaced.push(Unplaced {
            file: file.into(),
            line: l.line,
            old_code: l.old.to_owned(),
            new_code: l.new.to_owned(),
            reason: reason.into(),
        });
    }
    links
}

/// Imports the old units and the links, in one transaction.
pub async fn import(
    db: &Db,
    actor: Actor,
    old: &[OldRow],
    commune_links: &[CommuneLink],
    province_links: &[khuyenhoc_sheets::old_map::ProvinceLink],
) -> Result<Report, AppError> {
    let (provinces, districts, communes) = units_of(old);
    let mut report = Report {
        provinces: provinces.len(),
        districts: districts.len(),
        communes: communes.len(),
        commune_mapping_rows: commune_links.len(),
        province_mapping_rows: province_links.len(),
        ..Report::default()
    };
    let mut tx = db.begin().await?;
    let new = ids_valid_on(&mut tx, EFFECTIVE_2025).await?;
    if !new.keys().any(|(l, _)| *l == Level::Province) {
        return Err(new_map_missing());
    }
    report.units_inserted += insert_units(&mut tx, Level::Province, &provinces).await?;
    report.units_inserted += insert_units(&mut tx, Level::District, &districts).await?;
    report.units_inserted += insert_units(&mut tx, Level::Commune, &communes).await?;
    let before = ids_valid_on(&mut tx, "2025-06-30").await?;
    let lines = commune_links.iter().map(|l| Line {
        line: l.line,
        old: l.old_commune.as_str(),
        new: l.new_commune.as_str(),
    });
    let ids = (&before, &new);
    let file = "commune-mapping-2025.csv";
    let links = place(file, Level::Commune, lines, ids, &mut report.unplaced_rows);
    let mapped: BTreeSet<String> = commune_links
        .iter()
        .filter(|l| before.contains_key(&(Level::Commune, l.old_commune.to_string())))
        .map(|l| l.old_commune.to_string())
        .collect();
    report.commune_links_inserted = insert_links(&mut tx, &links).await?;
    let lines = province_links.iter().map(|l| Line {
        line: l.line,
        old: l.old_province.as_str(),
        new: l.new_province.as_str(),
    });
    let file = "province-mapping-2025.csv";
    let links = place(file, Level::Province, lines, ids, &mut report.unplaced_rows);
    report.province_links_inserted = insert_links(&mut tx, &links).await?;
    report.unmapped_communes = old
        .iter()
        .filter(|r| !mapped.contains(r.commune.0.as_str()))
        .map(|r| Unmapped {
            code: r.commune.0.to_string(),
            name: r.commune.1.clone(),
            district_code: r.district.0.to_string(),
            province_code: r.province.0.to_string(),
        })
        .collect();
    report.already_loaded = report.units_inserted == 0
        && report.commune_links_inserted == 0
        && report.province_links_inserted == 0;
    if !report.already_loaded {
        audit::record(&mut tx, actor, audit_change(&report)).await?;
    }
    tx.commit().await?;
    Ok(report)
}

fn audit_change(report: &Report) -> Change<'static> {
    Change {
        unit_id: None,
        entity: "old_map_import",
        entity_id: EFFECTIVE_2025.to_owned(),
        action: "import",
        before: None,
        after: Some(serde_json::json!({
            "units": report.units_inserted,
            "commune_links": report.commune_links_inserted,
            "province_links": report.province_links_inserted,
            "unmapped_communes": report.unmapped_communes.len(),
            "unplaced_rows": report.unplaced_rows.len(),
        })),
    }
}

/// Provinces and communes valid on `date`, by (level, code): one query.
async fn ids_valid_on(tx: &mut Tx<'_>, date: &str) -> Result<Ids, AppError> {
    let rows = sqlx::query(
        "SELECT id, level, code FROM units WHERE level IN ('province', 'commune') \
         AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)",
    )
    .bind(date)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let level = crate::auth::level_of(&r.try_get::<String, _>(1)?)?;
        out.insert((level, r.try_get(2)?), r.try_get(0)?);
    }
    Ok(out)
}

async fn insert_units(tx: &mut Tx<'_>, level: Level, units: &[NewRow]) -> Result<u64, AppError> {
    let row = "(?, ?, ?, ?, ?, (SELECT id FROM units WHERE path = ?), ?, ?, ?, ?)";
    let at = now();
    let mut inserted = 0;
    for chunk in units.chunks(rows::per_statement(10, 1000)) {
        let sql = format!(
            "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, valid_to, created_at) \
             VALUES {} ON CONFLICT DO NOTHING",
            rows::values(tx.backend(), chunk.len(), row)
        );
        let mut q = sqlx::query(&sql);
        for (code, kind, name, parent, path) in chunk {
            q = q
                .bind(code.clone())
                .bind(level.code())
                .bind(*kind)
                .bind(name.clone())
                .bind(text::fold(name))
                .bind(parent.clone())
                .bind(path.clone())
                .bind(OLD_VALID_FROM)
                .bind(EFFECTIVE_2025)
                .bind(at);
        }
        inserted += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

/// Succession links (predecessor, successor) effective 1 July 2025, share unset; a pair already
/// there is left alone.
async fn insert_links(tx: &mut Tx<'_>, links: &[(i64, i64)]) -> Result<u64, AppError> {
    let mut inserted = 0;
    for chunk in links.chunks(rows::per_statement(3, 2000)) {
        let sql = format!(
            "INSERT INTO unit_successions (predecessor_id, successor_id, share_permille, effective_date) \
             VALUES {} ON CONFLICT DO NOTHING",
            rows::values(tx.backend(), chunk.len(), "(?, ?, NULL, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (from, to) in chunk {
            q = q.bind(*from).bind(*to).bind(EFFECTIVE_2025);
        }
        inserted += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_have_the_official_counts() {
        let old = parse_old_units(UNITS_BEFORE_2025).expect("old list");
        assert_eq!(old.len(), 10_051);
        let p: BTreeSet<_> = old.iter().map(|r| r.province.0.clone()).collect();
        let d: BTreeSet<_> = old.iter().map(|r| r.district.0.clone()).collect();
        assert_eq!((p.len(), d.len()), (63, 691));
        assert_eq!(
            parse_commune_mapping(COMMUNE_MAPPING_2025)
                .expect("communes")
                .len(),
            10_565
        );
        assert_eq!(
            parse_province_mapping(PROVINCE_MAPPING_2025)
                .expect("provinces")
                .len(),
            64
        );
    }
}
