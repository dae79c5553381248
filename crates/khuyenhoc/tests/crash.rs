//! Crash test: the real binary under write load is killed with SIGKILL at random moments and
//! restarted on the same database, then every request that was answered with success must be
//! stored exactly once and every fund must still balance.
//!
//! The load comes from [`WORKERS`] concurrent tasks over loopback: receipts and payments posted
//! with an `Idempotency-Key` (retried with the same key after a lost answer until answered),
//! transfers between two funds (no key exists for them: a transfer whose answer was lost is not
//! retried, it is looked up afterwards by its unique description), and self-assessments
//! registered, answered and submitted by the commune chair on behalf of citizens. The server is
//! killed [`kills`] times (3 by default, `KHUYENHOC_CRASH_KILLS` otherwise: `scripts/crash-long.sh`
//! runs 20; `KHUYENHOC_CRASH_SEED` changes the random choices), each time some tens to hundreds of
//! milliseconds into a phase of load, and restarted with `serve` on the same database.
//!
//! Afterwards, through SQL and through the API: every posting answered 2xx exists exactly once
//! for its person and key (with the id and amount answered), no key is stored twice, nothing was
//! stored that was not asked for, every entry balances per fund and has its audit entry, every
//! fund's balances are the sums of what was answered, voucher numbers run 1..n per fund, year and
//! kind with the counter at n, every transfer answered is stored as its two linked halves (and a
//! lost one as both halves or neither), every submission is stored as submitted with the answers
//! sent and one event per step, `recount` finds the live counters equal to the raw rows, and no
//! request was answered with a 5xx.
//!
//! Every wait has a timeout; the child is killed when dropped; traffic goes only to 127.0.0.1.

mod common;
use axum::http::{header, Method, Request};
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HttpClient};
use hyper_util::rt::TokioExecutor;
use khuyenhoc::db::{Backend, Db};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// Concurrent tasks sending writes.
const WORKERS: usize = 8;
/// One request, from sending to the last byte of the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// From spawning the binary to `/readyz` answering 200 (the first start loads the map).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a worker waits for the server to come back before failing.
const DOWN_TIMEOUT: Duration = Duration::from_secs(150);
/// How long a worker may retry one operation before failing.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(180);
/// Requests answered by a fresh server before the random delay to the next kill starts.
const WARM_ANSWERS: u64 = 8;
/// Load after the last restart, before the checks.
const FINAL_PHASE: Duration = Duration::from_millis(1500);

const FORM_GROUPS: [&str; 4] = ["farmer", "worker", "official", "student"];
const INCOME: [&str; 4] = ["donation", "membership_fee", "piggy_bank", "other_income"];
const EXPENSE: [&str; 4] = ["scholarship", "award", "teacher_support", "other_expense"];
const ASSETS: [&str; 2] = ["cash", "bank"];

fn kills() -> usize {
    std::env::var("KHUYENHOC_CRASH_KILLS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(3)
}

fn seed(b: Backend) -> u64 {
    let base = std::env::var("KHUYENHOC_CRASH_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(20_250_701);
    match b {
        Backend::Sqlite => base,
        Backend::Postgres => base ^ 0x5eed,
    }
}

// ---------------------------------------------------------------------------------------------
// The server as a child process

/// The running binary and where it listens. Dropping it kills the process (`kill_on_drop`).
struct Server {
    child: Child,
    addr: String,
}

/// Starts `khuyenhoc COMMAND --listen 127.0.0.1:0` on the database and waits until `/readyz`
/// answers 200. Returns the server and the time from spawning to ready.
async fn start(
    work: &Path,
    url: &str,
    command: &str,
    log: &Path,
    http: &HttpClient<HttpConnector, Full<Bytes>>,
) -> (Server, Duration) {
    let t0 = Instant::now();
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("server log file");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_khuyenhoc"));
    for (k, _) in std::env::vars() {
        if k.starts_with("KHUYENHOC_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(work)
        .env("KHUYENHOC_LOG_FILTER", "warn")
        .args(["--database-url", url, command, "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn khuyenhoc");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // `serve_db` prints "khuyenhoc: http://ADDR/  (…)" once it listens.
    let addr = tokio::time::timeout(READY_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("khuyenhoc: http://") {
                return rest.split('/').next().map(str::to_owned);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_else(|| panic!("`khuyenhoc {command}` printed no address: {}", tail(log)));
    assert!(addr.starts_with("127.0.0.1:"), "loopback only: {addr}");
    // Keep reading stdout (where the logs go) into the log, so the child never blocks on a
    // full pipe.
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(log)
        .expect("server log file");
    tokio::spawn(async move {
        use std::io::Write;
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = writeln!(out, "{line}");
        }
    });
    loop {
        let req = Request::get(format!("http://{addr}/readyz"))
            .body(Full::new(Bytes::new()))
            .expect("request");
        if let Ok(Ok(r)) = tokio::time::timeout(Duration::from_secs(5), http.request(req)).await {
            if r.status().as_u16() == 200 {
                break;
            }
        }
        assert!(
            t0.elapsed() < READY_TIMEOUT,
            "`khuyenhoc {command}` not ready within {READY_TIMEOUT:?}: {}",
            tail(log)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (Server { child, addr }, t0.elapsed())
}

impl Server {
    /// SIGKILL (what `Child::start_kill` sends on Unix), then reap it.
    async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL");
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the killed server is reaped within 10 s")
            .expect("wait");
    }
}

/// The end of the server's log, for failure messages.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let start = text.char_indices().rev().nth(4000).map_or(0, |(i, _)| i);
    format!("server log ({}):\n{}", log.display(), &text[start..])
}

// ---------------------------------------------------------------------------------------------
// The client side

#[derive(Clone, Debug)]
struct Up {
    generation: u64,
    addr: String,
}

#[derive(Default)]
struct Stats {
    /// Attempts, whatever became of them.
    sent: AtomicU64,
    answered: AtomicU64,
    ok: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    /// Refused before anything was sent (the server was down): safe to send again.
    not_sent: AtomicU64,
    /// Sent, but the answer never came (killed mid-request): the outcome is unknown.
    lost: AtomicU64,
    in_flight: AtomicI64,
    /// Answers from the current server (reset at each start).
    answered_now: AtomicU64,
}

/// What the test found wrong, reported together at the end.
#[derive(Default)]
struct Findings(Mutex<Vec<String>>);

impl Findings {
    fn add(&self, s: String) {
        eprintln!("FINDING: {s}");
        self.0.lock().expect("findings").push(s);
    }
    fn all(&self) -> Vec<String> {
        self.0.lock().expect("findings").clone()
    }
}

enum Attempt {
    Answer(u16, Value),
    NotSent,
    Lost,
}

#[derive(Clone)]
struct Net {
    http: HttpClient<HttpConnector, Full<Bytes>>,
    server: watch::Receiver<Option<Up>>,
    stats: Arc<Stats>,
    findings: Arc<Findings>,
}

impl Net {
    /// The running server, waiting while it is down.
    async fn up(&self) -> Up {
        let deadline = Instant::now() + DOWN_TIMEOUT;
        let mut rx = self.server.clone();
        loop {
            if let Some(up) = rx.borrow_and_update().clone() {
                return up;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the server did not come back within {DOWN_TIMEOUT:?}"
            );
            let _ = tokio::time::timeout(left, rx.changed()).await;
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> Attempt {
        let up = self.up().await;
        let mut req = Request::builder()
            .method(method.clone())
            .uri(format!("http://{}{path}", up.addr))
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let bytes = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(v.to_string())
            }
            None => Bytes::new(),
        };
        let req = req.body(Full::new(bytes)).expect("request");
        let s = &self.stats;
        s.sent.fetch_add(1, Relaxed);
        s.in_flight.fetch_add(1, Relaxed);
        let res = tokio::time::timeout(REQUEST_TIMEOUT, async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| (e.is_connect(), e.to_string()))?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| (false, e.to_string()))?
                .to_bytes();
            Ok::<_, (bool, String)>((status, body))
        })
        .await;
        s.in_flight.fetch_sub(1, Relaxed);
        match res {
            Ok(Ok((status, body))) => {
                s.answered.fetch_add(1, Relaxed);
                s.answered_now.fetch_add(1, Relaxed);
                match status {
                    200..=299 => s.ok.fetch_add(1, Relaxed),
                    400..=499 => s.client_errors.fetch_add(1, Relaxed),
                    _ => s.server_errors.fetch_add(1, Relaxed),
                };
                let v = serde_json::from_slice(&body)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
                if status >= 500 {
                    self.findings.add(format!(
                        "{method} {path} (server {}) answered {status}: {v}",
                        up.generation
                    ));
                }
                Attempt::Answer(status, v)
            }
            Ok(Err((true, _))) => {
                s.not_sent.fetch_add(1, Relaxed);
                Attempt::NotSent
            }
            Ok(Err((false, _))) | Err(_) => {
                s.lost.fetch_add(1, Relaxed);
                Attempt::Lost
            }
        }
    }

    /// Sends until the server answers below 500. Returns the answer and whether an earlier
    /// attempt may have taken effect (its answer was lost, or it failed with a 5xx).
    async fn until_answered(
        &self,
        method: Method,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value, bool) {
        let deadline = Instant::now() + RESOLVE_TIMEOUT;
        let mut retried = false;
        loop {
            match self.attempt(&method, path, token, key, body).await {
                Attempt::Answer(status, v) if status < 500 => return (status, v, retried),
                Attempt::Answer(..) | Attempt::Lost => retried = true,
                Attempt::NotSent => {}
            }
            assert!(
                Instant::now() < deadline,
                "{method} {path} unanswered for {RESOLVE_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The load

/// Shared by the workers.
struct Ctx {
    /// (token, person id) of the treasurer and of the commune chair, who both post.
    posters: [(String, i64); 2],
    chair_token: String,
    funds: [i64; 2],
    year: i64,
    /// People of branch 00004-1 not yet registered for this year's title.
    subjects: Mutex<Vec<i64>>,
}

/// A receipt or payment that was answered 2xx.
#[derive(Debug)]
struct Posted {
    key: String,
    person_id: i64,
    fund: i64,
    asset: &'static str,
    /// The change of the fund's asset: positive for a receipt.
    change: i64,
    entry_id: i64,
    /// 200: the key had been posted already (by an attempt whose answer was lost).
    replayed: bool,
}

#[derive(Debug)]
struct Moved {
    description: String,
    from: i64,
    to: i64,
    asset: &'static str,
    amount: i64,
    /// Both entry ids when answered 201; none when the answer was lost.
    answered: Option<(i64, i64)>,
}

#[derive(Debug)]
struct Submitted {
    person_id: i64,
    id: i64,
    answers: BTreeMap<&'static str, u32>,
    /// The registration was answered 201 (not found after a lost answer).
    register_answered: bool,
    /// The submission was answered 200 (not found submitted after a lost answer).
    submit_answered: bool,
}

#[derive(Default)]
struct Log {
    posted: Vec<Posted>,
    moved: Vec<Moved>,
    submitted: Vec<Submitted>,
}

async fn worker(w: usize, seed: u64, net: Net, ctx: Arc<Ctx>, stop: Arc<AtomicBool>) -> Log {
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(1 + w as u64).wrapping_mul(0x9e37_79b9));
    let mut log = Log::default();
    let mut seq = 0u64;
    while !stop.load(Relaxed) {
        seq += 1;
        let roll: u32 = rng.gen_range(0..100);
        if roll < 30 {
            let person = ctx.subjects.lock().expect("subjects").pop();
            if let Some(person) = person {
                submission(&net, &ctx, &mut rng, person, &mut log).await;
                continue;
            }
        }
        if (30..45).contains(&roll) {
            transfer(&net, &ctx, &mut rng, format!("{w}-{seq}"), &mut log).await;
        } else {
            posting(&net, &ctx, &mut rng, format!("crash-{w}-{seq}"), &mut log).await;
        }
    }
    log
}

async fn posting(net: &Net, ctx: &Ctx, rng: &mut StdRng, key: String, log: &mut Log) {
    let (token, person_id) = ctx.posters.choose(rng).expect("poster").clone();
    let fund = *ctx.funds.choose(rng).expect("fund");
    let asset = *ASSETS.choose(rng).expect("asset");
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
    let body = json!({
        "category": category,
        "asset": asset,
        "amount": amount,
        "description": format!("Thử sập nguồn {key}"),
    });
    let path = format!("/api/v1/funds/{fund}/entries");
    let (status, v, retried) = net
        .until_answered(Method::POST, &path, &token, Some(&key), Some(&body))
        .await;
    let replayed = match status {
        201 => false,
        200 => true,
        _ => {
            net.findings
                .add(format!("posting {key}: answered {status}: {v}"));
            return;
        }
    };
    if replayed && !retried {
        net.findings.add(format!(
            "posting {key} answered 200 (already posted) on its first attempt"
        ));
    }
    if v["change"].as_i64() != Some(change) || v["fund_id"].as_i64() != Some(fund) {
        net.findings.add(format!(
            "posting {key}: answered entry does not match the request ({change} to fund {fund}): {v}"
        ));
    }
    let Some(entry_id) = v["id"].as_i64() else {
        net.findings.add(format!("posting {key}: no id in {v}"));
        return;
    };
    log.posted.push(Posted {
        key,
        person_id,
        fund,
        asset,
        change,
        entry_id,
        replayed,
    });
}

async fn transfer(net: &Net, ctx: &Ctx, rng: &mut StdRng, tag: String, log: &mut Log) {
    let (token, _) = ctx.posters.choose(rng).expect("poster").clone();
    let (from, to) = if rng.gen_bool(0.5) {
        (ctx.funds[0], ctx.funds[1])
    } else {
        (ctx.funds[1], ctx.funds[0])
    };
    let asset = *ASSETS.choose(rng).expect("asset");
    let amount: i64 = rng.gen_range(1..=300) * 1_000;
    let description = format!("Chuyển quỹ thử sập nguồn {tag}");
    let body =
        json!({"to_fund_id": to, "asset": asset, "amount": amount, "description": description});
    let path = format!("/api/v1/funds/{from}/transfers");
    let deadline = Instant::now() + RESOLVE_TIMEOUT;
    // No idempotency key exists for transfers: send again only what was never sent.
    let answered = loop {
        match net
            .attempt(&Method::POST, &path, &token, None, Some(&body))
            .await
        {
            Attempt::Answer(201, v) => {
                let (Some(out), Some(into)) = (v["out"]["id"].as_i64(), v["in"]["id"].as_i64())
                else {
                    net.findings
                        .add(format!("transfer {tag}: no entry ids in {v}"));
                    return;
                };
                if v["out"]["change"].as_i64() != Some(-amount)
                    || v["in"]["change"].as_i64() != Some(amount)
                {
                    net.findings
                        .add(format!("transfer {tag}: answered amounts differ: {v}"));
                }
                break Some((out, into));
            }
            Attempt::Answer(status, v) if status < 500 => {
                net.findings
                    .add(format!("transfer {tag}: answered {status}: {v}"));
                return;
            }
            Attempt::Answer(..) | Attempt::Lost => break None,
            Attempt::NotSent => {
                assert!(Instant::now() < deadline, "transfer {tag} never sent");
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    };
    log.moved.push(Moved {
        description,
        from,
        to,
        asset,
        amount,
        answered,
    });
}

/// Registers `person` for this year's Learning Citizen title, saves all ten answers and submits,
/// as the commune chair acting on their behalf.
#[allow(clippy::too_many_lines)] // one citizen's submission, request after request
async fn submission(net: &Net, ctx: &Ctx, rng: &mut StdRng, person: i64, log: &mut Log) {
    let token = &ctx.chair_token;
    let form_group = *FORM_GROUPS.choose(rng).expect("group");
    let answers: BTreeMap<&'static str, u32> = CITIZEN_INDICATORS
        .iter()
        .map(|c| (*c, rng.gen_range(5..=10)))
        .collect();
    let Some((id, register_answered)) = register_for(net, ctx, person, form_group).await else {
        return;
    };
    let path = format!("/api/v1/evaluations/{id}");
    let body = json!({ "answers": answers });
    let (status, v, _) = net
        .until_answered(
            Method::PUT,
            &format!("{path}/answers"),
            token,
            None,
            Some(&body),
        )
        .await;
    if status != 200 || v["evaluation"]["status"] != "registered" {
        net.findings.add(format!(
            "answers of evaluation {id}: answered {status}: {v}"
        ));
        return;
    }
    let (status, v, retried) = net
        .until_answered(
            Method::POST,
            &format!("{path}/submit"),
            token,
            None,
            Some(&json!({})),
        )
        .await;
    let submit_answered = match (status, retried) {
        (200, _) if v["evaluation"]["status"] == "submitted" => true,
        // The lost attempt had submitted it: a second submission is refused; read it.
        (400, true) => {
            let (status, v, _) = net
                .until_answered(Method::GET, &path, token, None, None)
                .await;
            if status != 200 || v["evaluation"]["status"] != "submitted" {
                net.findings.add(format!(
                    "evaluation {id}: submission refused after a lost answer, yet {status}: {v}"
                ));
                return;
            }
            false
        }
        _ => {
            net.findings.add(format!(
                "submission of evaluation {id}: answered {status}: {v}"
            ));
            return;
        }
    };
    log.submitted.push(Submitted {
        person_id: person,
        id,
        answers,
        register_answered,
        submit_answered,
    });
}

/// Registers `person` for this year's Learning Citizen title in `form_group`, as the commune
/// chair; returns the evaluation's id and whether the registration itself was answered (not
/// found afterwards), or `None` after noting a finding.
async fn register_for(net: &Net, ctx: &Ctx, person: i64, form_group: &str) -> Option<(i64, bool)> {
    let token = &ctx.chair_token;
    let body = json!({"model": "citizen", "subject": {"person_id": person}, "year": ctx.year, "form_group": form_group});
    let (status, v, retried) = net
        .until_answered(
            Method::POST,
            "/api/v1/evaluations",
            token,
            None,
            Some(&body),
        )
        .await;
    match (status, retried) {
        (201, _) => match v["evaluation"]["id"].as_i64() {
            Some(id) => Some((id, true)),
            None => {
                net.findings
                    .add(format!("registration of {person}: no id in {v}"));
                None
            }
        },
        // The lost attempt had registered them: find the evaluation through the list.
        (409, true) => match registered(net, ctx, person).await {
            Some(id) => Some((id, false)),
            None => {
                net.findings.add(format!(
                    "registration of {person}: 409 after a lost answer, but not in the list"
                ));
                None
            }
        },
        _ => {
            net.findings
                .add(format!("registration of {person}: answered {status}: {v}"));
            None
        }
    }
}

/// The id of this year's citizen evaluation of `person`, through the list API.
async fn registered(net: &Net, ctx: &Ctx, person: i64) -> Option<i64> {
    let first = format!(
        "/api/v1/evaluations?unit=00004-1&year={}&model=citizen&per_page=200",
        ctx.year
    );
    let mut path = first.clone();
    for _ in 0..500 {
        let (status, v, _) = net
            .until_answered(Method::GET, &path, &ctx.chair_token, None, None)
            .await;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        if status != 200 || items.is_empty() {
            return None;
        }
        if let Some(e) = items.iter().find(|e| e["subject_id"] == person) {
            return e["id"].as_i64();
        }
        match v["next_cursor"].as_str() {
            Some(c) => path = format!("{first}&cursor={c}"),
            None => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Setup

async fn token_for(db: &Db, phone: &str) -> (String, i64) {
    let person: i64 = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
        .bind(phone)
        .fetch_one(&db.pool)
        .await
        .expect("demo person");
    let secret = format!("kh_{}", khuyenhoc::auth::random_secret());
    sqlx::query(
        "INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(person)
    .bind("crash test")
    .bind(khuyenhoc::auth::secret_hash(&secret))
    .bind(khuyenhoc::db::now())
    .execute(&db.pool)
    .await
    .expect("token");
    (secret, person)
}

async fn open_fund(net: &Net, token: &str, unit: &str, code: &str, name: &str) -> i64 {
    // Overdrafts allowed: the workers pay out at random, and this test is about what survives a
    // kill, not about a fund's balance rule (tests/fund_rules.rs).
    let body = json!({"code": code, "name": name, "kind": "general", "overdraft": true});
    let (status, v, _) = net
        .until_answered(
            Method::POST,
            &format!("/api/v1/units/{unit}/funds"),
            token,
            None,
            Some(&body),
        )
        .await;
    assert_eq!(status, 201, "open fund {code}: {v}");
    v["id"].as_i64().expect("fund id")
}

/// People of branch 00004-1 to be evaluated, created directly (no password: nothing to hash).
async fn subjects(db: &Db, n: usize) -> Vec<i64> {
    const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
    const MIDDLE: [&str; 4] = ["Văn", "Thị", "Minh", "Thu"];
    const GIVEN: [&str; 10] = [
        "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Nam", "Phúc",
    ];
    let branch = khuyenhoc::org::model::by_code(db, "00004-1")
        .await
        .expect("branch")
        .expect("demo branch 00004-1");
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!(
            "{} {} {}",
            FAMILY[i % 8],
            MIDDLE[(i / 8) % 4],
            GIVEN[(i / 32) % 10]
        );
        let p = khuyenhoc::accounts::service::insert(
            db,
            khuyenhoc::audit::Actor::SYSTEM,
            branch.id,
            &khuyenhoc::accounts::service::NewPerson {
                full_name: name,
                birth_year: Some("1990".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("subject {i}: {e:?}"));
        ids.push(p.id);
    }
    ids
}

// ---------------------------------------------------------------------------------------------
// The test

both_backends!(sigkill_under_write_load, |b: Backend| async move {
    crash_test(b).await
});

#[allow(clippy::too_many_lines)] // one story: start, load, kill, restart, check, report
async fn crash_test(backend: Backend) {
    let kills = kills();
    let seed = seed(backend);
    let mut rng = StdRng::seed_from_u64(seed);
    let t_start = Instant::now();
    let (url, _db_dir) = fresh_database(backend).await;
    let work = tempfile::tempdir().expect("work dir");
    let log_path = work.path().join("server.log");
    let http: HttpClient<HttpConnector, Full<Bytes>> = HttpClient::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(5))
        .build_http();

    // First start: `demo` creates the map, the demo people and branches.
    let (mut server, first_ready) = start(work.path(), &url, "demo", &log_path, &http).await;
    let mut generation = 1u64;
    let (up_tx, up_rx) = watch::channel(Some(Up {
        generation,
        addr: server.addr.clone(),
    }));
    let stats = Arc::new(Stats::default());
    let findings = Arc::new(Findings::default());
    let net = Net {
        http: http.clone(),
        server: up_rx,
        stats: stats.clone(),
        findings: findings.clone(),
    };
    let db = Db::connect(&url, 2, Default::default())
        .await
        .expect("connect for setup and checks");
    let treasurer = token_for(&db, TREASURER).await;
    let chair = token_for(&db, BADINH).await;
    let fund_a = open_fund(&net, &treasurer.0, "00004", "THU-A", "Quỹ khuyến học thử A").await;
    let fund_b = open_fund(&net, &treasurer.0, "00004-1", "THU-B", "Quỹ chi hội thử B").await;
    let people = subjects(&db, 200 + 100 * kills).await;
    let ctx = Arc::new(Ctx {
        posters: [treasurer.clone(), chair.clone()],
        chair_token: chair.0.clone(),
        funds: [fund_a, fund_b],
        year: i64::from(this_year()),
        subjects: Mutex::new(people),
    });
    let entries_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    let evaluations_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM evaluations")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    let setup_time = t_start.elapsed();

    let stop = Arc::new(AtomicBool::new(false));
    stats.answered_now.store(0, Relaxed);
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(worker(w, seed, net.clone(), ctx.clone(), stop.clone())))
        .collect();

    let mut ready_after_restart = vec![];
    let mut down_time = vec![];
    let mut in_flight_at_kill = vec![];
    let mut answered_per_phase = vec![];
    let mut restarts = 0usize;
    let load_start = Instant::now();
    for _ in 0..kills {
        warm_up(&stats).await;
        let delay = Duration::from_millis(rng.gen_range(30..=900));
        tokio::time::sleep(delay).await;
        in_flight_at_kill.push(stats.in_flight.load(Relaxed));
        answered_per_phase.push(stats.answered_now.load(Relaxed));
        let killed_at = Instant::now();
        server.kill().await;
        up_tx.send_replace(None);
        let (s, ready) = start(work.path(), &url, "serve", &log_path, &http).await;
        server = s;
        restarts += 1;
        ready_after_restart.push(ready);
        down_time.push(killed_at.elapsed());
        generation += 1;
        stats.answered_now.store(0, Relaxed);
        up_tx.send_replace(Some(Up {
            generation,
            addr: server.addr.clone(),
        }));
    }
    warm_up(&stats).await;
    tokio::time::sleep(FINAL_PHASE).await;
    answered_per_phase.push(stats.answered_now.load(Relaxed));
    stop.store(true, Relaxed);
    let mut log = Log::default();
    let deadline = tokio::time::Instant::now() + RESOLVE_TIMEOUT;
    for w in workers {
        let l = tokio::time::timeout_at(deadline, w)
            .await
            .expect("workers stop")
            .expect("worker panicked");
        log.posted.extend(l.posted);
        log.moved.extend(l.moved);
        log.submitted.extend(l.submitted);
    }
    let load_time = load_start.elapsed();

    // -----------------------------------------------------------------------------------------
    // Checks, with the last server still running.
    let t_checks = Instant::now();
    let found = check(&db, &net, &ctx, &log, entries_before, evaluations_before).await;
    let check_time = t_checks.elapsed();
    server.kill().await;

    // -----------------------------------------------------------------------------------------
    // Figures.
    let ms = |d: &Duration| d.as_millis();
    let mut sorted = ready_after_restart.clone();
    sorted.sort();
    let replays = log.posted.iter().filter(|p| p.replayed).count();
    let moved_answered = log.moved.iter().filter(|m| m.answered.is_some()).count();
    let moved_lost = log.moved.len() - moved_answered;
    let sub_ok = log.submitted.iter().filter(|s| s.submit_answered).count();
    let reg_lost = log
        .submitted
        .iter()
        .filter(|s| !s.register_answered)
        .count();
    println!(
        "\ncrash test on {backend:?} (seed {seed}, {WORKERS} workers)\n\
         kills (SIGKILL): {kills}; restarts: {restarts}; first start (demo, empty database): {} ms; setup {} ms\n\
         ready after restart (spawn to /readyz 200): min {} ms, median {} ms, max {} ms; down time per kill (kill to ready): {:?} ms\n\
         load: {} ms; requests sent {}, answered {} (2xx {}, 4xx {}, 5xx {}), refused while down {}, lost in flight {}\n\
         answers per phase: {answered_per_phase:?}; requests in flight at each kill: {in_flight_at_kill:?}\n\
         postings answered 2xx: {} ({} of them 200: the key had been posted by an attempt whose answer was lost)\n\
         transfers: {} answered 201, {} lost in flight ({} of those stored, both halves)\n\
         self-assessments submitted: {} ({} answered 200, {} found submitted after a lost answer; {} registrations found after a lost answer)\n\
         checks: {} findings, {} ms; whole test {} ms",
        ms(&first_ready),
        ms(&setup_time),
        sorted.first().map_or(0, ms),
        sorted.get(sorted.len() / 2).map_or(0, ms),
        sorted.last().map_or(0, ms),
        down_time.iter().map(ms).collect::<Vec<_>>(),
        ms(&load_time),
        stats.sent.load(Relaxed),
        stats.answered.load(Relaxed),
        stats.ok.load(Relaxed),
        stats.client_errors.load(Relaxed),
        stats.server_errors.load(Relaxed),
        stats.not_sent.load(Relaxed),
        stats.lost.load(Relaxed),
        log.posted.len(),
        replays,
        moved_answered,
        moved_lost,
        found.lost_transfers_stored,
        log.submitted.len(),
        sub_ok,
        log.submitted.len() - sub_ok,
        reg_lost,
        findings.all().len(),
        ms(&check_time),
        ms(&t_start.elapsed()),
    );
    for (i, (f, balance)) in found.balances.iter().enumerate() {
        println!("fund {} (id {f}): balances {balance:?}", ["A", "B"][i]);
    }
    let all = findings.all();
    assert!(
        all.is_empty(),
        "{} findings on {backend:?} (seed {seed}):\n{}\n{}",
        all.len(),
        all.join("\n"),
        tail(&log_path)
    );
    assert!(
        !log.posted.is_empty() && !log.submitted.is_empty(),
        "the load did something"
    );
}

/// Waits (at most 30 s) until the current server has answered a few requests, so that the
/// kill lands while the load is running.
async fn warm_up(stats: &Stats) {
    let t0 = Instant::now();
    while stats.answered_now.load(Relaxed) < WARM_ANSWERS && t0.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A stored ledger entry, as the checks read it.
#[derive(Debug)]
struct Entry {
    id: i64,
    fund: i64,
    kind: String,
    voucher: Option<String>,
    pair: Option<i64>,
    description: String,
}

#[derive(Default)]
struct Found {
    lost_transfers_stored: usize,
    /// Per fund: (asset, balance) as the API shows them.
    balances: Vec<(i64, Vec<(String, i64)>)>,
}

#[allow(clippy::too_many_lines)] // the list of checks reads best in one place
async fn check(
    db: &Db,
    net: &Net,
    ctx: &Ctx,
    log: &Log,
    entries_before: i64,
    evaluations_before: i64,
) -> Found {
    use sqlx::Row;
    let f = &net.findings;
    let mut found = Found::default();
    let rows = |sql: &'static str| async move {
        sqlx::query(sql)
            .fetch_all(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };

    // Entries: every keyed posting answered 2xx is there exactly once, with the answered id.
    let mut by_key: HashMap<(i64, String), Vec<i64>> = HashMap::new();
    for r in rows("SELECT id, person_id, idempotency_key FROM ledger_entries WHERE idempotency_key IS NOT NULL").await {
        let (id, person, key): (i64, i64, String) =
            (r.get(0), r.get(1), r.get(2));
        by_key.entry((person, key)).or_default().push(id);
    }
    let mut asked = HashSet::new();
    for p in &log.posted {
        asked.insert((p.person_id, p.key.clone()));
        match by_key.get(&(p.person_id, p.key.clone())).map(Vec::as_slice) {
            Some([id]) if *id == p.entry_id => {}
            other => f.add(format!(
                "posting {} answered with entry {} is stored as {other:?}",
                p.key, p.entry_id
            )),
        }
    }
    for (k, ids) in &by_key {
        if ids.len() > 1 {
            f.add(format!("key {k:?} stored {} times: {ids:?}", ids.len()));
        }
        if !asked.contains(k) {
            f.add(format!("key {k:?} stored ({ids:?}) but never answered"));
        }
    }
    for r in rows("SELECT idempotency_key FROM ledger_entries WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING COUNT(*) > 1").await {
        f.add(format!("idempotency key {} appears more than once", r.get::<String, _>(0)));
    }

    // Every entry has lines, and they balance per fund; every entry has its audit entry.
    for r in rows("SELECT entry_id, fund_id FROM ledger_lines GROUP BY entry_id, fund_id HAVING SUM(amount) <> 0").await {
        f.add(format!("entry {} does not balance in fund {}", r.get::<i64, _>(0), r.get::<i64, _>(1)));
    }
    for r in rows("SELECT e.id FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_lines l WHERE l.entry_id = e.id)").await {
        f.add(format!("entry {} has no lines", r.get::<i64, _>(0)));
    }
    let audited: HashSet<String> =
        rows("SELECT entity_id FROM audit_log WHERE entity = 'ledger_entry' AND action = 'post'")
            .await
            .iter()
            .map(|r| r.get(0))
            .collect();
    let entries: Vec<Entry> = rows(
        "SELECT id, fund_id, kind, voucher_no, pair_id, description FROM ledger_entries ORDER BY id",
    )
    .await
    .iter()
    .map(|r| Entry {
        id: r.get(0),
        fund: r.get(1),
        kind: r.get(2),
        voucher: r.get(3),
        pair: r.get(4),
        description: r.get(5),
    })
    .collect();
    for e in &entries {
        if !audited.contains(&e.id.to_string()) {
            f.add(format!("entry {} has no audit entry", e.id));
        }
    }
    let audit_posts =
        rows("SELECT COUNT(*) FROM audit_log WHERE entity = 'ledger_entry' AND action = 'post'")
            .await[0]
            .get::<i64, _>(0);
    if audit_posts != entries.len() as i64 {
        f.add(format!(
            "{audit_posts} audit entries for {} ledger entries",
            entries.len()
        ));
    }

    // Transfers: answered ones as their two linked halves; lost ones as both or neither.
    let mut by_description: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in &entries {
        by_description
            .entry(e.description.as_str())
            .or_default()
            .push(e);
    }
    let mut expected: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    let mut transfers_stored = 0i64;
    for m in &log.moved {
        let halves = by_description
            .get(m.description.as_str())
            .cloned()
            .unwrap_or_default();
        let stored = match halves.as_slice() {
            [] => false,
            [out, into] => {
                let linked = out.kind == "transfer_out"
                    && into.kind == "transfer_in"
                    && out.fund == m.from
                    && into.fund == m.to
                    && into.pair == Some(out.id);
                if !linked {
                    f.add(format!(
                        "transfer {:?} stored wrongly: {halves:?}",
                        m.description
                    ));
                }
                if let Some((o, i)) = m.answered {
                    if (o, i) != (out.id, into.id) {
                        f.add(format!(
                            "transfer {:?} answered as entries {o}, {i} but stored as {}, {}",
                            m.description, out.id, into.id
                        ));
                    }
                }
                true
            }
            _ => {
                f.add(format!(
                    "transfer {:?} stored as {} entries: {halves:?}",
                    m.description,
                    halves.len()
                ));
                false
            }
        };
        if m.answered.is_some() && !stored {
            f.add(format!(
                "transfer {:?} answered 201 but not stored",
                m.description
            ));
        }
        if stored {
            transfers_stored += 1;
            if m.answered.is_none() {
                found.lost_transfers_stored += 1;
            }
            *expected.entry((m.from, m.asset)).or_default() -= m.amount;
            *expected.entry((m.to, m.asset)).or_default() += m.amount;
        }
    }
    let transfer_entries = entries
        .iter()
        .filter(|e| e.kind == "transfer_in" || e.kind == "transfer_out")
        .count() as i64;
    if transfer_entries != 2 * transfers_stored {
        f.add(format!(
            "{transfer_entries} transfer entries for {transfers_stored} transfers sent"
        ));
    }
    let new_entries = entries.len() as i64 - entries_before;
    let wanted = log.posted.len() as i64 + 2 * transfers_stored;
    if new_entries != wanted {
        f.add(format!(
            "{new_entries} entries stored during the load, {wanted} expected"
        ));
    }

    // Balances: the sums of what was answered, in the database and through the API.
    for p in &log.posted {
        let line: Option<i64> = sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM ledger_lines WHERE entry_id = $1 AND fund_id = $2 AND account = $3")
            .bind(p.entry_id)
            .bind(p.fund)
            .bind(p.asset)
            .fetch_one(&db.pool)
            .await
            .expect("line");
        if line != Some(p.change) {
            f.add(format!(
                "posting {}: stored change {line:?} in {}, answered {}",
                p.key, p.asset, p.change
            ));
        }
        *expected.entry((p.fund, p.asset)).or_default() += p.change;
    }
    for fund in ctx.funds {
        let (status, v, _) = net
            .until_answered(
                Method::GET,
                &format!("/api/v1/funds/{fund}"),
                &ctx.chair_token,
                None,
                None,
            )
            .await;
        assert_eq!(status, 200, "fund {fund}: {v}");
        let mut shown = vec![];
        for b in v["balances"].as_array().cloned().unwrap_or_default() {
            let account = b["account"].as_str().unwrap_or_default().to_owned();
            let amount = b["amount"].as_i64().unwrap_or(i64::MIN);
            let want = ASSETS
                .iter()
                .find(|a| **a == account)
                .map_or(0, |a| expected.get(&(fund, *a)).copied().unwrap_or(0));
            if amount != want {
                f.add(format!(
                    "fund {fund} {account}: balance {amount}, answered movements sum to {want}"
                ));
            }
            shown.push((account, amount));
        }
        let sum: i64 = shown.iter().map(|(_, a)| a).sum();
        if v["total"].as_i64() != Some(sum) || shown.len() != 3 {
            f.add(format!(
                "fund {fund}: total {} for balances {shown:?}",
                v["total"]
            ));
        }
        found.balances.push((fund, shown));
    }

    // Voucher numbers: 1..n per fund, year and kind, n being the counter.
    let mut numbers: BTreeMap<(i64, String, i64), Vec<i64>> = BTreeMap::new();
    for Entry {
        id, fund, voucher, ..
    } in &entries
    {
        let Some(v) = voucher else {
            f.add(format!("entry {id} has no voucher number"));
            continue;
        };
        let parts: Vec<&str> = v.split('-').collect();
        match parts.as_slice() {
            [kind, year, n] => match (year.parse::<i64>(), n.parse::<i64>()) {
                (Ok(y), Ok(n)) => numbers
                    .entry((*fund, (*kind).to_owned(), y))
                    .or_default()
                    .push(n),
                _ => f.add(format!("entry {id}: voucher {v:?}")),
            },
            _ => f.add(format!("entry {id}: voucher {v:?}")),
        }
    }
    let counters: HashMap<(i64, String, i64), i64> =
        rows("SELECT fund_id, kind, year, last_no FROM voucher_counters")
            .await
            .iter()
            .map(|r| ((r.get(0), r.get(1), r.get(2)), r.get(3)))
            .collect();
    for (k, ns) in &mut numbers {
        ns.sort_unstable();
        let want: Vec<i64> = (1..=ns.len() as i64).collect();
        if *ns != want {
            let dup: Vec<_> = ns
                .windows(2)
                .filter(|w| w[0] == w[1])
                .map(|w| w[0])
                .collect();
            f.add(format!(
                "vouchers {k:?}: {} numbers up to {:?}, duplicates {dup:?}: not 1..{}",
                ns.len(),
                ns.last(),
                ns.len()
            ));
        }
        if counters.get(k) != Some(&(ns.len() as i64)) {
            f.add(format!(
                "voucher counter {k:?} at {:?} for {} vouchers",
                counters.get(k),
                ns.len()
            ));
        }
    }

    // Submissions: stored as submitted with the answers sent, one event per step.
    let stored_evaluations: i64 = rows("SELECT COUNT(*) FROM evaluations").await[0].get(0);
    if stored_evaluations - evaluations_before != log.submitted.len() as i64 {
        f.add(format!(
            "{} evaluations stored during the load, {} registered",
            stored_evaluations - evaluations_before,
            log.submitted.len()
        ));
    }
    for s in &log.submitted {
        let row = sqlx::query("SELECT status, answers, subject_id FROM evaluations WHERE id = $1")
            .bind(s.id)
            .fetch_optional(&db.pool)
            .await
            .expect("evaluation");
        let Some(row) = row else {
            f.add(format!(
                "evaluation {} (person {}) not stored",
                s.id, s.person_id
            ));
            continue;
        };
        let (status, answers, subject): (String, String, i64) =
            (row.get(0), row.get(1), row.get(2));
        let answers: Value = serde_json::from_str(&answers).unwrap_or(Value::Null);
        let stored: BTreeMap<&str, u32> = CITIZEN_INDICATORS
            .iter()
            .filter_map(|c| {
                answers[*c]["value"]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .map(|v| (*c, v))
            })
            .collect();
        if status != "submitted" || stored != s.answers || subject != s.person_id {
            f.add(format!(
                "evaluation {} of person {}: stored {status} {stored:?} for {subject}, sent {:?}",
                s.id, s.person_id, s.answers
            ));
        }
        let events: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM evaluation_events WHERE evaluation_id = $1 ORDER BY id",
        )
        .bind(s.id)
        .fetch_all(&db.pool)
        .await
        .expect("events");
        if events != ["register", "submit"] {
            f.add(format!("evaluation {}: events {events:?}", s.id));
        }
    }
    let (status, v, _) = net
        .until_answered(
            Method::GET,
            &format!(
                "/api/v1/evaluations?unit=00004-1&year={}&model=citizen&status=submitted&per_page=1",
                ctx.year
            ),
            &ctx.chair_token,
            None,
            None,
        )
        .await;
    if status != 200 || v["total"].as_i64() != Some(log.submitted.len() as i64) {
        f.add(format!(
            "the API lists {} submitted evaluations, {} were submitted",
            v["total"],
            log.submitted.len()
        ));
    }

    // The live counters moved in the same transactions as the rows.
    for d in khuyenhoc::reports::counters::recount(db, false)
        .await
        .expect("recount")
    {
        f.add(format!(
            "counter of unit {} {} {}: stored {}, recount {}",
            d.unit_id, d.period, d.metric, d.stored, d.expected
        ));
    }
    // So did the fund totals by half-year.
    for d in khuyenhoc::funds::totals::recount(db, false)
        .await
        .expect("fund totals")
    {
        f.add(format!(
            "fund total of unit {} {} {} (internal {}): stored {}, recount {}",
            d.unit_id, d.half, d.account, d.internal, d.stored, d.expected
        ));
    }
    found
}
