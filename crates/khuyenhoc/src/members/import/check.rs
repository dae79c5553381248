//! Every row of a member list checked, writing nothing: the person (the checks of
//! `accounts::service::check`, then by phone among people in the viewer's scope, else a new
//! person), the branch, the card number (free in the commune and once in the file), the join
//! date, the sectors, and whether the person is a member already. A list of 100,000 rows is
//! checked with a few statements for the whole file (branches once per code; card numbers and
//! phone numbers in `IN (…)` lists, `members::bulk`), then every row in memory.

use super::MemberImport;
use crate::accounts::service::{self as people, NewPerson};
use crate::auth::Viewer;
use crate::db::{today, Db};
use crate::error::{AppError, FieldError};
use crate::members::bulk::{cards_held, known_by_phone, Known};
use crate::members::service::{self, AlreadyMember};
use crate::org::model::Unit;
use crate::sheets::{Checked, Problem, Read};
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::PhoneNumber;
use khuyenhoc_sheets::members::{Col, Columns};
use khuyenhoc_sheets::{gender_of, RawRow, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// Who a row is about.
#[derive(Debug)]
pub enum Who {
    Existing(i64),
    New(NewPerson),
}

/// What a valid row stores.
#[derive(Debug)]
pub struct Plan {
    pub who: Who,
    pub branch: Unit,
    pub card: Option<String>,
    pub joined: String,
    /// Space-separated sector codes.
    pub sectors: String,
}

impl Plan {
    /// Exactly what the row stores, as a line of the preview's digest.
    pub fn line(&self, out: &mut String) {
        // Writing into a String cannot fail.
        let _ = match &self.who {
            Who::Existing(id) => write!(out, "person:{id}"),
            Who::New(p) => write!(
                out,
                "new:{}:{:?}:{:?}:{:?}",
                p.full_name, p.phone, p.birth_year, p.gender
            ),
        };
        let _ = write!(
            out,
            "|{}|{:?}|{}|{}",
            self.branch.id, self.card, self.joined, self.sectors
        );
    }
}

struct Check<'a> {
    viewer: &'a Viewer,
    cols: &'a Columns,
    branches: HashMap<String, Result<Unit, FieldError>>,
    phones: HashMap<String, u32>,
    cards: HashMap<(i64, String), u32>,
    /// Card numbers of the file that members of their commune hold already.
    taken_cards: HashSet<(i64, String)>,
    /// The people who have the file's phone numbers, by number.
    known: HashMap<String, Known>,
}

/// Reads and checks a workbook for the unit: every row's outcome, nothing written.
pub async fn rows(
    imp: &MemberImport,
    db: &Db,
    read: &Read<Columns>,
) -> Result<Vec<Checked<Plan>>, AppError> {
    let mut c = Check {
        viewer: &imp.viewer,
        cols: &read.cols,
        branches: HashMap::new(),
        phones: HashMap::new(),
        cards: HashMap::new(),
        taken_cards: HashSet::new(),
        known: HashMap::new(),
    };
    c.load_branches(db, &imp.unit, &read.sheet.rows).await?;
    c.load_known(db, &read.sheet.rows).await?;
    let mut out = Vec::with_capacity(read.sheet.rows.len());
    for (i, row) in read.sheet.rows.iter().enumerate() {
        // Long files: let the other tasks of this worker run now and then.
        if i % 2000 == 1999 {
            tokio::task::yield_now().await;
        }
        out.push(c.row(row));
    }
    Ok(out)
}

impl Check<'_> {
    fn problem(&self, n: u32, c: Option<Col>, vi: &str, en: &str) -> Problem {
        self.cols.problem(n, c, vi, en)
    }

    /// The phone number of a row, when it is one.
    fn phone(&self, row: &RawRow) -> Option<PhoneNumber> {
        PhoneNumber::parse(&self.cols.phone(row)).ok()
    }

    /// Looks up every branch code of the file once.
    async fn load_branches(
        &mut self,
        db: &Db,
        unit: &Unit,
        rows: &[RawRow],
    ) -> Result<(), AppError> {
        let codes: BTreeSet<String> = rows
            .iter()
            .map(|r| self.cols.text(r, Col::Branch))
            .collect();
        for code in codes {
            let b = match service::branch_under(db, unit, &code).await {
                Ok(u) => Ok(u),
                Err(AppError::Invalid(mut f)) if !f.is_empty() => Err(f.remove(0)),
                Err(e) => return Err(e),
            };
            self.branches.insert(code, b);
        }
        Ok(())
    }

    /// Asks the database, a few statements for the whole file, which card numbers are held
    /// already and who has the phone numbers.
    async fn load_known(&mut self, db: &Db, rows: &[RawRow]) -> Result<(), AppError> {
        let mut cards: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut phones: BTreeSet<String> = BTreeSet::new();
        for row in rows {
            let commune = match self.branches.get(&self.cols.text(row, Col::Branch)) {
                Some(Ok(b)) => b.parent_id,
                _ => None,
            };
            let card = service::parse_card(Some(&self.cols.text(row, Col::Card)));
            if let (Some(commune), Ok(Some(card))) = (commune, card) {
                cards.entry(commune).or_default().insert(card);
            }
            if let Some(p) = self.phone(row) {
                phones.insert(p.as_str().to_owned());
            }
        }
        let mut conn = db.pool.acquire().await?;
        for (commune, cards) in &cards {
            let cards: Vec<&str> = cards.iter().map(String::as_str).collect();
            for card in cards_held(&mut conn, db.backend, *commune, &cards).await? {
                self.taken_cards.insert((*commune, card));
            }
        }
        let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
        self.known = known_by_phone(&mut conn, db.backend, &phones).await?;
        Ok(())
    }

    /// The person's own fields, as `accounts::service::check` checks them.
    fn person(&self, row: &RawRow, problems: &mut Vec<Problem>) -> NewPerson {
        let n = row.number;
        let phone = self.cols.phone(row);
        let gender = match self.cols.cell(row, Col::Gender).map(Value::shown) {
            None => None,
            Some(g) => gender_of(&g).or_else(|| {
                problems.push(self.problem(
                    n,
                    Some(Col::Gender),
                    "ghi Nam, Nữ hoặc Khác",
                    "write Nam, Nữ or Khác",
                ));
                None
            }),
        };
        let person = NewPerson {
            full_name: self.cols.text(row, Col::Name),
            birth_year: self.cols.cell(row, Col::BirthYear).map(Value::shown),
            gender: gender.map(|g| g.code().to_owned()),
            phone: (!phone.is_empty()).then_some(phone),
            ..NewPerson::default()
        };
        if let Err(AppError::Invalid(fields)) = people::check(&person) {
            for f in fields {
                let col = match f.field {
                    "full_name" => Col::Name,
                    "birth_year" => Col::BirthYear,
                    "gender" => Col::Gender,
                    _ => Col::Phone,
                };
                problems.push(self.problem(n, Some(col), f.message_vi, f.message_en));
            }
        }
        person
    }

    /// The card number: free in the commune, and once in the file.
    fn card(
        &mut self,
        row: &RawRow,
        branch: Option<&Unit>,
        problems: &mut Vec<Problem>,
    ) -> Option<String> {
        let n = row.number;
        let card = match service::parse_card(Some(&self.cols.text(row, Col::Card))) {
            Ok(c) => c,
            Err(e) => {
                let (vi, en) = e.messages();
                problems.push(self.problem(n, Some(Col::Card), &vi, &en));
                None
            }
        };
        if let (Some(card), Some(commune)) = (&card, branch.and_then(|b| b.parent_id)) {
            if let Some(first) = self.cards.insert((commune, card.clone()), n) {
                problems.push(self.problem(
                    n,
                    Some(Col::Card),
                    &format!("trùng số thẻ với dòng {first}"),
                    &format!("the same card number as row {first}"),
                ));
            } else if self.taken_cards.contains(&(commune, card.clone())) {
                problems.push(self.problem(
                    n,
                    Some(Col::Card),
                    "số thẻ này đã cấp cho một hội viên khác trong cùng xã, phường",
                    "this card number is held by another member of the same commune",
                ));
            }
        }
        card
    }

    /// The join date: a date cell, or a day typed as people type it; not after today.
    fn joined(&self, row: &RawRow, problems: &mut Vec<Problem>) -> Option<String> {
        let joined = match self.cols.cell(row, Col::Joined) {
            Some(Value::Date(d)) if d.as_str() > today().as_str() => Err((
                "không được sau hôm nay".to_owned(),
                "cannot be after today".to_owned(),
            )),
            Some(Value::Date(d)) => Ok(d.clone()),
            v => service::parse_joined(&v.map(Value::shown).unwrap_or_default())
                .map_err(|e| e.messages()),
        };
        joined
            .map_err(|(vi, en)| {
                problems.push(self.problem(row.number, Some(Col::Joined), &vi, &en))
            })
            .ok()
    }

    /// The sectors, codes or labels separated by commas, semicolons or lines.
    fn sectors(&self, row: &RawRow, problems: &mut Vec<Problem>) -> Option<String> {
        let typed = self.cols.text(row, Col::Sectors);
        let parts: Vec<&str> = typed.split([',', ';', '\n']).collect();
        service::parse_sectors(&parts)
            .map_err(|e| {
                let (vi, en) = e.messages();
                problems.push(self.problem(row.number, Some(Col::Sectors), &vi, &en));
            })
            .ok()
    }

    /// Who: by phone among people in scope (once per number in the file), else a new person.
    fn who(
        &mut self,
        n: u32,
        person: NewPerson,
        shown_name: &mut String,
        problems: &mut Vec<Problem>,
    ) -> Option<Who> {
        let Some(phone) = person
            .phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p).ok())
        else {
            return Some(Who::New(person));
        };
        if let Some(first) = self.phones.insert(phone.as_str().to_owned(), n) {
            problems.push(self.problem(
                n,
                Some(Col::Phone),
                &format!("trùng số điện thoại với dòng {first}"),
                &format!("the same phone number as row {first}"),
            ));
            return None;
        }
        self.known_person(n, &phone, person, shown_name, problems)
    }

    /// The person a phone number names: someone in scope with the same name who is not a member
    /// yet, or nobody (a new person).
    fn known_person(
        &self,
        n: u32,
        phone: &PhoneNumber,
        person: NewPerson,
        shown_name: &mut String,
        problems: &mut Vec<Problem>,
    ) -> Option<Who> {
        let Some(p) = self.known.get(phone.as_str()) else {
            return Some(Who::New(person));
        };
        let mut refuse = |c: Option<Col>, vi: &str, en: &str| {
            problems.push(self.problem(n, c, vi, en));
            None
        };
        // Out of scope looks like absent, but the number is taken all the same.
        if p.id != self.viewer.person_id && !self.viewer.can_read(&p.unit_path) {
            return refuse(
                Some(Col::Phone),
                "số điện thoại này đã gắn với một tài khoản khác; nếu đúng là người này, hãy đề nghị đơn vị đang quản lý họ chuyển họ sang đơn vị của bạn",
                "this phone number already belongs to an account; if it is this person, ask the unit that holds them to transfer them to yours",
            );
        }
        if fold(&p.full_name) != fold(&person.full_name) {
            return refuse(
                Some(Col::Phone),
                &format!(
                    "số điện thoại này là của «{}», khác họ tên trong tệp",
                    p.full_name
                ),
                &format!(
                    "this phone number belongs to “{}”, not to the name in the file",
                    p.full_name
                ),
            );
        }
        shown_name.clone_from(&p.full_name);
        if let Some((member_id, code, name, path)) = &p.member {
            let already = AlreadyMember {
                field: "phone",
                member_id: *member_id,
                branch: self
                    .viewer
                    .can_read(path)
                    .then(|| (code.clone(), name.clone())),
            };
            let (vi, en) = already.messages();
            return refuse(None, &vi, &en);
        }
        Some(Who::Existing(p.id))
    }

    /// One row, every column checked in the order of the columns.
    fn row(&mut self, row: &RawRow) -> Checked<Plan> {
        let n = row.number;
        let mut problems = vec![];
        let person = self.person(row, &mut problems);
        let code = self.cols.text(row, Col::Branch);
        let branch = match self.branches.get(&code) {
            Some(Ok(b)) => Some(b.clone()),
            Some(Err(f)) => {
                problems.push(self.problem(n, Some(Col::Branch), f.message_vi, f.message_en));
                None
            }
            None => None,
        };
        let card = self.card(row, branch.as_ref(), &mut problems);
        let joined = self.joined(row, &mut problems);
        let sectors = self.sectors(row, &mut problems);
        let mut name = person.full_name.clone();
        let note = person.phone.clone().unwrap_or_default();
        let who = self.who(n, person, &mut name, &mut problems);
        let column = branch.as_ref().map_or(code, |b| b.name.clone());
        let outcome = match (who, branch, joined, sectors, problems.is_empty()) {
            (Some(who), Some(branch), Some(joined), Some(sectors), true) => Ok(Plan {
                who,
                branch,
                card,
                joined,
                sectors,
            }),
            _ if problems.is_empty() => Err(vec![self.problem(
                n,
                None,
                "dòng có lỗi",
                "the row has errors",
            )]),
            _ => Err(problems),
        };
        Checked {
            number: n,
            name,
            note,
            column,
            outcome,
        }
    }
}
