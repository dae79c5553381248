//! Who asks the access matrix (included by `tests/access.rs`): every role that exists, in the
//! scope of the targets (Phường Ba Đình, Hà Nội) and out of it (the same role in Phú Thọ), and
//! what each is answered, derived from what a row declares its route needs ([`Need`]).
//!
//! A role is a seat (the position it holds: unit, level, position type; the type's rights are
//! read from `positions::types::BUILTIN`), or none (the citizen), or nobody signed in. A
//! person with a temporary password (an officer's reset) is a branch officer of 00004-1 who has
//! not yet changed it. The derivation is the test's own reading of the rules; it is checked
//! against the application's own answer to "may this viewer do this here"
//! (`Viewer::position_for`, `Viewer::can_read`) on the seats as the database holds them, and
//! then against the real answers of every cell that is asked.

use super::*;
use khuyenhoc::auth::Viewer;
use khuyenhoc::positions::types::BUILTIN;
use khuyenhoc_domain::Level;

/// The roles, in the order their columns are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum R {
    Anon,
    Citizen,
    CitizenOut,
    Branch,
    BranchOut,
    Commune,
    CommuneOut,
    ViceChair,
    ViceChairOut,
    Treasurer,
    TreasurerOut,
    Province,
    ProvinceOut,
    Central,
    Temporary,
}

/// The position a role holds: at a unit (its code), of a level, of a position type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seat {
    pub unit: &'static str,
    pub level: Level,
    pub kind: &'static str,
}

#[derive(Clone, Copy)]
pub struct Role {
    pub r: R,
    /// The login (empty for the anonymous visitor).
    pub phone: &'static str,
    pub name: &'static str,
    pub seat: Option<Seat>,
    /// In the scope of the targets; `false`: the same role in Phú Thọ.
    pub inside: bool,
}

/// People made by [`setup`] for the roles the demo data lacks.
pub const CITIZEN_OUT: &str = "0917000001";
pub const BRANCH_OUT: &str = "0917000002";
pub const VICE_CHAIR: &str = "0917000003";
pub const VICE_CHAIR_OUT: &str = "0917000004";
pub const TREASURER_OUT: &str = "0917000005";
pub const PROVINCE_OUT: &str = "0917000006";
pub const TEMPORARY: &str = "0917000007";

const fn seat(unit: &'static str, level: Level, kind: &'static str) -> Option<Seat> {
    Some(Seat { unit, level, kind })
}

const fn role(
    r: R,
    phone: &'static str,
    name: &'static str,
    seat: Option<Seat>,
    inside: bool,
) -> Role {
    Role {
        r,
        phone,
        name,
        seat,
        inside,
    }
}

use Level::{Branch as B, Central as C, Commune as X, Province as P};

/// Every column of the matrix.
pub const ROLES: &[Role] = &[
    role(R::Anon, "", "", None, true),
    role(R::Citizen, CITIZEN, "Đỗ Thị Lan", None, true),
    role(R::CitizenOut, CITIZEN_OUT, "Lường Thị Mơ", None, false),
    role(
        R::Branch,
        BRANCH_OFFICER,
        "Phạm Thị Hoa",
        seat("00004-1", B, "officer"),
        true,
    ),
    role(
        R::BranchOut,
        BRANCH_OUT,
        "Đinh Công Tráng",
        seat("04795-1", B, "officer"),
        false,
    ),
    role(
        R::Commune,
        BADINH,
        "Lê Văn Đình",
        seat("00004", X, "chair"),
        true,
    ),
    role(
        R::CommuneOut,
        HOABINH,
        "Hoàng Văn Bình",
        seat("04795", X, "chair"),
        false,
    ),
    role(
        R::ViceChair,
        VICE_CHAIR,
        "Kha Văn Phó",
        seat("00004", X, "vice_chair"),
        true,
    ),
    role(
        R::ViceChairOut,
        VICE_CHAIR_OUT,
        "Sa Thị Phương",
        seat("04795", X, "vice_chair"),
        false,
    ),
    role(
        R::Treasurer,
        TREASURER,
        "Vũ Minh Tuấn",
        seat("00004", X, "treasurer"),
        true,
    ),
    role(
        R::TreasurerOut,
        TREASURER_OUT,
        "Hà Thị Thu",
        seat("04795", X, "treasurer"),
        false,
    ),
    role(
        R::Province,
        HANOI,
        "Trần Thị Hà",
        seat("01", P, "chair"),
        true,
    ),
    role(
        R::ProvinceOut,
        PROVINCE_OUT,
        "Bạch Văn Thái",
        seat("25", P, "chair"),
        false,
    ),
    role(
        R::Central,
        CENTRAL,
        "Nguyễn Văn Quang",
        seat("VN", C, "chair"),
        true,
    ),
    role(
        R::Temporary,
        TEMPORARY,
        "Tạ Thị Tâm",
        seat("00004-1", B, "officer"),
        true,
    ),
];

pub fn role_of(r: R) -> &'static Role {
    ROLES
        .iter()
        .find(|x| x.r == r)
        .expect("every role has a column")
}

/// The path of a unit in the tree, from its code; `00004-x` stands for a branch of Ba Đình other
/// than 00004-1 (the branches the matrix opens to rename, move and close).
pub fn path_of(code: &str) -> String {
    match code.len() {
        2 if code == "VN" => "/VN/".to_owned(),
        2 => format!("/VN/{code}/"),
        _ => {
            let commune = &code[..5];
            let province = match commune {
                "00004" | "00008" => "01",
                "04795" => "25",
                other => panic!("the matrix knows no province of commune {other}"),
            };
            if code.len() == 5 {
                format!("/VN/{province}/{code}/")
            } else {
                format!("/VN/{province}/{commune}/{code}/")
            }
        }
    }
}

/// The built-in position types.
pub fn builtin_types() -> Vec<&'static str> {
    BUILTIN.iter().map(|t| t.0).collect()
}

/// The rights of a built-in position type.
pub fn rights_of(kind: &str) -> &'static [&'static str] {
    BUILTIN
        .iter()
        .find(|t| t.0 == kind)
        .map(|t| t.3)
        .unwrap_or_else(|| panic!("no built-in position type {kind}"))
}

impl Seat {
    fn path(&self) -> String {
        path_of(self.unit)
    }
    /// Whether the seat's unit covers (is, or lies above) the unit `code`.
    fn covers(&self, code: &str) -> bool {
        path_of(code).starts_with(&self.path())
    }
    fn has(&self, right: &str) -> bool {
        rights_of(self.kind).contains(&right)
    }
}

/// Which part of a list a role is shown in full (the others see a list of their own scope).
#[derive(Clone, Copy, Debug)]
pub enum Shown {
    /// Everyone allowed sees the same list.
    All,
    /// Those who read this unit.
    Under(&'static str),
    /// The citizen, whose things the list holds.
    Subject,
}

/// What a route needs of the one who asks.
#[derive(Clone, Copy, Debug)]
pub enum Need {
    /// Anyone, signed in or not.
    Anyone,
    /// Anyone signed in, about their own account or registrations.
    Own,
    /// Only the owner of the target: the row's caller in scope.
    Owner,
    /// A list: for anyone signed in, or for officers (`officers`) holding `right` if given.
    List {
        officers: bool,
        right: Option<&'static str>,
        shown: Shown,
    },
    /// A position covering one of the units `any` (or below it, when `below`: those who nominate
    /// to a fund above them read its programmes); the citizen too when `subject`.
    Read {
        any: &'static [&'static str],
        subject: bool,
        below: bool,
    },
    /// `right`, in a position held between levels `top` and `lowest`, covering every unit of
    /// `all` (none: anywhere); the citizen too when `subject` (her own things, her family).
    Act {
        right: &'static str,
        all: &'static [&'static str],
        top: Level,
        lowest: Level,
        subject: bool,
    },
    /// `right` held strictly above the unit `at` (deciding on its reports).
    Above {
        right: &'static str,
        at: &'static str,
    },
}

/// Officers reading what lies under one of these units.
pub const fn read(any: &'static [&'static str]) -> Need {
    Need::Read {
        any,
        subject: false,
        below: false,
    }
}

/// `right` over every unit of `all`, usable at any level.
pub const fn act(right: &'static str, all: &'static [&'static str]) -> Need {
    Need::Act {
        right,
        all,
        top: Level::Central,
        lowest: Level::Branch,
        subject: false,
    }
}

/// A list for officers.
pub const fn list(shown: Shown) -> Need {
    Need::List {
        officers: true,
        right: None,
        shown,
    }
}

/// A list for officers holding `right`.
pub const fn list_with(right: &'static str, shown: Shown) -> Need {
    Need::List {
        officers: true,
        right: Some(right),
        shown,
    }
}

/// A list for anyone signed in.
pub const fn signed_list(shown: Shown) -> Need {
    Need::List {
        officers: false,
        right: None,
        shown,
    }
}

/// Officers reading what lies under one of these units, or nominating to it from below.
pub const fn read_or_below(any: &'static [&'static str]) -> Need {
    Need::Read {
        any,
        subject: false,
        below: true,
    }
}

/// `right` held strictly above the unit `at`.
pub const fn above(right: &'static str, at: &'static str) -> Need {
    Need::Above { right, at }
}

/// A branch of Ba Đình other than 00004-1 (those the matrix opens to rename, move and close).
pub const OTHER_BRANCH: &str = "00004-x";
/// The provinces of the demo cluster DEMO-1.
pub const CLUSTER: &[&str] = &["01", "25", "31"];

impl Need {
    /// The citizen may do it too (her evaluation, her certificate, the family she heads).
    pub const fn or_subject(self) -> Need {
        match self {
            Need::Read { any, below, .. } => Need::Read {
                any,
                subject: true,
                below,
            },
            Need::Act {
                right,
                all,
                top,
                lowest,
                ..
            } => Need::Act {
                right,
                all,
                top,
                lowest,
                subject: true,
            },
            other => other,
        }
    }
    /// Only positions held between these levels may use the right.
    pub const fn at_levels(self, top: Level, lowest: Level) -> Need {
        match self {
            Need::Act {
                right,
                all,
                subject,
                ..
            } => Need::Act {
                right,
                all,
                top,
                lowest,
                subject,
            },
            other => other,
        }
    }
}

/// What a role gets from a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed: the row's answer.
    Permitted,
    /// Allowed, and shown a list of its own scope, without the target.
    Elsewhere,
    /// In reach of the target's first unit but not of every one: the row's `partial` answer.
    Partial,
    /// Refused: the login form or 401 for the anonymous, the account page or 403 for a
    /// temporary password, 404 (word for word the answer for a missing target) for the others.
    Refused,
}

/// What a person with a temporary password may still do besides public routes (the edge's own
/// list is `web::edge::UNTIL_CHANGED`; this one is the test's reading of issue 14).
pub const UNTIL_CHANGED: &[&str] = &["GET /account", "POST /account/password", "POST /logout"];

/// What the role gets from a route needing `need`; `owner` is the row's caller in scope (who
/// owns the target of `Need::Owner`).
pub fn verdict(need: Need, key: &str, owner: R, role: &Role) -> Verdict {
    use Verdict::*;
    let yes = |b: bool| if b { Permitted } else { Refused };
    if role.r == R::Anon {
        return yes(matches!(need, Need::Anyone));
    }
    if role.r == R::Temporary && !matches!(need, Need::Anyone) && !UNTIL_CHANGED.contains(&key) {
        return Refused;
    }
    let citizen = role.r == R::Citizen;
    match need {
        Need::Anyone | Need::Own => Permitted,
        Need::Owner => yes(role.r == owner),
        Need::List {
            officers,
            right,
            shown,
        } => {
            let may = !officers
                || role
                    .seat
                    .is_some_and(|s| right.is_none_or(|right| s.has(right)));
            let sees = match shown {
                Shown::All => true,
                Shown::Under(at) => role.seat.is_some_and(|s| s.covers(at)),
                Shown::Subject => citizen,
            };
            match (may, sees) {
                (false, _) => Refused,
                (true, true) => Permitted,
                (true, false) => Elsewhere,
            }
        }
        Need::Read {
            any,
            subject,
            below,
        } => yes((subject && citizen)
            || role.seat.is_some_and(|s| {
                any.iter()
                    .any(|a| s.covers(a) || (below && s.path().starts_with(&path_of(a))))
            })),
        Need::Act {
            right,
            all,
            top,
            lowest,
            subject,
        } => {
            if subject && citizen {
                return Permitted;
            }
            let Some(s) = role.seat else { return Refused };
            let depth = s.level.depth();
            if !s.has(right) || depth < top.depth() || depth > lowest.depth() {
                return Refused;
            }
            match all.iter().filter(|a| s.covers(a)).count() {
                n if n == all.len() => Permitted,
                _ if all.first().is_some_and(|a| s.covers(a)) => Partial,
                _ => Refused,
            }
        }
        Need::Above { right, at } => yes(role
            .seat
            .is_some_and(|s| s.has(right) && s.covers(at) && s.path() != path_of(at))),
    }
}

/// The application's own answer for a seated role, where its scope functions answer the
/// question a need asks: `Viewer::position_at_or_above` for a right over units held down to the
/// declared lowest level (`Viewer::position_for` when that is the branch; both apply
/// `perm::deepest_level`, so a right's own lowest level is checked too), `Viewer::can_read` for
/// reading. `None` where they do not (lists, rights held at one level only, decisions from
/// above, the citizen's own things).
pub fn code_verdict(need: Need, role: &Role, v: &Viewer) -> Option<Verdict> {
    use Verdict::*;
    role.seat?;
    match need {
        Need::Read {
            any,
            subject: _,
            below,
        } => {
            let reads = any.iter().any(|a| {
                let path = path_of(a);
                v.can_read(&path)
                    || (below && v.positions.iter().any(|p| p.unit_path.starts_with(&path)))
            });
            Some(if reads { Permitted } else { Refused })
        }
        Need::Act {
            right,
            all,
            top: Level::Central,
            lowest,
            ..
        } if !all.is_empty() => {
            let reach: Vec<bool> = all
                .iter()
                .map(|a| v.position_at_or_above(right, &path_of(a), lowest).is_some())
                .collect();
            Some(match reach.as_slice() {
                r if r.iter().all(|x| *x) => Permitted,
                [true, ..] => Partial,
                _ => Refused,
            })
        }
        _ => None,
    }
}

/// What a role in the matrix is missing: seats held somewhere (`held`: position type and level)
/// or built-in position types without a column in scope and, but at the centre, out of it; and
/// the columns every matrix needs (the anonymous visitor, the citizen in and out of scope, a
/// temporary password).
pub fn role_gaps(held: &[(&str, Level)], types: &[&str], roles: &[Role]) -> Vec<String> {
    let mut gaps = vec![];
    let column = |kind: &str, level: Option<Level>, inside: bool| {
        roles.iter().any(|r| {
            r.r != R::Temporary
                && r.inside == inside
                && r.seat
                    .is_some_and(|s| s.kind == kind && level.is_none_or(|l| s.level == l))
        })
    };
    for (kind, level) in held {
        if !column(kind, Some(*level), true) {
            gaps.push(format!("{kind} at {} in scope", level.code()));
        }
        if *level != Level::Central && !column(kind, Some(*level), false) {
            gaps.push(format!("{kind} at {} out of scope", level.code()));
        }
    }
    for kind in types {
        for inside in [true, false] {
            if !column(kind, None, inside) {
                let side = if inside { "in" } else { "out of" };
                gaps.push(format!("{kind} {side} scope"));
            }
        }
    }
    for r in [R::Anon, R::Citizen, R::CitizenOut, R::Temporary] {
        if !roles.iter().any(|x| x.r == r) {
            gaps.push(format!("{r:?}"));
        }
    }
    gaps
}

/// Logs in with a given password (the temporary one differs from the demo's).
pub async fn login_as(app: &TestApp, phone: &str, password: &str) -> Client {
    let mut c = Client::default();
    let r = app
        .post_form(
            &mut c,
            "/login",
            &[("login", phone), ("password", password)],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "login of {phone}: {}", r.body);
    c
}

/// A person at `unit` holding a new position of type `kind` there, made through the API by
/// `c`'s holder; returns the person's id.
async fn seated(
    app: &TestApp,
    c: &mut Client,
    (unit, kind): (&str, &str),
    name: &str,
    phone: &str,
) -> i64 {
    let person = register_person(app, c, unit, name, phone).await;
    let j = ok(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/positions"),
        serde_json::json!({ "type": kind }),
    )
    .await;
    let pos = j["id"].as_i64().expect("position id");
    ok(
        app,
        c,
        "POST",
        &format!("/api/v1/positions/{pos}/handover"),
        serde_json::json!({ "person_id": person }),
    )
    .await;
    person
}

/// The people of the roles the demo data lacks: through the API as the central chair, a
/// citizen, a branch officer, a vice-chair, a treasurer and a province chair in Phú Thọ and a
/// vice-chair of Ba Đình; as the Ba Đình chair, a branch officer of 00004-1 whose password the
/// chair then resets. Returns the temporary password.
pub async fn setup(app: &TestApp) -> String {
    let mut central = app.api_client(CENTRAL).await;
    for r in ROLES.iter().filter(|r| r.phone.starts_with("0917")) {
        match r.seat {
            None => {
                register_person(app, &mut central, "04795-1", r.name, r.phone).await;
            }
            Some(s) if r.r != R::Temporary => {
                seated(app, &mut central, (s.unit, s.kind), r.name, r.phone).await;
            }
            Some(_) => {}
        }
    }
    let t = role_of(R::Temporary);
    let s = t.seat.expect("the temporary password's seat");
    let mut chair = app.api_client(BADINH).await;
    let person = seated(app, &mut chair, (s.unit, s.kind), t.name, t.phone).await;
    let j = ok(
        app,
        &mut chair,
        "POST",
        &format!("/api/v1/people/{person}/reset-password"),
        serde_json::json!({}),
    )
    .await;
    j["temporary_password"]
        .as_str()
        .expect("a temporary password")
        .to_owned()
}

/// Each seated role as the application sees it (its positions read from the database), after
/// checking that the seat the matrix declares is the one it holds, and that the roles without a
/// seat hold none.
pub async fn viewers(app: &TestApp) -> (Vec<(R, Viewer)>, Vec<String>) {
    let mut out = vec![];
    let mut wrong = vec![];
    for role in ROLES.iter().filter(|r| r.r != R::Anon) {
        let id = app.person_id(role.phone).await;
        let positions = khuyenhoc::auth::held_positions(&app.db.pool, id)
            .await
            .expect("positions");
        let held: Vec<Seat> = positions
            .iter()
            .filter_map(|p| {
                let kind = BUILTIN.iter().find(|t| t.0 == p.type_code)?.0;
                let unit = ROLES
                    .iter()
                    .filter_map(|r| r.seat)
                    .find(|s| s.unit == p.unit_code)?
                    .unit;
                Some(Seat {
                    unit,
                    level: p.unit_level,
                    kind,
                })
            })
            .collect();
        let declared: Vec<Seat> = role.seat.into_iter().collect();
        if held != declared || positions.len() != declared.len() {
            wrong.push(format!(
                "{:?} ({}) holds {:?}, the matrix says {:?}",
                role.r,
                role.phone,
                positions
                    .iter()
                    .map(|p| format!("{} at {}", p.type_code, p.unit_code))
                    .collect::<Vec<_>>(),
                role.seat
            ));
        }
        let viewer = Viewer {
            person_id: id,
            full_name: role.name.to_owned(),
            home_unit_id: 0,
            must_change_password: false,
            positions,
            unread_notices: 0,
        };
        out.push((role.r, viewer));
    }
    (out, wrong)
}
