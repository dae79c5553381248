//! Every row of a read workbook checked against the database, writing nothing: who the row is
//! about (a person of the unit found by phone, else a new person the officer may add), whether
//! they may be evaluated this year, the officer's right over them, and the score the engine
//! gives (`khuyenhoc_sheets::citizen::score`, with the commune's disadvantaged flag).

use super::CitizenBatch;
use crate::accounts::bulk::phones_taken;
use crate::accounts::model::{find_visible, Lookup, Person};
use crate::auth::perm;
use crate::error::AppError;
use crate::evaluation::bulk::registered;
use crate::evaluation::score::DISADVANTAGED;
use crate::evaluation::service::disadvantaged;
use crate::sheets::{Checked, Problem, Progress, Read};
use crate::state::AppState;
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::Gender;
use khuyenhoc_sheets::citizen::{parse_row, score, Columns, Field, Parsed};
use khuyenhoc_sheets::{phone_text, RawRow, Value};
use std::collections::{BTreeMap, HashMap};

/// Who a row is about.
#[derive(Debug, Clone)]
pub enum Who {
    Existing {
        id: i64,
        unit_id: i64,
        name: String,
    },
    New {
        name: String,
        phone: Option<String>,
        birth_year: Option<i64>,
        gender: Option<Gender>,
    },
}

/// A row that will be saved, and how.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub who: Who,
    /// The position whose right to enter evaluations is used.
    pub enter_position: i64,
    pub form_group: Option<String>,
    pub values: BTreeMap<String, u32>,
    pub disadvantaged: bool,
    pub total: i64,
    pub max_total: i64,
    pub passed: bool,
    pub level: Option<i64>,
}

impl Accepted {
    pub fn is_new(&self) -> bool {
        matches!(self.who, Who::New { .. })
    }

    /// Exactly what the row writes, as a line of the preview's digest.
    pub fn line(&self, out: &mut String) {
        let who = match &self.who {
            Who::Existing { id, .. } => format!("person:{id}"),
            Who::New {
                name,
                phone,
                birth_year,
                gender,
            } => format!(
                "new:{name}:{phone:?}:{birth_year:?}:{:?}",
                gender.map(Gender::code)
            ),
        };
        let values = serde_json::to_string(&self.values).unwrap_or_default();
        out.push_str(&format!(
            "{who}|{:?}|{values}|{}|{}",
            self.form_group, self.total, self.enter_position
        ));
    }
}

/// What the checks of one workbook share.
struct Check<'a> {
    state: &'a AppState,
    b: &'a CitizenBatch,
    /// The position allowing new people under the unit, if the viewer holds one.
    person_right: Option<i64>,
    /// Phones seen in earlier rows.
    phones: HashMap<String, u32>,
    /// Commune code → disadvantaged area.
    communes: HashMap<String, bool>,
}

/// Checks every row of a read workbook (the slow part: people are looked up). Writes nothing;
/// stops when the browser stops waiting for a streamed preview.
pub async fn rows(
    b: &CitizenBatch,
    state: &AppState,
    read: &Read<Columns>,
    progress: &Progress,
) -> Result<Vec<Checked<Accepted>>, AppError> {
    let mut c = Check {
        state,
        b,
        person_right: b
            .viewer
            .position_for(perm::PERSON_MANAGE, &b.unit.path)
            .map(|p| p.position_id),
        phones: HashMap::new(),
        communes: HashMap::new(),
    };
    let total = read.sheet.rows.len();
    let mut out = Vec::with_capacity(total);
    for row in &read.sheet.rows {
        if progress.abandoned() {
            return Err(Progress::gone_error());
        }
        out.push(check_row(&mut c, &read.cols, row).await?);
        progress.read(out.len(), total);
    }
    tracing::info!(unit = %b.unit.code, year = b.year, rows = out.len(), "batch workbook checked");
    Ok(out)
}

/// Whether the commune of a unit path is marked as a disadvantaged area for the batch's year
/// (once per commune).
async fn in_disadvantaged_area(c: &mut Check<'_>, unit_path: &str) -> Result<bool, AppError> {
    let Some(commune) = unit_path.trim_matches('/').split('/').nth(2) else {
        return Ok(false);
    };
    if let Some(flag) = c.communes.get(commune) {
        return Ok(*flag);
    }
    let flag = disadvantaged(&c.state.db, unit_path, c.b.year).await?;
    c.communes.insert(commune.to_owned(), flag);
    Ok(flag)
}

/// A new person under the unit, if the viewer may add people there.
fn new_person(c: &Check<'_>, n: u32, p: &Parsed) -> Result<(Who, String), Problem> {
    match c.person_right {
        Some(_) => Ok((
            Who::New {
                name: p.name.as_str().to_owned(),
                phone: p.phone.as_ref().map(|x| x.as_str().to_owned()),
                birth_year: p.birth_year,
                gender: p.gender,
            },
            c.b.unit.path.clone(),
        )),
        None => Err(Problem::at(
            n,
            None,
            "Bạn không có quyền thêm người mới ở đơn vị này",
            "You may not add new people in this unit",
        )),
    }
}

/// A person of the unit found by phone: the name must match, and no evaluation this year.
async fn existing(
    c: &Check<'_>,
    n: u32,
    p: &Parsed,
    person: Person,
) -> Result<Result<(Who, String), Problem>, AppError> {
    if fold(&person.full_name) != fold(p.name.as_str()) {
        return Ok(Err(Problem::at(
            n,
            None,
            &format!(
                "Số điện thoại này là của «{}», khác họ tên trong tệp",
                person.full_name
            ),
            &format!(
                "This phone number belongs to “{}”, not to the name in the file",
                person.full_name
            ),
        )));
    }
    let year = c.b.year;
    if registered(&c.state.db, "citizen", "person", person.id, year)
        .await?
        .is_some()
    {
        return Ok(Err(Problem::at(
            n,
            None,
            &format!("Người này đã đăng ký danh hiệu Công dân học tập năm {year}"),
            &format!("This person is already registered for the Learning Citizen title in {year}"),
        )));
    }
    Ok(Ok((
        Who::Existing {
            id: person.id,
            unit_id: person.unit_id,
            name: person.full_name,
        },
        person.unit_path,
    )))
}

/// Finds who the row is about (by phone among people in scope, else a new person under the
/// unit) and checks that an evaluation may be made for them. Returns them with their unit path.
async fn resolve(
    c: &mut Check<'_>,
    n: u32,
    p: &Parsed,
) -> Result<Result<(Who, String), Problem>, AppError> {
    let Some(phone) = &p.phone else {
        return Ok(new_person(c, n, p));
    };
    if let Some(first) = c.phones.insert(phone.as_str().to_owned(), n) {
        return Ok(Err(Problem::at(
            n,
            None,
            &format!("Số điện thoại trùng với dòng {first}"),
            &format!("The same phone number as row {first}"),
        )));
    }
    let unit = &c.b.unit;
    let outside = || {
        Err(Problem::at(
            n,
            None,
            &format!(
                "Số điện thoại này thuộc về một người không ở đơn vị {}",
                unit.name
            ),
            &format!("This phone number belongs to someone outside {}", unit.name),
        ))
    };
    let db = &c.state.db;
    match find_visible(db, &c.b.viewer, &Lookup::Phone(phone.clone())).await? {
        Some(person) if person.unit_path.starts_with(&unit.path) => existing(c, n, p, person).await,
        Some(_) => Ok(outside()),
        None => {
            // Out of scope looks like absent, but the number is taken all the same.
            let mut conn = db.pool.acquire().await?;
            if phones_taken(&mut conn, db.backend, &[phone.as_str()])
                .await?
                .is_empty()
            {
                Ok(new_person(c, n, p))
            } else {
                Ok(outside())
            }
        }
    }
}

/// The row's own checks, then who it is about, the officer's right, and the score.
async fn accept(
    c: &mut Check<'_>,
    cols: &Columns,
    row: &RawRow,
) -> Result<Result<Accepted, Vec<Problem>>, AppError> {
    let b = c.b;
    let p = match parse_row(row, cols, &b.set, b.this_year) {
        Ok(p) => p,
        Err(problems) => return Ok(Err(problems)),
    };
    let (who, path) = match resolve(c, row.number, &p).await? {
        Ok(x) => x,
        Err(problem) => return Ok(Err(vec![problem])),
    };
    let Some(enter_position) = b
        .viewer
        .position_for(perm::EVALUATION_ENTER, &path)
        .map(|p| p.position_id)
    else {
        return Ok(Err(vec![Problem::at(
            row.number,
            None,
            "Bạn không có quyền nhập hồ sơ cho người này",
            "You may not enter evaluations for this person",
        )]));
    };
    let flag = in_disadvantaged_area(c, &path).await?;
    let flags: &[&str] = if flag { &[DISADVANTAGED] } else { &[] };
    Ok(match score(&b.set, &p, flags) {
        Ok(o) => Ok(Accepted {
            who,
            enter_position,
            form_group: p.form_group,
            values: p.values,
            disadvantaged: flag,
            total: i64::from(o.total),
            max_total: i64::from(o.max_total),
            passed: o.passed,
            level: o.level.map(i64::from),
        }),
        Err((vi, en)) => Err(vec![Problem::at(row.number, None, &vi, &en)]),
    })
}

async fn check_row(
    c: &mut Check<'_>,
    cols: &Columns,
    row: &RawRow,
) -> Result<Checked<Accepted>, AppError> {
    let outcome = accept(c, cols, row).await?;
    let name = match &outcome {
        Ok(Accepted {
            who: Who::Existing { name, .. },
            ..
        }) => name.clone(),
        _ => cols
            .cell(row, Field::Name)
            .map(Value::shown)
            .unwrap_or_default(),
    };
    Ok(Checked {
        number: row.number,
        name,
        note: String::new(),
        column: cols
            .cell(row, Field::Phone)
            .map(phone_text)
            .unwrap_or_default(),
        outcome,
    })
}
