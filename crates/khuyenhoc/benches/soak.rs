//! Load soak: minutes of mixed traffic from many simulated users against the real server, with
//! every answer checked, the server's memory sampled, and the books checked afterwards.
//!
//! The server runs as a child process (the release binary, `serve`) on a fresh database: a SQLite
//! file in a temp dir, or a scratch PostgreSQL database made from `KHUYENHOC_TEST_PG_URL` and
//! dropped at the end. It holds the demo data and synthetic national data (the generator's
//! library, as `khuyenhoc-gen --scale 0.01` makes it by default). Seven logins (one per demo
//! role, each once: argon2 is slow on purpose) give session cookies for pages and API tokens.
//! Then, after a `GET /healthz` baseline, `--users` simulated users (tokio tasks, no think time,
//! at most 64 requests in flight over loopback) each loop over a weighted mix:
//!
//! - **browse** (30): the citizen's pages (home, my titles, my evaluation, account) and API;
//! - **submit** (15): the branch officer registers a person, registers them for the Learning
//!   Citizen title, answers the ten indicators and submits, on their behalf; or answers and
//!   resubmits an evaluation that was returned;
//! - **review** (30): the branch officer checks (or returns, one in five) a submitted evaluation;
//!   the commune chair recognises (or not, one in ten) a checked one (reports when none waits);
//! - **post** (15): the commune treasurer posts a receipt or a payment to one of two funds with an
//!   `Idempotency-Key`, and replays one in ten (same key: 200, same entry);
//! - **reports** (10): report pages, the national and province roll-ups, the cluster table, the
//!   home dashboards, the funds report and the evaluation list of the commune.
//!
//! Every answer whose status is not the expected one is an error (the first ones are printed with
//! their bodies), and so is an answer with the wrong content (status of an evaluation, amount of
//! an entry). The server's VmRSS is sampled every 5 s. Afterwards: every fund's total equals its
//! opening plus what was answered, the server is stopped, `khuyenhoc recount` runs on the same
//! database and must find no difference, every ledger entry balances per fund, and the statuses
//! of the evaluations of the branch are the ones the soak left them in. Every wait is bounded.
//!
//! ```text
//! cargo bench -p khuyenhoc --bench soak -- [--seconds 300] [--users 200] [--scale 0.01] [--backend sqlite|postgres|both]
//! ```

mod common;

use axum::body::Bytes;
use common::{
    backends, flag, flags, healthz_phase, percentile_ms, request, start_server, Http, Scratch,
    Server, CONNECTIONS, INDICATORS,
};
use khuyenhoc::db::{Backend, Db};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// One request, from sending to the last byte of the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Memory sampling interval.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// Seconds of `GET /healthz` before the soak.
const BASELINE_SECONDS: u64 = 5;
/// Errors printed with their bodies.
const SHOWN_ERRORS: usize = 10;

const CENTRAL: &str = "0900000001";
const HANOI: &str = "0900000002";
const BADINH: &str = "0900000003";
const BRANCH_OFFICER: &str = "0900000004";
const CITIZEN: &str = "0900000006";
const TREASURER: &str = "0900000007";

const FORM_GROUPS: [&str; 4] = ["farmer", "worker", "official", "student"];
const INCOME: [&str; 4] = ["donation", "membership_fee", "piggy_bank", "other_income"];
const EXPENSE: [&str; 4] = ["scholarship", "award", "teacher_support", "other_expense"];
const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const MIDDLE: [&str; 4] = ["Văn", "Thị", "Minh", "Thu"];
const GIVEN: [&str; 10] = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Nam", "Phúc",
];
/// Opening receipt of each soak fund, so that payments never overdraw.
const OPENING: i64 = 1_000_000_000;

struct Args {
    seconds: u64,
    users: usize,
    scale: f64,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let f = flags(&["--seconds", "--users", "--scale", "--backend"]);
    Args {
        seconds: flag(&f, "--seconds", 300),
        users: flag(&f, "--users", 200),
        scale: flag(&f, "--scale", 0.01),
        backends: backends(&f),
    }
}

/// A signed-in demo person: the session cookies for pages and an API token.
struct Login {
    cookies: String,
    token: String,
}

/// How a request is authenticated.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Token(&'a Login),
    Session(&'a Login),
}

/// What a request carries.
enum Body {
    Empty,
    Json(Value),
}

/// Answers of one kind of request.
#[derive(Default)]
struct Kind {
    ok: u64,
    errors: u64,
    latencies: Vec<Duration>,
}

/// Evaluations waiting for the next step, each held by one queue only.
#[derive(Default)]
struct Queues {
    submitted: VecDeque<i64>,
    checked: VecDeque<i64>,
    returned: VecDeque<i64>,
}

struct Soak {
    http: Http,
    base: String,
    slots: Semaphore,
    kinds: Mutex<BTreeMap<&'static str, Kind>>,
    shown: Mutex<Vec<String>>,
    answered: AtomicU64,
    queues: Mutex<Queues>,
    recognised: AtomicU64,
    not_recognised: AtomicU64,
    funds: Vec<(i64, AtomicI64)>,
    citizen_eval: Option<i64>,
    logins: BTreeMap<&'static str, Login>,
    year: i32,
    today: String,
    seq: AtomicU64,
    tag: String,
}

fn cookie_pairs(set_cookies: &[String]) -> impl Iterator<Item = (String, String)> + '_ {
    set_cookies.iter().filter_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        Some((k.trim().to_owned(), v.trim().to_owned()))
    })
}

fn form(fields: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// Logs in through the login form (CSRF cookie first) and makes an API token on the account page.
async fn login(http: &Http, base: &str, phone: &str) -> Login {
    let (status, set, _) = request(http, "GET", &format!("{base}/login"), &[], None)
        .await
        .expect("the login page");
    assert_eq!(status, 200, "GET /login");
    let mut jar: BTreeMap<String, String> = cookie_pairs(&set).collect();
    let csrf = jar.get("kh_csrf").cloned().expect("a CSRF cookie");
    let cookie_header = |jar: &BTreeMap<String, String>| {
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let body = form(&[
        ("_csrf", &csrf),
        ("login", phone),
        ("password", khuyenhoc::demo::DEMO_PASSWORD),
    ]);
    let (status, set, bytes) = request(
        http,
        "POST",
        &format!("{base}/login"),
        &[("cookie", &cookie_header(&jar))],
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await
    .expect("log in");
    assert_eq!(
        status,
        303,
        "login of {phone}: {}",
        String::from_utf8_lossy(&bytes)
    );
    jar.extend(cookie_pairs(&set));
    assert!(jar.contains_key("kh_session"), "no session for {phone}");
    let csrf = jar.get("kh_csrf").cloned().unwrap_or(csrf);
    let cookies = cookie_header(&jar);
    let (status, _, bytes) = request(
        http,
        "POST",
        &format!("{base}/account/tokens"),
        &[("cookie", &cookies)],
        Some((
            "application/x-www-form-urlencoded",
            form(&[("_csrf", &csrf), ("name", "soak")]),
        )),
    )
    .await
    .expect("make a token");
    let page = String::from_utf8_lossy(&bytes);
    assert_eq!(status, 200, "token of {phone}: {page}");
    let start = page.find("kh_").expect("the token is shown");
    let token = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Login { cookies, token }
}

fn short(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(400).collect()
}

impl Soak {
    fn who(&self, phone: &str) -> &Login {
        self.logins.get(phone).expect("a demo login")
    }

    fn next(&self) -> u64 {
        self.seq.fetch_add(1, Relaxed)
    }

    fn error(&self, what: String) {
        let mut shown = self.shown.lock().expect("errors");
        if shown.len() < SHOWN_ERRORS {
            eprintln!("soak error: {what}");
            shown.push(what);
        }
    }

    fn note(&self, kind: &'static str, ok: bool, took: Duration) {
        let mut kinds = self.kinds.lock().expect("kinds");
        let k = kinds.entry(kind).or_default();
        if ok {
            k.ok += 1;
            k.latencies.push(took);
        } else {
            k.errors += 1;
        }
    }

    /// Sends one request and answers its body when the status is `expect`; anything else
    /// (another status, a failure, a timeout) is counted as an error of `kind`.
    #[allow(clippy::too_many_arguments)] // every part of the request is named at the call site
    async fn send(
        &self,
        kind: &'static str,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Body,
        key: Option<&str>,
        expect: u16,
    ) -> Option<Bytes> {
        let url = format!("{}{path}", self.base);
        let bearer;
        let mut headers: Vec<(&str, &str)> = vec![];
        match auth {
            Auth::Token(l) => {
                bearer = format!("Bearer {}", l.token);
                headers.push(("authorization", &bearer));
            }
            Auth::Session(l) => headers.push(("cookie", &l.cookies)),
        }
        if let Some(k) = key {
            headers.push(("idempotency-key", k));
        }
        let payload = match body {
            Body::Empty => None,
            Body::Json(v) => Some(("application/json", v.to_string())),
        };
        let _slot = self.slots.acquire().await.expect("the connection slots");
        let started = Instant::now();
        let answer = tokio::time::timeout(
            REQUEST_TIMEOUT,
            request(&self.http, method, &url, &headers, payload),
        )
        .await;
        let took = started.elapsed();
        self.answered.fetch_add(1, Relaxed);
        match answer {
            Ok(Ok((status, _, bytes))) if status == expect => {
                self.note(kind, true, took);
                Some(bytes)
            }
            Ok(Ok((status, _, bytes))) => {
                self.note(kind, false, took);
                self.error(format!(
                    "{kind}: {method} {path} answered {status} (expected {expect}): {}",
                    short(&bytes)
                ));
                None
            }
            Ok(Err(e)) => {
                self.note(kind, false, took);
                self.error(format!("{kind}: {method} {path} failed: {e}"));
                None
            }
            Err(_) => {
                self.note(kind, false, took);
                self.error(format!(
                    "{kind}: {method} {path} no answer in {REQUEST_TIMEOUT:?}"
                ));
                None
            }
        }
    }

    /// The JSON of an answer, when it has `field` equal to `want` (at a JSON pointer); a wrong
    /// answer with the right status is an error of `kind` too.
    fn checked(
        &self,
        kind: &'static str,
        bytes: &Bytes,
        pointer: &str,
        want: &Value,
    ) -> Option<Value> {
        let v: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
        if v.pointer(pointer) == Some(want) {
            Some(v)
        } else {
            self.note(kind, false, Duration::ZERO);
            self.error(format!(
                "{kind}: wrong answer, {pointer} is not {want}: {}",
                short(bytes)
            ));
            None
        }
    }

    // --- browse -------------------------------------------------------------------------------

    async fn browse(&self, rng: &mut StdRng) {
        let me = self.who(CITIZEN);
        let mut pages = vec![
            "/".to_owned(),
            "/learning".to_owned(),
            "/account".to_owned(),
        ];
        if let Some(id) = self.citizen_eval {
            pages.push(format!("/evaluations/{id}"));
            pages.push(format!("/evaluations/{id}/groups/1"));
        }
        for _ in 0..2 {
            let page = pages.choose(rng).expect("a page");
            self.send(
                "citizen page",
                "GET",
                page,
                Auth::Session(me),
                Body::Empty,
                None,
                200,
            )
            .await;
        }
        let api = if rng.gen_bool(0.5) {
            "/api/v1/me/evaluations"
        } else {
            "/api/v1/me"
        };
        self.send(
            "citizen API",
            "GET",
            api,
            Auth::Token(me),
            Body::Empty,
            None,
            200,
        )
        .await;
    }

    // --- submit -------------------------------------------------------------------------------

    fn answers(rng: &mut StdRng) -> Value {
        let a: serde_json::Map<String, Value> = INDICATORS
            .iter()
            .map(|c| ((*c).to_owned(), json!(rng.gen_range(8..=10))))
            .collect();
        json!({ "answers": a })
    }

    /// A new person of branch 00004-1, registered for this year's title: the evaluation's id.
    async fn register_new(&self, rng: &mut StdRng) -> Option<i64> {
        let officer = Auth::Token(self.who(BRANCH_OFFICER));
        let name = format!(
            "{} {} {}",
            FAMILY.choose(rng).expect("f"),
            MIDDLE.choose(rng).expect("m"),
            GIVEN.choose(rng).expect("g")
        );
        let body = json!({"full_name": name, "birth_year": rng.gen_range(1950..=2008).to_string()});
        let b = self
            .send(
                "register person",
                "POST",
                "/api/v1/units/00004-1/people",
                officer,
                Body::Json(body),
                None,
                201,
            )
            .await?;
        let Some(person) = serde_json::from_slice::<Value>(&b)
            .ok()
            .and_then(|v| v["id"].as_i64())
        else {
            self.error(format!("register person: no id in {}", short(&b)));
            return None;
        };
        let body = json!({"model": "citizen", "subject": {"person_id": person}, "year": self.year, "form_group": FORM_GROUPS.choose(rng).expect("g")});
        let b = self
            .send(
                "register title",
                "POST",
                "/api/v1/evaluations",
                officer,
                Body::Json(body),
                None,
                201,
            )
            .await?;
        let v = self.checked(
            "register title",
            &b,
            "/evaluation/status",
            &json!("registered"),
        )?;
        v["evaluation"]["id"].as_i64()
    }

    async fn submit(&self, rng: &mut StdRng) {
        let officer = Auth::Token(self.who(BRANCH_OFFICER));
        let returned = self.queues.lock().expect("queues").returned.pop_front();
        let (id, kind) = if let Some(id) = returned {
            (id, "resubmit")
        } else {
            let Some(id) = self.register_new(rng).await else {
                return;
            };
            (id, "submit")
        };
        let path = format!("/api/v1/evaluations/{id}");
        let Some(b) = self
            .send(
                "answer",
                "PUT",
                &format!("{path}/answers"),
                officer,
                Body::Json(Self::answers(rng)),
                None,
                200,
            )
            .await
        else {
            return;
        };
        let was = if kind == "resubmit" {
            "returned"
        } else {
            "registered"
        };
        if self
            .checked("answer", &b, "/evaluation/status", &json!(was))
            .is_none()
        {
            return;
        }
        let Some(b) = self
            .send(
                kind,
                "POST",
                &format!("{path}/submit"),
                officer,
                Body::Json(json!({})),
                None,
                200,
            )
            .await
        else {
            return;
        };
        if self
            .checked(kind, &b, "/evaluation/status", &json!("submitted"))
            .is_some()
        {
            self.queues.lock().expect("queues").submitted.push_back(id);
        }
    }

    // --- review -------------------------------------------------------------------------------

    /// Answers false when nothing was waiting.
    #[allow(clippy::too_many_lines)] // one simulated reviewer's turn, step after step
    async fn review(&self, rng: &mut StdRng) -> bool {
        let (checked, submitted) = {
            let mut q = self.queues.lock().expect("queues");
            match q.checked.pop_front() {
                Some(id) => (Some(id), None),
                None => (None, q.submitted.pop_front()),
            }
        };
        if let Some(id) = checked {
            let chair = Auth::Token(self.who(BADINH));
            let n = self.next();
            let (body, want) = if rng.gen_bool(0.9) {
                (
                    json!({"decision": "recognise", "decision_no": format!("{n}/QĐ-KH-{}", self.tag), "decision_date": self.today}),
                    "recognised",
                )
            } else {
                (
                    json!({"decision": "not_recognise", "reason": "Chưa đủ minh chứng tham gia học tập cộng đồng"}),
                    "not_recognised",
                )
            };
            let path = format!("/api/v1/evaluations/{id}/review");
            if let Some(b) = self
                .send("review", "POST", &path, chair, Body::Json(body), None, 200)
                .await
            {
                if self
                    .checked("review", &b, "/evaluation/status", &json!(want))
                    .is_some()
                {
                    if want == "recognised" {
                        self.recognised.fetch_add(1, Relaxed);
                    } else {
                        self.not_recognised.fetch_add(1, Relaxed);
                    }
                }
            }
            return true;
        }
        let Some(id) = submitted else {
            return false;
        };
        let officer = Auth::Token(self.who(BRANCH_OFFICER));
        if rng.gen_bool(0.2) {
            let path = format!("/api/v1/evaluations/{id}/return");
            let body = json!({"reason": "Bổ sung minh chứng đọc sách"});
            if let Some(b) = self
                .send(
                    "return",
                    "POST",
                    &path,
                    officer,
                    Body::Json(body),
                    None,
                    200,
                )
                .await
            {
                if self
                    .checked("return", &b, "/evaluation/status", &json!("returned"))
                    .is_some()
                {
                    self.queues.lock().expect("queues").returned.push_back(id);
                }
            }
        } else {
            let path = format!("/api/v1/evaluations/{id}/check");
            let body = json!({"note": "Đã kiểm tra tại chi hội"});
            if let Some(b) = self
                .send("check", "POST", &path, officer, Body::Json(body), None, 200)
                .await
            {
                if self
                    .checked("check", &b, "/evaluation/status", &json!("checked"))
                    .is_some()
                {
                    self.queues.lock().expect("queues").checked.push_back(id);
                }
            }
        }
        true
    }

    // --- post ---------------------------------------------------------------------------------

    async fn post(&self, rng: &mut StdRng) {
        let treasurer = self.who(TREASURER);
        let (fund, expected) = self.funds.choose(rng).expect("a fund");
        if rng.gen_bool(0.1) {
            self.send(
                "fund page",
                "GET",
                &format!("/funds/{fund}"),
                Auth::Session(treasurer),
                Body::Empty,
                None,
                200,
            )
            .await;
            return;
        }
        let receipt = rng.gen_bool(0.7);
        let (category, amount) = if receipt {
            (
                *INCOME.choose(rng).expect("c"),
                rng.gen_range(1..=5_000) * 1_000,
            )
        } else {
            (
                *EXPENSE.choose(rng).expect("c"),
                rng.gen_range(1..=1_500) * 1_000,
            )
        };
        let change = if receipt { amount } else { -amount };
        let key = format!("soak-{}-{}", self.tag, self.next());
        let body = json!({
            "category": category,
            "asset": if rng.gen_bool(0.5) { "cash" } else { "bank" },
            "amount": amount,
            "description": format!("Thử tải {key}"),
        });
        let path = format!("/api/v1/funds/{fund}/entries");
        let auth = Auth::Token(treasurer);
        let Some(b) = self
            .send(
                "post entry",
                "POST",
                &path,
                auth,
                Body::Json(body.clone()),
                Some(&key),
                201,
            )
            .await
        else {
            return;
        };
        let Some(v) = self.checked("post entry", &b, "/change", &json!(change)) else {
            return;
        };
        expected.fetch_add(change, Relaxed);
        if rng.gen_bool(0.1) {
            if let Some(b) = self
                .send(
                    "post replay",
                    "POST",
                    &path,
                    auth,
                    Body::Json(body),
                    Some(&key),
                    200,
                )
                .await
            {
                self.checked("post replay", &b, "/id", &v["id"]);
            }
        }
    }

    // --- reports ------------------------------------------------------------------------------

    /// The report pages officers open: (kind, who, path).
    fn report_targets(&self, period: &str) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("dashboard", CENTRAL, "/".to_owned()),
            ("dashboard", BADINH, "/".to_owned()),
            (
                "roll-up",
                CENTRAL,
                format!("/units/VN/reports/{period}/children"),
            ),
            (
                "roll-up",
                HANOI,
                format!("/units/01/reports/{period}/children"),
            ),
            (
                "cluster",
                CENTRAL,
                format!("/clusters/DEMO-1/reports/{period}"),
            ),
            ("report page", HANOI, format!("/units/01/reports/{period}")),
            (
                "report page",
                BADINH,
                format!("/units/00004/reports/{period}"),
            ),
            (
                "funds report",
                BADINH,
                "/units/00004/funds/report".to_owned(),
            ),
            (
                "evaluation list",
                BADINH,
                "/units/00004-1/evaluations".to_owned(),
            ),
        ]
    }

    async fn reports(&self, rng: &mut StdRng) {
        let y = self.year;
        let period = if rng.gen_bool(0.5) {
            format!("{y}-Y")
        } else {
            format!("{y}-H1")
        };
        let targets = self.report_targets(&period);
        let (kind, who, path) = targets.choose(rng).expect("a report");
        if rng.gen_bool(0.2) && *kind == "report page" {
            let api = format!("/api{}", path.replacen("/units", "/v1/units", 1));
            self.send(
                "report API",
                "GET",
                &api,
                Auth::Token(self.who(who)),
                Body::Empty,
                None,
                200,
            )
            .await;
        } else {
            self.send(
                kind,
                "GET",
                path,
                Auth::Session(self.who(who)),
                Body::Empty,
                None,
                200,
            )
            .await;
        }
    }

    async fn user(self: Arc<Self>, n: usize, end: Instant) {
        let mut rng = StdRng::seed_from_u64(n as u64);
        while Instant::now() < end {
            match rng.gen_range(0..100) {
                0..=29 => self.browse(&mut rng).await,
                30..=44 => self.submit(&mut rng).await,
                45..=74 => {
                    if !self.review(&mut rng).await {
                        self.reports(&mut rng).await;
                    }
                }
                75..=89 => self.post(&mut rng).await,
                _ => self.reports(&mut rng).await,
            }
        }
    }
}

/// Runs the `khuyenhoc` binary with `args` on `url`, within `timeout`; answers success and stdout.
async fn cli(url: &str, args: &[&str], timeout: Duration) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_khuyenhoc"));
    cmd.arg("--database-url")
        .arg(url)
        .args(args)
        .env("KHUYENHOC_LOG_FILTER", "warn")
        .kill_on_drop(true);
    match tokio::time::timeout(timeout, cmd.output()).await {
        Ok(Ok(out)) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Ok(Err(e)) => (false, e.to_string()),
        Err(_) => (false, format!("no end in {timeout:?}")),
    }
}

async fn fund_total(s: &Soak, fund: i64) -> Option<i64> {
    let b = s
        .send(
            "fund total",
            "GET",
            &format!("/api/v1/funds/{fund}"),
            Auth::Token(s.who(TREASURER)),
            Body::Empty,
            None,
            200,
        )
        .await?;
    serde_json::from_slice::<Value>(&b).ok()?["total"].as_i64()
}

/// Opens a fund at `unit` with its opening receipt; answers its id.
async fn open_fund(s: &Soak, unit: &str, code: &str) -> i64 {
    let auth = Auth::Token(s.who(TREASURER));
    let body = json!({"code": code, "name": format!("Quỹ thử tải {code}"), "kind": "general"});
    let b = s
        .send(
            "setup",
            "POST",
            &format!("/api/v1/units/{unit}/funds"),
            auth,
            Body::Json(body),
            None,
            201,
        )
        .await
        .expect("open a fund");
    let id = serde_json::from_slice::<Value>(&b).expect("json")["id"]
        .as_i64()
        .expect("fund id");
    let body = json!({"category": "donation", "asset": "bank", "amount": OPENING, "description": "Số dư đầu kỳ thử tải"});
    s.send(
        "setup",
        "POST",
        &format!("/api/v1/funds/{id}/entries"),
        auth,
        Body::Json(body),
        Some(&format!("soak-open-{code}")),
        201,
    )
    .await
    .expect("the opening receipt");
    id
}

/// Memory and throughput every [`SAMPLE_EVERY`]: (seconds since start, RSS MB, answers, heap
/// in use MB as the server's `/metrics` reports it, 0 when it does not).
type Samples = Vec<(f64, f64, u64, f64)>;

/// The allocator's bytes in use (`process_heap_in_use_bytes` on `/metrics`), in MB.
async fn heap_mb(http: &Http, server: &Server) -> f64 {
    match common::call(http, "GET", &format!("{}/metrics", server.base), None, None).await {
        Ok((200, body)) => String::from_utf8_lossy(&body)
            .lines()
            .find_map(|l| l.strip_prefix("process_heap_in_use_bytes "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(0.0, |b| b / 1e6),
        _ => 0.0,
    }
}

async fn sample(server: &Server, s: &Soak, start: Instant, end: Instant) -> Samples {
    let http = common::client();
    let mut out = vec![(
        0.0,
        server.rss_mb(),
        s.answered.load(Relaxed),
        heap_mb(&http, server).await,
    )];
    let mut next = start + SAMPLE_EVERY;
    while next <= end + Duration::from_millis(100) {
        tokio::time::sleep_until(next.into()).await;
        let at = start.elapsed().as_secs_f64();
        let rss = server.rss_mb();
        let heap = heap_mb(&http, server).await;
        let answered = s.answered.load(Relaxed);
        let prev = out.last().map_or(0, |p| p.2);
        println!(
            "  t={at:>5.0} s  RSS {rss:>6.1} MB  heap {heap:>6.1} MB  {:>6.0} req/s",
            (answered - prev) as f64 / SAMPLE_EVERY.as_secs_f64()
        );
        out.push((at, rss, answered, heap));
        next += SAMPLE_EVERY;
    }
    out
}

#[allow(clippy::too_many_lines)] // one soak run, step after step, reads best in one place
async fn run(backend: Backend, a: &Args) -> String {
    let mut md = String::new();
    let scratch = Scratch::new(backend, "khuyenhoc_soak").await;
    let url = scratch.url.clone();
    let started = Instant::now();
    {
        let db = Db::connect(&url, 4, khuyenhoc::db::SqliteSync::Normal)
            .await
            .expect("connect");
        khuyenhoc::prepare(&db)
            .await
            .expect("migrations and the map");
        khuyenhoc::demo::load(&db).await.expect("demo data");
        khuyenhoc::demo::showcase(&db).await.expect("demo members");
        if a.scale > 0.0 {
            // The generator's library, as `khuyenhoc-gen --scale S` runs it (seed 1), quietly.
            let opts = khuyenhoc_gen::Options {
                scale: khuyenhoc_gen::parse_scale(&a.scale.to_string()).expect("--scale"),
                seed: 1,
                quiet: true,
            };
            let generated = tokio::time::timeout(
                Duration::from_secs(600),
                khuyenhoc_gen::generate(&db, &opts),
            )
            .await;
            match generated {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => panic!("gen --scale {}: {e:#}", a.scale),
                Err(_) => panic!("gen --scale {}: no end in 600 s", a.scale),
            }
        }
        db.pool.close().await;
    }
    let setup = started.elapsed().as_secs_f64();
    let mut server = start_server(&url).await;
    let http = common::client();
    let base = server.base.clone();
    let mut logins = BTreeMap::new();
    let login_started = Instant::now();
    for phone in [CENTRAL, HANOI, BADINH, BRANCH_OFFICER, CITIZEN, TREASURER] {
        logins.insert(phone, login(&http, &base, phone).await);
    }
    let login_s = login_started.elapsed().as_secs_f64();
    let now = chrono::Utc::now();
    let mut soak = Soak {
        http: http.clone(),
        base: base.clone(),
        slots: Semaphore::new(CONNECTIONS),
        kinds: Mutex::default(),
        shown: Mutex::default(),
        answered: AtomicU64::new(0),
        queues: Mutex::default(),
        recognised: AtomicU64::new(0),
        not_recognised: AtomicU64::new(0),
        funds: vec![],
        citizen_eval: None,
        logins,
        year: chrono::Datelike::year(&now),
        today: now.format("%Y-%m-%d").to_string(),
        seq: AtomicU64::new(1),
        tag: format!("{backend:?}-{}", std::process::id()),
    };
    // The citizen registers themself (the page of their evaluation is browsed).
    let body = json!({"model": "citizen", "year": soak.year, "form_group": "worker"});
    if let Some(b) = soak
        .send(
            "setup",
            "POST",
            "/api/v1/evaluations",
            Auth::Token(soak.who(CITIZEN)),
            Body::Json(body),
            None,
            201,
        )
        .await
    {
        soak.citizen_eval = serde_json::from_slice::<Value>(&b)
            .ok()
            .and_then(|v| v["evaluation"]["id"].as_i64());
    }
    let tag = std::process::id() % 10_000;
    let fund_a = open_fund(&soak, "00004", &format!("TT-A{tag}")).await;
    let fund_b = open_fund(&soak, "00004-1", &format!("TT-B{tag}")).await;
    let mut opening = vec![];
    for f in [fund_a, fund_b] {
        opening.push(fund_total(&soak, f).await.expect("fund total"));
        soak.funds.push((f, AtomicI64::new(0)));
    }
    soak.kinds.lock().expect("kinds").clear();
    let setup_errors = soak.shown.lock().expect("errors").len();
    // Each report page alone on the idle server, for comparison with its latency under load.
    let mut idle = vec![];
    for (kind, who, path) in soak.report_targets(&format!("{}-Y", soak.year)) {
        let t = Instant::now();
        soak.send(
            "setup",
            "GET",
            &path,
            Auth::Session(soak.who(who)),
            Body::Empty,
            None,
            200,
        )
        .await;
        idle.push(format!(
            "{kind} `{path}` ({who}) {:.0} ms",
            t.elapsed().as_secs_f64() * 1000.0
        ));
    }
    // Baseline.
    let health = healthz_phase(&http, &base, BASELINE_SECONDS).await;
    // The soak.
    let soak = Arc::new(soak);
    println!(
        "\n{backend:?}: soak of {} s, {} users, {CONNECTIONS} connections",
        a.seconds, a.users
    );
    let start = Instant::now();
    let end = start + Duration::from_secs(a.seconds);
    let users: Vec<_> = (0..a.users)
        .map(|n| tokio::spawn(soak.clone().user(n, end)))
        .collect();
    let samples = sample(&server, &soak, start, end).await;
    for u in users {
        // A user finishes the step it is in; every request has its timeout.
        if tokio::time::timeout(REQUEST_TIMEOUT * 5, u).await.is_err() {
            soak.error("a simulated user did not finish in time".into());
        }
    }
    let elapsed = start.elapsed();
    let peak = server.peak_rss_mb();
    // Books: every fund's total is its opening plus what was answered.
    let mut fund_lines = vec![];
    let mut funds_ok = true;
    for ((f, expected), open) in soak.funds.iter().zip(&opening) {
        let want = open + expected.load(Relaxed);
        let got = fund_total(&soak, *f).await;
        funds_ok &= got == Some(want);
        fund_lines.push(format!(
            "fund {f}: total {} (opening {open} + answered {})",
            got.map_or("unreadable".to_owned(), |g| g.to_string()),
            expected.load(Relaxed)
        ));
    }
    let stopped = server.stop(Duration::from_secs(30));
    let (recount_ok, recount_out) = cli(&url, &["recount"], Duration::from_secs(600)).await;
    let db = Db::connect(&url, 2, khuyenhoc::db::SqliteSync::Normal)
        .await
        .expect("connect after the soak");
    let unbalanced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT entry_id, fund_id FROM ledger_lines GROUP BY entry_id, fund_id HAVING SUM(amount) <> 0) AS u")
        .fetch_one(&db.pool)
        .await
        .expect("unbalanced entries");
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries")
        .fetch_one(&db.pool)
        .await
        .expect("entries");
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT e.status, COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.code = '00004-1' AND e.year = $1 GROUP BY e.status")
        .bind(i64::from(soak.year))
        .fetch_all(&db.pool)
        .await
        .expect("statuses");
    db.pool.close().await;
    let stored: BTreeMap<String, i64> = rows.into_iter().collect();
    let expected: BTreeMap<String, i64> = {
        let q = soak.queues.lock().expect("queues");
        let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        let m = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
        [
            ("registered", i64::from(soak.citizen_eval.is_some())),
            ("submitted", n(q.submitted.len())),
            ("checked", n(q.checked.len())),
            ("returned", n(q.returned.len())),
            ("recognised", m(soak.recognised.load(Relaxed))),
            ("not_recognised", m(soak.not_recognised.load(Relaxed))),
        ]
        .into_iter()
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| (k.to_owned(), c))
        .collect()
    };
    scratch.remove().await;

    // The figures.
    let kinds = soak.kinds.lock().expect("kinds");
    let secs = elapsed.as_secs_f64();
    let (mut total_ok, mut total_err) = (0u64, 0u64);
    let mut all = vec![];
    md += &format!(
        "### {backend:?}: {} s, {} simulated users, {CONNECTIONS} connections\n\n",
        a.seconds, a.users
    );
    md += &format!(
        "Setup: migrations, map, demo data and `gen --scale {}` in {setup:.1} s; six logins (argon2) in {login_s:.1} s.\n\n",
        a.scale
    );
    md += "| kind | answered | errors | per second | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n";
    for (name, k) in kinds
        .iter()
        .filter(|(n, _)| !matches!(**n, "setup" | "fund total"))
    {
        total_ok += k.ok;
        total_err += k.errors;
        all.extend_from_slice(&k.latencies);
        md += &format!(
            "| {name} | {} | {} | {:.1} | {:.1} | {:.1} |\n",
            k.ok,
            k.errors,
            k.ok as f64 / secs,
            percentile_ms(&k.latencies, 0.5),
            percentile_ms(&k.latencies, 0.99)
        );
    }
    md += &format!(
        "| **all** | {total_ok} | {total_err} | {:.0} | {:.1} | {:.1} |\n",
        total_ok as f64 / secs,
        percentile_ms(&all, 0.5),
        percentile_ms(&all, 0.99)
    );
    md += &format!(
        "| baseline `GET /healthz` ({BASELINE_SECONDS} s before) | {} | {} | {:.0} | {:.1} | {:.1} |\n\n",
        health.ok,
        health.errors,
        health.rate(),
        health.pct(0.5),
        health.pct(0.99)
    );
    md += &format!(
        "Unloaded, one request each before the soak: {}.\n\n",
        idle.join("; ")
    );
    // Memory per minute.
    md += "Server memory (VmRSS, and the allocator's bytes in use from `/metrics`, sampled every 5 s):\n\n| minute | RSS min MB | RSS max MB | heap in use min MB | heap in use max MB | requests per second |\n|---|---:|---:|---:|---:|---:|\n";
    let minutes = (samples.last().map_or(0.0, |s| s.0) / 60.0).ceil() as usize;
    for m in 0..minutes.max(1) {
        let lo = m as f64 * 60.0;
        let hi = lo + 60.0;
        let inside: Vec<_> = samples
            .iter()
            .filter(|s| s.0 > lo - 0.5 && s.0 <= hi + 0.5)
            .collect();
        if inside.len() < 2 {
            continue;
        }
        let min = inside.iter().map(|s| s.1).fold(f64::MAX, f64::min);
        let max = inside.iter().map(|s| s.1).fold(0.0, f64::max);
        let (first, last) = (inside[0], inside[inside.len() - 1]);
        let rate = (last.2 - first.2) as f64 / (last.0 - first.0).max(0.001);
        let heap_min = inside.iter().map(|s| s.3).fold(f64::MAX, f64::min);
        let heap_max = inside.iter().map(|s| s.3).fold(0.0, f64::max);
        md += &format!(
            "| {} | {min:.1} | {max:.1} | {heap_min:.1} | {heap_max:.1} | {rate:.0} |\n",
            m + 1
        );
    }
    let series: Vec<String> = samples.iter().map(|s| format!("{:.0}", s.1)).collect();
    let heap: Vec<String> = samples.iter().map(|s| format!("{:.0}", s.3)).collect();
    md += &format!(
        "\nRSS series (MB, every 5 s): {}; peak (VmHWM) {peak:.0} MB.\n\nHeap in use (MB, every 5 s): {}.\n\n",
        series.join(" "),
        heap.join(" ")
    );
    // Checks.
    let recount_line = recount_out
        .lines()
        .rev()
        .find(|l| l.contains("differences"))
        .unwrap_or(recount_out.trim())
        .to_owned();
    md += "Checks after the soak:\n\n";
    md += &format!(
        "- errors: {total_err} during the soak{}\n",
        if setup_errors > 0 {
            format!(", {setup_errors} during setup")
        } else {
            String::new()
        }
    );
    md += &format!(
        "- funds: {} — {}\n",
        if funds_ok { "as answered" } else { "MISMATCH" },
        fund_lines.join("; ")
    );
    md += &format!("- ledger: {entries} entries, {unbalanced} not balancing per fund\n");
    md += &format!(
        "- evaluations of branch 00004-1: stored {stored:?}, expected {expected:?}: {}\n",
        if stored == expected {
            "same"
        } else {
            "DIFFERENT"
        }
    );
    md += &format!(
        "- server stopped {} on SIGTERM\n",
        if stopped { "cleanly" } else { "NOT cleanly" }
    );
    md += &format!(
        "- `khuyenhoc recount`: {} ({recount_line})\n\n",
        if recount_ok { "ok" } else { "FAILED" }
    );
    if !recount_ok {
        println!("recount output:\n{recount_out}");
    }
    let shown = soak.shown.lock().expect("errors");
    if !shown.is_empty() {
        md += "First errors:\n\n";
        for e in shown.iter() {
            md += &format!("- `{}`\n", e.replace('`', "'"));
        }
        md += "\n";
    }
    println!("\n{md}");
    md
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut md = String::new();
    for b in a.backends.clone() {
        md += &rt.block_on(run(b, &a));
    }
    println!("\n======== summary ========\n\n{md}");
}
