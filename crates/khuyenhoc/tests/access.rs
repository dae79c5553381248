//! The access matrix: every route of `khuyenhoc::web::routes::all()` × every role that exists,
//! in and out of scope, with the exact answer expected of each cell.
//!
//! The roles (`access/roles.rs`) are the anonymous visitor; a citizen without a position; a
//! branch officer; a commune chair, vice-chair and treasurer; a province chair; the central chair;
//! and a person with a temporary password (a branch officer the Ba Đình chair reset, who has
//! not changed it). Each but the central chair comes twice: in scope of the targets, which lie
//! in Hà Nội's Phường Ba Đình (commune `00004`, demo branch `00004-1`), and out of it, the same
//! role in Phú Thọ (Phường Hòa Bình `04795`, branch `04795-1`, province `25`). The demo data
//! holds the citizen, the branch officer, the Ba Đình chair and treasurer, the chairs of Hà Nội,
//! of Hòa Bình and of the centre; the others are made in set-up through the API.
//!
//! Each row (one per route, in `access/*.rs` by area) declares what its route needs
//! (`roles::Need`: anyone; anyone signed in, on their own things; a list; reading the unit of
//! the target; a right over it, held at the levels that may use it; a right above it) and the
//! answer a permitted caller gets. Every role's expected answer follows from that declaration
//! and the role's seat, checked first against the application's own scope questions
//! (`Viewer::position_for`, `Viewer::can_read`) on the seats as the database holds them:
//! - a refused cell is asked, and must be answered exactly: the login form (pages) or 401 (API)
//!   for the visitor, the account page or 403 problem+json for a temporary password, and for
//!   everyone else a 404 word for word the same as for a target that does not exist, so that
//!   nothing is learned outside one's scope; after a refused change the row counts of every
//!   table, the audit log included, must be as they were;
//! - a permitted GET is asked, and must show what the row says (lists of one's own scope show
//!   the row's `elsewhere` answer instead);
//! - a permitted change is made once, by the row's performer (the in-scope chair, the Hà Nội
//!   chair or the central chair; the citizen, the Hòa Bình chair and the visitor too where they
//!   act on objects of their own, or log in and out), after every refused caller; the other
//!   permitted roles are not replayed, only counted and printed, their verdicts confirmed by
//!   the scope functions where those answer.
//!
//! Pages are asked with a session cookie (forms carry the CSRF token, uploads send it in a
//! header), the API with a bearer token (the temporary password, which cannot make one, with its
//! session cookie and the CSRF header). Destructive actions act on objects made for the purpose
//! (branches, positions, people, tokens, evaluations, certificates, criteria drafts, workbooks,
//! ledger entries, programmes); the end of the test checks that each such action happened
//! exactly once, by the caller meant to succeed, and that no role that performs nothing appears
//! in the audit log acting in a position.
//!
//! `matrix_covers_every_route` fails for a route without a row, for a role the rows cannot
//! answer, and for declarations that let rights climb (a branch officer acting at the commune, a
//! treasurer acting on anything but money, an out-of-scope role reaching a target, a temporary
//! password opening anything); the database test fails for a seat held in the demo data or a
//! built-in position type without its columns.

mod common;
#[path = "access/cooperation.rs"]
mod coop_rows;
#[path = "access/credentials.rs"]
mod credentials_rows;
#[path = "access/documents.rs"]
mod documents_rows;
#[path = "access/funds.rs"]
mod funds_rows;
#[path = "access/join.rs"]
mod join_rows;
#[path = "access/learning.rs"]
mod learning_rows;
#[path = "access/map.rs"]
mod map_rows;
#[path = "access/meetings.rs"]
mod meetings_rows;
#[path = "access/members.rs"]
mod members_rows;
#[path = "access/parity.rs"]
mod parity_rows;
#[path = "access/people.rs"]
mod people_rows;
#[path = "access/record.rs"]
mod record_rows;
#[path = "access/reports.rs"]
mod reports_rows;
#[path = "access/roles.rs"]
mod roles;
use axum::body::Body;
use axum::http::{header, Method, Request};
use common::*;
use khuyenhoc::auth::perm;
use khuyenhoc::db::Backend;
use khuyenhoc::web::routes::{self, Access};
use khuyenhoc_domain::Level;
use roles::*;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

enum Payload {
    Empty,
    Form(Vec<(String, String)>),
    Json(serde_json::Value),
    Multipart(Vec<Part>),
}

/// One part of a multipart form: a field, or a file when `file` gives its name and type.
struct Part {
    name: &'static str,
    file: Option<(&'static str, &'static str)>,
    bytes: Vec<u8>,
}

fn field(name: &'static str, value: &str) -> Part {
    Part {
        name,
        file: None,
        bytes: value.as_bytes().to_vec(),
    }
}

fn file(
    name: &'static str,
    file_name: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Part {
    Part {
        name,
        file: Some((file_name, content_type)),
        bytes,
    }
}

struct Req {
    path: String,
    payload: Payload,
    /// Ask with a new login instead of the caller's shared one, and log in anew afterwards
    /// (for logging out and changing the password, which may end the person's sessions).
    fresh: bool,
}

fn get(path: impl Into<String>) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Empty,
        fresh: false,
    }
}

fn form(path: impl Into<String>, fields: &[(&str, &str)]) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Form(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        fresh: false,
    }
}

fn json(path: impl Into<String>, body: serde_json::Value) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Json(body),
        fresh: false,
    }
}

/// A multipart form (a file upload).
fn upload(path: impl Into<String>, parts: Vec<Part>) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Multipart(parts),
        fresh: false,
    }
}

/// The answer a cell expects: the status, and optionally where it redirects (a trailing `*`
/// matches any rest) and text the body must or must not contain.
#[derive(Clone, Copy, Debug)]
struct Expect {
    status: u16,
    location: Option<&'static str>,
    has: Option<&'static str>,
    lacks: Option<&'static str>,
    /// The body holds the caller's own name (their home page, `/api/v1/me`).
    own: bool,
}

const fn code(status: u16) -> Expect {
    Expect {
        status,
        location: None,
        has: None,
        lacks: None,
        own: false,
    }
}

const fn see(location: &'static str) -> Expect {
    Expect {
        status: 303,
        location: Some(location),
        has: None,
        lacks: None,
        own: false,
    }
}

impl Expect {
    const fn has(mut self, s: &'static str) -> Self {
        self.has = Some(s);
        self
    }
    const fn lacks(mut self, s: &'static str) -> Self {
        self.lacks = Some(s);
        self
    }
    const fn own(mut self) -> Self {
        self.own = true;
        self
    }
}

const OK: Expect = code(200);
const CREATED: Expect = code(201);
/// Not found, word for word the answer for a target that does not exist.
const NF: Expect = code(404);
/// An API request without credentials.
const UNAUTH: Expect = code(401);
/// A page asked without signing in sends the visitor to the login form.
const LOGIN: Expect = see("/login*");
/// A page asked with a temporary password sends the person to change it.
const CHANGE_FIRST: Expect = see("/account");
/// The API asked with a temporary password: 403, saying why.
const CHANGE_FIRST_API: Expect = code(403).has("mật khẩu tạm thời");
/// A PDF answer.
const PDF: Expect = OK.has("%PDF");

/// A year counted from this one.
fn year_n(offset: i64) -> i64 {
    i64::from(this_year()) + offset
}

/// A year counted from this one, as a form field.
fn year(offset: i64) -> String {
    year_n(offset).to_string()
}

/// Objects made for the matrix before it runs.
#[derive(Default)]
struct Ctx {
    /// Branches of Ba Đình to close (page, API), rename (page, API) and move (page).
    close_page: String,
    close_api: String,
    rename_page: String,
    rename_api: String,
    move_page: String,
    /// A person of Ba Đình to read (the demo branch officer).
    read_person: i64,
    /// People of Ba Đình whose password is reset (page, API).
    reset_person: i64,
    reset_person_api: i64,
    /// A position of Ba Đình to read (the demo treasurer's).
    read_position: i64,
    /// Vacant positions of Ba Đình to hand over, and the people who receive them.
    handover_page: i64,
    handover_page_to: String,
    handover_api: i64,
    handover_api_to: i64,
    /// Held positions of Ba Đình to vacate.
    vacate_page: i64,
    vacate_api: i64,
    /// An API token of the Ba Đình chair to revoke.
    token: i64,
    /// A notice of the Ba Đình chair to mark read.
    notice: i64,
    // Learning models, all in branch 00004-1 (made by `learning_rows::setup`).
    /// The citizen's open evaluation of this year, to read and answer, and a PDF attached to it.
    eval: i64,
    evidence: i64,
    /// Her files to remove (page, API) and to replace.
    evidence_remove: i64,
    evidence_remove_api: i64,
    evidence_replace: i64,
    /// The certificate of her evaluation of last year, recognised today as reviews after the
    /// year's end are (a one-year title: its validity ended before the decision).
    cert: String,
    /// Her family's evaluations, complete, which she submits as the family's head (page, API).
    own_submit_page: i64,
    own_submit_api: i64,
    /// Other people's evaluations: complete, to submit; submitted, to check and to return;
    /// checked, to recognise (page, API).
    submit_page: i64,
    submit_api: i64,
    check_page: i64,
    check_api: i64,
    return_page: i64,
    return_api: i64,
    review_page: i64,
    review_api: i64,
    /// Submitted evaluations to check in bulk (page, API), and a recognition decision.
    bulk_page: i64,
    bulk_api: i64,
    decision: i64,
    /// Certificates of other people, to revoke (page, API).
    revoke_page: String,
    revoke_api: String,
    /// People without an evaluation this year, registered by phone (page) and by id (API).
    register_phone: String,
    register_api: i64,
    /// The families the citizen heads: one to read and add members to, one to register.
    family: i64,
    family2: i64,
    /// People added to the family by the citizen (an invitation) and by the officer (at once).
    member_by_citizen: String,
    member_by_officer: String,
    /// Invitations of the demo branch officer to the citizen's families, waiting for their
    /// answer: to the first family (accepted in the matrix), to the second (declined).
    invitation_accept: i64,
    invitation_decline: i64,
    /// Memberships of the family to end: by its head, by an officer; and the demo branch
    /// officer's membership of the citizen's third family, which they leave.
    remove_by_head: i64,
    remove_by_officer: i64,
    membership_leave: i64,
    /// The head of the family the officer creates.
    head_phone: String,
    /// The national family set to copy; Hà Nội's draft citizen variant (read, edited with its
    /// own text) and draft clan variant (made effective).
    national_family: i64,
    draft: i64,
    draft_source: String,
    draft_to_activate: i64,
    /// The national community set the API copies; Hà Nội's draft unit variant the API makes
    /// effective.
    national_community: i64,
    draft_api_activate: i64,
    /// Hà Nội's second draft citizen variant (a year later than `draft`), edited through the API.
    draft_api_edit: i64,
    /// A workbook to preview, and the confirm form of another one previewed in setup.
    workbook: Vec<u8>,
    confirm: Vec<(String, String)>,
    // Funds of Phường Ba Đình (made by `funds_rows::setup`).
    /// The fund to read and post to, a receipt in it (with a voucher), and receipts to reverse
    /// (page, API).
    fund: i64,
    receipt: i64,
    reverse_page: i64,
    reverse_api: i64,
    /// A public fund: it receives the transfers and has a transparency page.
    fund2: i64,
    /// A fund whose public page is switched on.
    fund_to_publish: i64,
    /// Programmes of the fund: one open for nominations (read, nominated to); nominations of
    /// another to decide (page, API); rounds with a selected recipient to pay (page, API);
    /// rounds to publish (page, API); a published round whose recipient is a minor.
    programme: i64,
    nomination_page: i64,
    nomination_api: i64,
    pay_page: i64,
    pay_api: i64,
    publish_page: i64,
    publish_api: i64,
    published: i64,
    /// A list of disadvantaged communes to preview, and the confirm form of another one
    /// previewed in setup (by the central chair).
    area_list: Vec<u8>,
    area_confirm: Vec<(String, String)>,
    members: members_rows::CtxMembers,
    parity: parity_rows::CtxParity,
    people: people_rows::CtxPeople,
    reports: reports_rows::CtxReports,
    join: join_rows::CtxJoin,
    coop: coop_rows::CtxCoop,
    documents: documents_rows::CtxDocuments,
    record: record_rows::CtxRecord,
    meetings: meetings_rows::CtxMeetings,
    /// The password the Ba Đình chair gave the person of `R::Temporary`, still unchanged.
    temporary_password: String,
}

/// A request, given the caller's phone (empty for the anonymous visitor).
type Build = fn(&Ctx, &str) -> Req;

struct Row {
    key: &'static str,
    access: Access,
    /// What the route needs of the caller; every role's answer follows from it.
    need: Need,
    /// Who makes the route's change, in this order, the last being the caller in scope (a GET
    /// is asked by every permitted role). The citizen and the Hòa Bình chair come first where
    /// they act on objects of their own.
    by: Vec<R>,
    req: Build,
    /// The answer of a permitted caller.
    shows: Expect,
    /// The answer of a permitted caller shown a list of their own scope, without the target.
    elsewhere: Option<Expect>,
    /// The answer of a caller whose right reaches the target's first unit but not every one.
    partial: Option<Expect>,
    /// Roles answered otherwise than `shows`.
    except: Vec<(R, Expect)>,
}

fn row(key: &'static str, access: Access, need: Need, by: R, req: Build, shows: Expect) -> Row {
    Row {
        key,
        access,
        need,
        by: vec![by],
        req,
        shows,
        elsewhere: None,
        partial: None,
        except: vec![],
    }
}

impl Row {
    /// These roles make the change too, before the caller in scope.
    fn also(mut self, first: &[R]) -> Self {
        let mut by = first.to_vec();
        by.append(&mut self.by);
        self.by = by;
        self
    }
    fn except(mut self, r: R, e: Expect) -> Self {
        self.except.push((r, e));
        self
    }
    fn elsewhere(mut self, e: Expect) -> Self {
        self.elsewhere = Some(e);
        self
    }
    fn partial(mut self, e: Expect) -> Self {
        self.partial = Some(e);
        self
    }
    fn is_api(&self) -> bool {
        self.key.contains(" /api/")
    }
    fn is_get(&self) -> bool {
        self.key.starts_with("GET ")
    }
    /// The caller in scope, who makes the change (and owns what only its owner may touch).
    fn inside(&self) -> R {
        *self.by.last().expect("a row has a caller in scope")
    }
    fn verdict(&self, role: &Role) -> Verdict {
        verdict(self.need, self.key, self.inside(), role)
    }
    /// The cell of `role`: its verdict, the answer it expects, and whether it is asked.
    fn cell(&self, role: &Role) -> Result<Cell, String> {
        let verdict = self.verdict(role);
        let want = match verdict {
            Verdict::Refused => refusal(role.r, self.is_api()),
            Verdict::Partial => self.partial.ok_or_else(|| {
                format!("{}: no answer for {:?}, who reaches part", self.key, role.r)
            })?,
            Verdict::Elsewhere => self.elsewhere.ok_or_else(|| {
                format!(
                    "{}: no answer for {:?}, shown its own scope",
                    self.key, role.r
                )
            })?,
            Verdict::Permitted => self
                .except
                .iter()
                .find(|(r, _)| *r == role.r)
                .map_or(self.shows, |(_, e)| *e),
        };
        let allowed = matches!(verdict, Verdict::Permitted | Verdict::Elsewhere);
        Ok(Cell {
            verdict,
            want,
            ask: !allowed || self.is_get() || self.by.contains(&role.r),
            same_as_missing: verdict == Verdict::Refused && want.status == 404,
        })
    }
}

/// One role's cell of a row.
struct Cell {
    verdict: Verdict,
    want: Expect,
    /// Asked: refused cells, permitted GETs and the performers' changes.
    ask: bool,
    /// A 404 that must be word for word the answer for a missing target.
    same_as_missing: bool,
}

/// How a role is refused: the login form or 401 for the visitor, the account page or 403 for a
/// temporary password, 404 for everyone else.
fn refusal(r: R, api: bool) -> Expect {
    match (r, api) {
        (R::Anon, true) => UNAUTH,
        (R::Anon, false) => LOGIN,
        (R::Temporary, true) => CHANGE_FIRST_API,
        (R::Temporary, false) => CHANGE_FIRST,
        _ => NF,
    }
}

/// The matrix: one row per route.
fn matrix() -> Vec<Row> {
    let mut rows = map_rows::rows();
    rows.extend(learning_rows::rows());
    rows.extend(funds_rows::rows());
    rows.extend(members_rows::rows());
    rows.extend(people_rows::rows());
    rows.extend(reports_rows::rows());
    rows.extend(join_rows::rows());
    rows.extend(record_rows::rows());
    rows.extend(parity_rows::rows());
    rows.extend(coop_rows::rows());
    rows.extend(documents_rows::rows());
    rows.extend(credentials_rows::rows());
    rows.extend(meetings_rows::rows());
    rows
}

async fn setup(app: &TestApp) -> Ctx {
    let mut ctx = Ctx::default();
    map_rows::setup(app, &mut ctx).await;
    learning_rows::setup(app, &mut ctx).await;
    funds_rows::setup(app, &mut ctx).await;
    members_rows::setup(app, &mut ctx).await;
    people_rows::setup(app, &mut ctx).await;
    reports_rows::setup(app, &mut ctx).await;
    join_rows::setup(app, &mut ctx).await;
    record_rows::setup(app, &mut ctx).await;
    parity_rows::setup(app, &mut ctx).await;
    coop_rows::setup(app, &mut ctx).await;
    documents_rows::setup(app, &mut ctx).await;
    meetings_rows::setup(app, &mut ctx).await;
    ctx.temporary_password = roles::setup(app).await;
    ctx
}

fn route_key(method: &Method, path: &str) -> String {
    format!("{method} {path}")
}

/// How a route table and the matrix's rows fail to match: routes without a row, rows without a
/// route, rows naming a route twice, and rows whose access rule is not the route's.
#[derive(Debug, Default, PartialEq, Eq)]
struct Coverage {
    missing: Vec<String>,
    stale: Vec<String>,
    repeated: Vec<String>,
    disagree: Vec<String>,
}

impl Coverage {
    fn is_complete(&self) -> bool {
        *self == Coverage::default()
    }
}

/// Compares the routes the router serves with the matrix's rows (`"METHOD /path"` and access).
fn coverage(routes: &[routes::Route], rows: &[(&str, Access)]) -> Coverage {
    let mut table: BTreeMap<&str, Access> = BTreeMap::new();
    let mut repeated = vec![];
    for (key, access) in rows {
        if table.insert(key, *access).is_some() {
            repeated.push((*key).to_owned());
        }
    }
    let served: BTreeMap<String, Access> = routes
        .iter()
        .map(|r| (route_key(&r.method, r.path), r.access))
        .collect();
    let missing = served
        .keys()
        .filter(|k| !table.contains_key(k.as_str()))
        .cloned()
        .collect();
    let stale = table
        .keys()
        .filter(|k| !served.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    let disagree = table
        .iter()
        .filter(|(k, a)| served.get(**k).is_some_and(|b| b != *a))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    Coverage {
        missing,
        stale,
        repeated,
        disagree,
    }
}

fn matrix_keys() -> Vec<(&'static str, Access)> {
    matrix().iter().map(|r| (r.key, r.access)).collect()
}

/// A change a role out of scope may make, or a target it may read, with the reason.
const CROSS_SCOPE: &[(&str, &str)] = &[
    (
        "POST /criteria/{id}/variant",
        "a province makes its own variant of a national set",
    ),
    (
        "POST /api/v1/criteria/{id}/variant",
        "a province makes its own variant of a national set",
    ),
    (
        "GET /clusters/{code}/reports/{period}",
        "the provinces of a cluster compare their reports",
    ),
    (
        "GET /clusters/{code}/reports/{period}/export",
        "the provinces of a cluster compare their reports",
    ),
    (
        "GET /api/v1/clusters/{code}/reports/{period}",
        "the provinces of a cluster compare their reports",
    ),
];

/// The units a need's target lies in (none: no unit, or anywhere).
fn units_of(need: Need) -> &'static [&'static str] {
    match need {
        Need::Read { any, .. } => any,
        Need::Act { all, .. } => all,
        _ => &[],
    }
}

/// Whether every unit of the need lies inside `code`'s subtree (and it asks for a unit at all
/// when it is a right).
fn inside_of(need: Need, code: &str) -> bool {
    let root = path_of(code);
    let units = units_of(need);
    (!units.is_empty() || !matches!(need, Need::Act { .. } | Need::Above { .. }))
        && units.iter().all(|u| path_of(u).starts_with(&root))
}

/// Rights only a commune or a higher unit uses (a branch checks evaluations; recognising them,
/// returning them from review and revoking certificates is the commune's).
const COMMUNE_RIGHTS: &[&str] = &[perm::EVALUATION_RECOGNISE];

/// Whether the need is one a branch officer of 00004-1 may meet: inside the branch, with a
/// branch's rights.
fn branch_act(need: Need) -> bool {
    let commune_right = matches!(need, Need::Act { right, .. } if COMMUNE_RIGHTS.contains(&right));
    inside_of(need, "00004-1") && !commune_right
}

/// Whether the need is about money (or the person's own things).
fn money(need: Need) -> bool {
    match need {
        Need::Act { right, .. } => right == perm::FUND_POST || right == perm::FUND_MANAGE,
        Need::Own | Need::Owner | Need::Anyone => true,
        _ => false,
    }
}

/// The declarations of a row that would let a right climb, or disagree with the route table:
/// empty for a sound row. Reading is open to any position over the target (that is the rule of
/// `Viewer::read`); changing is what climbs.
fn climbs(r: &Row) -> Vec<String> {
    let mut bad = vec![];
    let public = matches!(r.need, Need::Anyone);
    if public != (r.access == Access::Public) {
        bad.push(format!(
            "{}: needs {:?} but the route is {:?}",
            r.key, r.need, r.access
        ));
    }
    let change = !r.is_get();
    let cross = CROSS_SCOPE.iter().any(|(k, _)| *k == r.key);
    for role in ROLES {
        if public || r.verdict(role) != Verdict::Permitted {
            continue;
        }
        let own = matches!(r.need, Need::Own | Need::Owner)
            || matches!(
                r.need,
                Need::List {
                    shown: Shown::All,
                    ..
                }
            );
        let why = match role.r {
            R::Temporary if !UNTIL_CHANGED.contains(&r.key) => {
                "a temporary password opens only the way to change it"
            }
            R::Citizen | R::CitizenOut if matches!(r.access, Access::Officer | Access::Central) => {
                "a citizen reaches no officer route"
            }
            _ if !role.inside && !own && !cross => {
                "out of scope, only one's own things and lists of one's own scope are open"
            }
            R::Branch | R::Temporary if change && !branch_act(r.need) => {
                "a branch officer acts only inside the branch, with a branch's rights"
            }
            R::Treasurer | R::TreasurerOut if change && !money(r.need) => {
                "a treasurer acts only on money"
            }
            _ => continue,
        };
        bad.push(format!("{} permits {:?}: {why}", r.key, role.r));
    }
    bad
}

#[test]
fn matrix_covers_every_route() {
    let c = coverage(&routes::all(), &matrix_keys());
    assert!(
        c.is_complete(),
        "routes without a matrix row: {:?}; matrix rows without a route: {:?}; \
         rows given twice: {:?}; rows whose access rule differs from the route table's: {:?}",
        c.missing,
        c.stale,
        c.repeated,
        c.disagree
    );
    // Every role has its answer in every row, and no declaration lets a right climb.
    let rows = matrix();
    let unanswered: Vec<String> = rows
        .iter()
        .flat_map(|r| ROLES.iter().filter_map(|role| r.cell(role).err()))
        .collect();
    assert!(unanswered.is_empty(), "{}", unanswered.join("\n"));
    let climbing: Vec<String> = rows.iter().flat_map(climbs).collect();
    assert!(climbing.is_empty(), "{}", climbing.join("\n"));
    // Non-public routes refuse the visitor with the login form (pages) or 401 (API), and no
    // officer route opens to a citizen.
    for r in &rows {
        let anon = r.cell(role_of(R::Anon)).expect("answered");
        let citizen = r.cell(role_of(R::Citizen)).expect("answered");
        if r.access != Access::Public {
            let want = if r.is_api() { 401 } else { 303 };
            assert_eq!(anon.want.status, want, "{}", r.key);
        }
        if matches!(r.access, Access::Officer | Access::Central) {
            assert_eq!(citizen.want.status, 404, "{}", r.key);
        }
    }
}

/// The check above fails for a role the rows cannot answer (a row whose target a role reaches
/// only in part, without the answer for it), and for a declaration that lets a right climb (a
/// branch officer recognising, a treasurer opening a branch, an out-of-scope chair reading a
/// person); the seats' check fails for a position type or a seat with no column.
#[test]
fn a_role_without_its_expectations_fails_the_matrix() {
    let rows = matrix();
    let find = |key: &str| rows.iter().position(|r| r.key == key).expect("row");
    let mut moved = matrix().swap_remove(find("POST /units/{code}/move"));
    moved.partial = None;
    assert!(moved.cell(role_of(R::Commune)).is_err());
    assert!(moved.cell(role_of(R::Province)).is_ok());

    let mut recognise = matrix().swap_remove(find("POST /evaluations/{id}/review"));
    recognise.need = act(perm::EVALUATION_RECOGNISE, &["00004-1"]);
    assert!(climbs(&recognise).iter().any(|b| b.ends_with(
        "permits Branch: a branch officer acts only inside the branch, \
                              with a branch's rights"
    )));

    let mut branches = matrix().swap_remove(find("POST /units/{code}/branches"));
    branches.need = act(perm::AUDIT_READ, &["00004"]);
    assert!(climbs(&branches)
        .iter()
        .any(|b| b.ends_with("permits Treasurer: a treasurer acts only on money")));

    let mut person = matrix().swap_remove(find("GET /people/{id}"));
    person.need = read(&["01", "25"]);
    assert!(climbs(&person)
        .iter()
        .any(|b| b.contains("permits ProvinceOut")));

    let types = builtin_types();
    let held = [("chair", Level::Central), ("officer", Level::Branch)];
    assert!(role_gaps(&held, &types, ROLES).is_empty());
    assert_eq!(
        role_gaps(&[], &["secretary"], ROLES),
        ["secretary in scope", "secretary out of scope"]
    );
    assert_eq!(
        role_gaps(&[("treasurer", Level::Province)], &[], ROLES),
        [
            "treasurer at province in scope",
            "treasurer at province out of scope"
        ]
    );
    let fewer: Vec<Role> = ROLES
        .iter()
        .filter(|r| r.r != R::ViceChairOut)
        .copied()
        .collect();
    assert_eq!(
        role_gaps(&[("vice_chair", Level::Commune)], &types, &fewer),
        [
            "vice_chair at commune out of scope",
            "vice_chair out of scope"
        ]
    );
}

/// The check above fails for a route added to the table without a row (here a made-up
/// `GET /units/{code}/secret`, with a handler, as `routes::all()` would list it), for a row
/// removed from the matrix, for a row left behind after its route went, for a row given twice,
/// and for a row whose access rule is not the route's.
#[test]
fn a_route_without_an_access_row_fails_the_matrix() {
    let rows = matrix_keys();
    assert!(coverage(&routes::all(), &rows).is_complete());

    let mut served = routes::all();
    served.push(routes::Route {
        method: Method::GET,
        path: "/units/{code}/secret",
        access: Access::Officer,
        summary: "A route nobody wrote an access row for",
        handler: axum::routing::get(|| async { "secret" }),
        answer: None,
    });
    let c = coverage(&served, &rows);
    assert_eq!(c.missing, ["GET /units/{code}/secret"]);
    assert!(c.stale.is_empty() && c.repeated.is_empty() && c.disagree.is_empty());
    assert!(!c.is_complete());

    // A row removed from the matrix: its route is reported uncovered.
    let without: Vec<_> = rows
        .iter()
        .copied()
        .filter(|(k, _)| *k != "GET /api/v1/units/{code}")
        .collect();
    let c = coverage(&routes::all(), &without);
    assert_eq!(c.missing, ["GET /api/v1/units/{code}"]);
    assert!(c.stale.is_empty());

    // A row whose route went away, a row given twice, and a row with another access rule.
    let mut odd = rows.clone();
    odd.push(("DELETE /api/v1/units/{code}", Access::Officer));
    odd.push(rows[0]);
    let audit = odd
        .iter_mut()
        .find(|(k, _)| *k == "GET /api/v1/audit")
        .expect("audit row");
    audit.1 = Access::Public;
    let c = coverage(&routes::all(), &odd);
    assert_eq!(c.stale, ["DELETE /api/v1/units/{code}"]);
    assert_eq!(c.repeated, [rows[0].0]);
    assert_eq!(c.disagree, ["GET /api/v1/audit"]);
    assert!(c.missing.is_empty());
}

fn matches_location(pattern: &str, actual: Option<&str>) -> bool {
    match (pattern.strip_suffix('*'), actual) {
        (Some(prefix), Some(a)) => a.starts_with(prefix),
        (None, Some(a)) => a == pattern,
        (_, None) => false,
    }
}

fn short(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(400).collect()
}

const BOUNDARY: &str = "XaccessmatrixX";

fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"",
                p.name
            )
            .as_bytes(),
        );
        if let Some((file_name, content_type)) = p.file {
            body.extend(
                format!("; filename=\"{file_name}\"\r\nContent-Type: {content_type}").as_bytes(),
            );
        }
        body.extend(b"\r\n\r\n");
        body.extend(&p.bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts a multipart form with the CSRF token in a header, as the browser's script does.
async fn post_multipart(app: &TestApp, c: &mut Client, path: &str, parts: &[Part]) -> Resp {
    send_multipart(app, c, "POST", path, parts).await
}

/// Sends a multipart form (POST, or PUT for the API) with the CSRF token in a header.
async fn send_multipart(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    parts: &[Part],
) -> Resp {
    if c.csrf().is_empty() {
        app.get(c, "/login").await;
    }
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("x-csrf-token", c.csrf())
        .body(Body::from(multipart_body(parts)))
        .expect("request");
    app.send(c, req).await
}

/// The changes made on targets made for them happened once, by the caller meant to succeed:
/// the refused attempts before changed nothing, and no role that performs nothing acted.
#[allow(clippy::too_many_lines)] // one line per target
async fn done_once(app: &TestApp, ctx: &Ctx) -> Vec<String> {
    let mut failures = vec![];
    // The refused attempts changed nothing before the in-scope caller acted: each destructive
    // action happened exactly once, by the in-scope officer.
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT entity, action, COUNT(*) FROM audit_log WHERE action IN ('close', 'handover', 'vacate', 'reset_password') \
         AND person_id IS NOT NULL GROUP BY entity, action ORDER BY entity, action",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("audit counts");
    let counts: Vec<(&str, &str, i64)> = counts
        .iter()
        .map(|(e, a, n)| (e.as_str(), a.as_str(), *n))
        .collect();
    // Two handovers and no reset were set up for the map rows, six handovers and a reset for
    // the roles (the seats made in Phú Thọ and Ba Đình, the temporary password); the matrix
    // made two handovers and two resets.
    let expected = [
        ("person", "reset_password", 1 + 2),
        ("position", "handover", 2 + 6 + 2),
        ("position", "vacate", 2),
        ("unit", "close", 2),
    ];
    if counts != expected {
        failures.push(format!(
            "destructive actions in the audit log: {counts:?}, expected {expected:?}"
        ));
    }
    // Their own account (password, tokens), their own registrations and the citizen's family
    // aside, nothing was done in the name of a role that performs nothing: no entry names them
    // acting in a position.
    let mut idle = vec![];
    for role in ROLES
        .iter()
        .filter(|r| !matches!(r.r, R::Anon | R::Commune | R::Province | R::Central))
    {
        idle.push(app.person_id(role.phone).await.to_string());
    }
    let theirs: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE person_id IN ({}) AND position_id IS NOT NULL",
        idle.join(", ")
    ))
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    if theirs != 0 {
        failures.push(format!(
            "{theirs} audit entries name a role that performs nothing acting in a position"
        ));
    }
    let citizen = app.person_id(CITIZEN).await;
    // Each learning-model action on a target made for it happened once, by the caller meant
    // to succeed: the refused attempts before it changed nothing.
    let chair = app.person_id(BADINH).await;
    let hanoi = app.person_id(HANOI).await;
    let sha256 = ctx
        .confirm
        .iter()
        .find(|(k, _)| k == "sha256")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let once = [
        (
            "evaluation",
            ctx.own_submit_page.to_string(),
            "submit",
            citizen,
        ),
        (
            "evaluation",
            ctx.own_submit_api.to_string(),
            "submit",
            citizen,
        ),
        ("evaluation", ctx.submit_page.to_string(), "submit", chair),
        ("evaluation", ctx.submit_api.to_string(), "submit", chair),
        ("evaluation", ctx.check_page.to_string(), "check", chair),
        ("evaluation", ctx.check_api.to_string(), "check", chair),
        ("evaluation", ctx.bulk_page.to_string(), "check", chair),
        ("evaluation", ctx.bulk_api.to_string(), "check", chair),
        ("evaluation", ctx.return_page.to_string(), "return", chair),
        ("evaluation", ctx.return_api.to_string(), "return", chair),
        (
            "evaluation",
            ctx.review_page.to_string(),
            "recognised",
            chair,
        ),
        (
            "evaluation",
            ctx.review_api.to_string(),
            "recognised",
            chair,
        ),
        ("certificate", ctx.revoke_page.clone(), "revoke", chair),
        ("certificate", ctx.revoke_api.clone(), "revoke", chair),
        ("criteria_set", ctx.draft.to_string(), "edit", hanoi),
        (
            "criteria_set",
            ctx.draft_to_activate.to_string(),
            "activate",
            hanoi,
        ),
        ("evaluation_batch", sha256, "import", chair),
        (
            "group",
            ctx.family.to_string(),
            "accept_invitation",
            app.person_id(BRANCH_OFFICER).await,
        ),
        (
            "group",
            ctx.family2.to_string(),
            "decline_invitation",
            app.person_id(BRANCH_OFFICER).await,
        ),
        ("fund", ctx.fund_to_publish.to_string(), "set_public", chair),
        (
            "nomination",
            ctx.nomination_page.to_string(),
            "decide",
            chair,
        ),
        (
            "nomination",
            ctx.nomination_api.to_string(),
            "decide",
            chair,
        ),
        ("programme", ctx.publish_page.to_string(), "publish", chair),
        ("programme", ctx.publish_api.to_string(), "publish", chair),
    ];
    for (entity, id, action, person) in once {
        let by: Vec<Option<i64>> = sqlx::query_scalar(
            "SELECT person_id FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3",
        )
        .bind(entity)
        .bind(&id)
        .bind(action)
        .fetch_all(&app.db.pool)
        .await
        .expect("audit entries");
        if by != [Some(person)] {
            failures.push(format!(
                "{entity} {id}: {action} done by {by:?}, expected once by person {person}"
            ));
        }
    }
    // Reversals and programme payments are entries of the books, posted once by the chair.
    let posted = [
        ("reverses_id", ctx.reverse_page),
        ("reverses_id", ctx.reverse_api),
        ("programme_id", ctx.pay_page),
        ("programme_id", ctx.pay_api),
    ];
    for (column, id) in posted {
        let by: Vec<Option<i64>> = sqlx::query_scalar(&format!(
            "SELECT person_id FROM ledger_entries WHERE {column} = $1"
        ))
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .expect("ledger entries");
        if by != [Some(chair)] {
            failures.push(format!(
                "ledger entries with {column} = {id} posted by {by:?}, expected once by person {chair}"
            ));
        }
    }
    failures
}

/// Shared signed-in clients, one per role and kind (session cookie or API token).
struct Clients {
    pages: HashMap<R, Client>,
    apis: HashMap<R, Client>,
    /// The temporary password of `R::Temporary`, who cannot make an API token: its API calls
    /// go with the session cookie and the CSRF header.
    temporary: String,
}

impl Clients {
    fn new(temporary: String) -> Self {
        Clients {
            pages: HashMap::new(),
            apis: HashMap::new(),
            temporary,
        }
    }

    /// A new login of the role.
    async fn login(&self, app: &TestApp, role: &Role, api: bool) -> Client {
        match role.r {
            R::Anon => Client::default(),
            R::Temporary => login_as(app, role.phone, &self.temporary).await,
            _ if api => app.api_client(role.phone).await,
            _ => app.login(role.phone).await,
        }
    }

    /// The role's shared login.
    async fn of(&mut self, app: &TestApp, role: &Role, api: bool) -> Client {
        let cached = if api { &self.apis } else { &self.pages };
        if let Some(c) = cached.get(&role.r) {
            return c.clone();
        }
        let c = self.login(app, role, api).await;
        let map = if api { &mut self.apis } else { &mut self.pages };
        map.insert(role.r, c.clone());
        c
    }

    /// Forgets the role's logins (a changed password ended its sessions and tokens).
    fn forget(&mut self, r: R) {
        self.pages.remove(&r);
        self.apis.remove(&r);
    }
}

/// JSON to the API; a client signed in by cookie sends the session's CSRF token in the header,
/// as the browser's script does.
async fn send_json(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if c.bearer.is_none() && !c.csrf().is_empty() {
        req = req.header("x-csrf-token", c.csrf());
    }
    let req = req.body(Body::from(body.to_string())).expect("request");
    app.send(c, req).await
}

async fn send(app: &TestApp, c: &mut Client, method: &str, req: &Req) -> Resp {
    let api = req.path.starts_with("/api/");
    match (&req.payload, method) {
        (Payload::Empty, "GET") => app.get(c, &req.path).await,
        (Payload::Empty, _) if api => {
            send_json(app, c, method, &req.path, &serde_json::json!({})).await
        }
        (Payload::Empty, _) => app.post_form(c, &req.path, &[]).await,
        (Payload::Form(fields), _) => {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&**k, &**v)).collect();
            app.post_form(c, &req.path, &f).await
        }
        (Payload::Json(body), _) => send_json(app, c, method, &req.path, body).await,
        (Payload::Multipart(parts), _) => send_multipart(app, c, method, &req.path, parts).await,
    }
}

/// What an answer gets wrong against the cell's expectation; `missing` is the answer for a
/// target that does not exist, which a refusal must repeat word for word.
fn mismatches(want: &Expect, got: &Resp, role: &Role, missing: Option<&str>) -> Vec<String> {
    let mut wrong = vec![];
    if got.status.as_u16() != want.status {
        wrong.push(format!("status {} (expected {})", got.status, want.status));
    }
    if let Some(l) = want.location {
        if !matches_location(l, got.location()) {
            wrong.push(format!("location {:?} (expected {l})", got.location()));
        }
    }
    if let Some(s) = want.has {
        if !got.body.contains(s) {
            wrong.push(format!("body lacks {s:?}"));
        }
    }
    if let Some(s) = want.lacks {
        if got.body.contains(s) {
            wrong.push(format!("body reveals {s:?}"));
        }
    }
    if want.own && !got.body.contains(role.name) {
        wrong.push(format!("body lacks the caller's name {:?}", role.name));
    }
    if let Some(m) = missing {
        if got.status.as_u16() == 404 && got.body != m {
            wrong.push("the 404 differs from the one for a missing target".into());
        }
    }
    wrong
}

/// The row count of every table, by name: what a refused change must leave as it was.
async fn row_counts(app: &TestApp, tables: &[String]) -> BTreeMap<String, i64> {
    let sql = tables
        .iter()
        .map(|t| format!("SELECT CAST('{t}' AS TEXT), COUNT(*) FROM {t}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    sqlx::query_as::<_, (String, i64)>(&sql)
        .fetch_all(&app.db.pool)
        .await
        .expect("row counts")
        .into_iter()
        .collect()
}

async fn table_names(app: &TestApp) -> Vec<String> {
    let sql = match app.db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY tablename"
        }
    };
    sqlx::query_scalar(sql)
        .fetch_all(&app.db.pool)
        .await
        .expect("table names")
}

/// What a run found and counted.
#[derive(Default)]
struct Tally {
    failures: Vec<String>,
    asked: usize,
    refused: usize,
    read: usize,
    performed: usize,
    /// Permitted changes not replayed, by role, and how many of them the application's scope
    /// functions confirmed.
    not_replayed: BTreeMap<R, usize>,
    not_replayed_checked: usize,
    /// Cells whose verdict agreed or not with the application's own scope questions.
    checked: usize,
}

/// One run of the matrix on one database.
struct Run<'a> {
    app: &'a TestApp,
    ctx: &'a Ctx,
    clients: Clients,
    /// The answers for a target that does not exist (page, API).
    missing_page: String,
    missing_api: String,
    tables: Vec<String>,
    viewers: HashMap<R, khuyenhoc::auth::Viewer>,
    tally: Tally,
}

impl Run<'_> {
    /// Compares a role's verdict with the application's own scope questions, where they answer
    /// it; whether they did.
    fn check_declaration(&mut self, r: &Row, role: &Role, verdict: Verdict) -> bool {
        let Some(v) = self.viewers.get(&role.r) else {
            return false;
        };
        if role.r == R::Temporary {
            return false;
        }
        let Some(code) = code_verdict(r.need, role, v) else {
            return false;
        };
        self.tally.checked += 1;
        if code != verdict {
            self.tally.failures.push(format!(
                "{} as {:?}: the row says {verdict:?}, the application's scope functions \
                     say {code:?}",
                r.key, role.r
            ));
        }
        true
    }

    /// Asks one row: refused callers first, then the permitted readers, then the performers
    /// in their order; after each refused change, every table must count as many rows.
    async fn ask(&mut self, r: &Row) {
        let (method, _) = r.key.split_once(' ').expect("METHOD path");
        let mut cells = vec![];
        for role in ROLES {
            match r.cell(role) {
                Ok(c) => {
                    let checked = self.check_declaration(r, role, c.verdict);
                    cells.push((role, c, checked));
                }
                Err(e) => self.tally.failures.push(e),
            }
        }
        cells.sort_by_key(|(role, c, _)| match c.verdict {
            Verdict::Refused | Verdict::Partial => 0,
            _ => 1 + r.by.iter().position(|x| *x == role.r).map_or(0, |p| p + 1),
        });
        let mut before = if r.is_get() {
            None
        } else {
            Some(row_counts(self.app, &self.tables).await)
        };
        for (role, cell, checked) in cells {
            let refused = matches!(cell.verdict, Verdict::Refused | Verdict::Partial);
            if !cell.ask {
                *self.tally.not_replayed.entry(role.r).or_default() += 1;
                self.tally.not_replayed_checked += usize::from(checked);
                continue;
            }
            self.answer(r, method, role, &cell).await;
            match (refused, r.is_get()) {
                (true, _) => self.tally.refused += 1,
                (false, true) => self.tally.read += 1,
                (false, false) => self.tally.performed += 1,
            }
            if refused {
                if let Some(wrote) = self.wrote(before.as_ref()).await {
                    self.tally.failures.push(format!(
                        "{} as {:?}, refused, wrote: {}",
                        r.key, role.r, wrote.0
                    ));
                    before = Some(wrote.1);
                }
            }
        }
    }

    /// The tables whose row count moved since `before` (none for a GET), and the new counts.
    async fn wrote(
        &self,
        before: Option<&BTreeMap<String, i64>>,
    ) -> Option<(String, BTreeMap<String, i64>)> {
        let b = before?;
        let after = row_counts(self.app, &self.tables).await;
        let changed: Vec<String> = after
            .iter()
            .filter(|(t, n)| b.get(*t) != Some(n))
            .map(|(t, n)| format!("{t}: {} → {n}", b.get(t).copied().unwrap_or(0)))
            .collect();
        (!changed.is_empty()).then(|| (changed.join(", "), after))
    }

    /// Sends one cell's request and checks its answer.
    async fn answer(&mut self, r: &Row, method: &str, role: &Role, cell: &Cell) {
        let api = r.is_api();
        let req = (r.req)(self.ctx, role.phone);
        let mut client = if req.fresh {
            self.clients.login(self.app, role, api).await
        } else {
            self.clients.of(self.app, role, api).await
        };
        let got = send(self.app, &mut client, method, &req).await;
        if req.fresh {
            self.clients.forget(role.r);
        }
        self.tally.asked += 1;
        let missing = match (cell.same_as_missing, api) {
            (false, _) => None,
            (true, true) => Some(self.missing_api.as_str()),
            (true, false) => Some(self.missing_page.as_str()),
        };
        let mut wrong = mismatches(&cell.want, &got, role, missing);
        if role.r == R::Temporary && api && cell.verdict == Verdict::Refused {
            let kind = got.headers.get(header::CONTENT_TYPE);
            if kind.and_then(|v| v.to_str().ok()) != Some("application/problem+json") {
                wrong.push(format!("content type {kind:?}, not problem+json"));
            }
        }
        if !wrong.is_empty() {
            self.tally.failures.push(format!(
                "{method} {} as {:?} ({}), {:?}: {} — body: {}",
                req.path,
                role.r,
                if role.phone.is_empty() {
                    "anonymous"
                } else {
                    role.phone
                },
                cell.verdict,
                wrong.join("; "),
                short(&got.body)
            ));
        }
    }
}

/// The seats held in the demo data and the built-in position types, each with its columns.
async fn seat_gaps(app: &TestApp) -> Vec<String> {
    let held: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT t.code, u.level FROM position_holdings h JOIN positions p ON p.id = h.position_id \
         JOIN position_types t ON t.id = p.type_id JOIN units u ON u.id = p.unit_id \
         JOIN people pe ON pe.id = h.person_id WHERE h.to_at IS NULL AND pe.phone LIKE '09000000%'",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("the demo seats");
    let held: Vec<(&str, Level)> = held
        .iter()
        .map(|(t, l)| (t.as_str(), Level::parse(l).expect("a level")))
        .collect();
    role_gaps(&held, &builtin_types(), ROLES)
}

both_backends!(every_route_answers_every_role, |b: Backend| async move {
    let started = Instant::now();
    let app = TestApp::new(b).await;
    let ctx = setup(&app).await;
    let set_up = started.elapsed();
    let (viewers, mut failures) = roles::viewers(&app).await;
    failures.extend(seat_gaps(&app).await);
    let mut clients = Clients::new(ctx.temporary_password.clone());
    // What "not found" looks like for a target that does not exist at all.
    let commune = role_of(R::Commune);
    let mut page = clients.of(&app, commune, false).await;
    let missing_page = app.get(&mut page, "/units/99999").await;
    assert_eq!(missing_page.status.as_u16(), 404);
    let mut api = clients.of(&app, commune, true).await;
    let missing_api = app.get(&mut api, "/api/v1/units/99999").await;
    assert_eq!(missing_api.status.as_u16(), 404);
    let mut run = Run {
        app: &app,
        ctx: &ctx,
        clients,
        missing_page: missing_page.body,
        missing_api: missing_api.body,
        tables: table_names(&app).await,
        viewers: viewers.into_iter().collect(),
        tally: Tally {
            failures,
            ..Tally::default()
        },
    };
    let rows = matrix();
    for r in &rows {
        run.ask(r).await;
    }
    let mut t = run.tally;
    t.failures.extend(done_once(&app, &ctx).await);
    let cells = rows.len() * ROLES.len();
    if rows.len() != routes::all().len() {
        t.failures.push(format!(
            "{} rows for {} routes: see matrix_covers_every_route",
            rows.len(),
            routes::all().len()
        ));
    }
    let skipped: usize = t.not_replayed.values().sum();
    println!(
        "access matrix ({b:?}): {} rows × {} roles = {cells} cells; asked {} (refused {}, read {}, \
         changes made {}); permitted changes not replayed {skipped} ({} of them confirmed by \
         the scope functions): {:?}; verdicts checked against Viewer::position_for / can_read: \
         {}; set-up {:.1} s, matrix {:.1} s",
        rows.len(),
        ROLES.len(),
        t.asked,
        t.refused,
        t.read,
        t.performed,
        t.not_replayed_checked,
        t.not_replayed,
        t.checked,
        set_up.as_secs_f64(),
        (started.elapsed() - set_up).as_secs_f64(),
    );
    assert_eq!(t.asked + skipped, cells, "every cell is asked or counted");
    assert!(
        t.failures.is_empty(),
        "{} of {cells} cells answered wrongly:\n{}",
        t.failures.len(),
        t.failures.join("\n")
    );
});
