//! Bad input on every API route: Schemathesis reads the OpenAPI document the server publishes
//! (`/api/v1/openapi.json`) and sends generated requests, valid and invalid, to a real server on
//! loopback with the demo data and a few funds, programmes and members, as two roles one after
//! the other (a bearer token each): the Ba Đình commune chair, whose scope is one commune, then
//! the central chair, whose scope is the country. Every answer must be no 5xx, have a status the
//! document declares for the operation, the content type it declares and a body matching its
//! schema: the exact schema of the type the handler returns (`web::openapi`: closed objects,
//! every field typed with its nullability), so a field too many or too few fails.
//!
//! Schemathesis is installed by `scripts/test-services.sh` into
//! `${XDG_CACHE_HOME:-~/.cache}/khuyenhoc-test/venv`; `KHUYENHOC_TEST_SCHEMATHESIS` may name
//! another `schemathesis` binary. Without it the test fails: it does not skip.
//!
//! This run is bounded for CI (`KHUYENHOC_SCHEMATHESIS_EXAMPLES` cases per operation and phase,
//! default 15; `KHUYENHOC_SCHEMATHESIS_SEED`, default a fixed one; and a hard time limit,
//! `KHUYENHOC_SCHEMATHESIS_TIMEOUT` seconds, default 600); `scripts/schemathesis-long.sh` runs the
//! same with many more cases and a random seed. Destructive operations act on the demo data of
//! the throwaway test database; they are steered away from the callers' own positions, so each
//! caller keeps its rights for its whole run.

mod common;
use common::*;
use khuyenhoc::db::Backend;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The checks every response must pass (Schemathesis 4 names).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

fn schemathesis_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KHUYENHOC_TEST_SCHEMATHESIS") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("khuyenhoc-test/venv/bin/schemathesis")
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Objects for the generated requests to find: ids and codes that exist, so that operations on
/// `{id}` and `{code}` get past "not found" some of the time.
async fn setup(app: &TestApp, c: &mut Client) {
    let ok = |r: Resp, what: &str| {
        assert!(
            r.status.is_success(),
            "setup {what}: {} {}",
            r.status,
            r.body
        );
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap_or_default()
    };
    let fund = ok(
        app.json(
            c,
            "POST",
            "/api/v1/units/00004/funds",
            serde_json::json!({"code": "QKH", "name": "Quỹ khuyến học phường"}),
        )
        .await,
        "fund",
    );
    let fund = fund["id"].as_i64().expect("fund id");
    let path = format!("/api/v1/funds/{fund}/entries");
    let body = serde_json::json!({"category": "donation", "amount": 2_000_000, "party": "Công ty Sách", "party_kind": "organisation"});
    ok(app.json(c, "POST", &path, body).await, "donation");
    let path = format!("/api/v1/funds/{fund}/programmes");
    let body = serde_json::json!({"kind": "scholarship", "name": "Học bổng", "target_group": "Học sinh", "criteria": "Học lực khá", "amount_each": 500_000});
    let programme = ok(app.json(c, "POST", &path, body).await, "programme");
    let programme = programme["id"].as_i64().expect("programme id");
    let path = format!("/api/v1/programmes/{programme}/nominations");
    let body = serde_json::json!({"unit_code": "00004-1", "full_name": "Trần Thị Mai", "reason": "Học giỏi"});
    ok(app.json(c, "POST", &path, body).await, "nomination");
    let body = serde_json::json!({"full_name": "Ngô Văn Hội", "branch_code": "00004-1", "joined_on": "2025-08-01"});
    ok(
        app.json(c, "POST", "/api/v1/units/00004/members", body)
            .await,
        "member",
    );
    let body = serde_json::json!({"model": "citizen", "year": 2026, "form_group": "worker", "subject": {"person_id": app.person_id(CITIZEN).await}});
    ok(
        app.json(c, "POST", "/api/v1/evaluations", body).await,
        "evaluation",
    );
}

/// The Schemathesis configuration: where ids and codes come from, and which positions the
/// handover and vacate operations may take (never the caller's own).
fn config(safe_positions: &[i64]) -> String {
    let list = |v: &[&str]| {
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let safe: Vec<String> = safe_positions.iter().map(i64::to_string).collect();
    let safe: Vec<&str> = safe.iter().map(String::as_str).collect();
    format!(
        r#"[dictionaries]
codes = {{ values = [{codes}] }}
ids = {{ values = [{ids}] }}
periods = {{ values = [{periods}] }}
years = {{ values = [{years}] }}
safe_positions = {{ values = [{safe}] }}

[parameters]
"path.code" = {{ dictionary = "codes", probability = 0.6 }}
"path.id" = {{ dictionary = "ids", probability = 0.6 }}
"path.period" = {{ dictionary = "periods", probability = 0.6 }}
"path.year" = {{ dictionary = "years", probability = 0.6 }}

[[operations]]
include-path-regex = "^/api/v1/positions/\\{{id\\}}/(handover|vacate)$"
parameters = {{ "path.id" = {{ dictionary = "safe_positions", probability = 1.0 }} }}
"#,
        codes = list(&["00004", "00004-1", "00004-2", "VN", "01", "25", "99999", "00004-9"]),
        ids = list(&["1", "2", "3", "4", "5", "6", "7", "0", "999999"]),
        periods = list(&["2026-H1", "2026-Y", "2025-Y", "2025-H1"]),
        years = list(&["2025", "2026", "1900"]),
        safe = list(&safe),
    )
}

/// What the run's event log says: cases per phase and answers per status.
fn summary(ndjson: &str) -> (BTreeMap<String, u64>, BTreeMap<u16, u64>) {
    let mut phases = BTreeMap::new();
    let mut statuses = BTreeMap::new();
    for line in ndjson.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(done) = event.get("ScenarioFinished") else {
            continue;
        };
        let phase = done["phase"].as_str().unwrap_or("?").to_owned();
        let Some(interactions) = done["recorder"]["interactions"].as_object() else {
            continue;
        };
        for i in interactions.values() {
            if let Some(status) = i["response"]["status_code"].as_u64() {
                *phases.entry(phase.clone()).or_insert(0) += 1;
                *statuses
                    .entry(u16::try_from(status).unwrap_or(0))
                    .or_insert(0) += 1;
            }
        }
    }
    (phases, statuses)
}

/// One run of Schemathesis against the served document, as the person whose bearer token is
/// given: what it printed, and what the server answered.
struct Run {
    role: &'static str,
    seconds: f64,
    ok: bool,
    output: String,
    phases: BTreeMap<String, u64>,
    statuses: BTreeMap<u16, u64>,
}

async fn run(addr: std::net::SocketAddr, role: &'static str, token: &str, config: &str) -> Run {
    let bin = schemathesis_binary();
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("schemathesis.toml");
    std::fs::write(&config_path, config).expect("config");
    let report = dir.path().join("events.ndjson");
    let examples = env_number("KHUYENHOC_SCHEMATHESIS_EXAMPLES", 15);
    let limit = Duration::from_secs(env_number("KHUYENHOC_SCHEMATHESIS_TIMEOUT", 600));
    let seed = std::env::var("KHUYENHOC_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20260701".into());
    let mut cmd = tokio::process::Command::new(&bin);
    cmd.current_dir(dir.path())
        .env("NO_COLOR", "1")
        .arg("--config-file")
        .arg(&config_path)
        .arg("run")
        .arg(format!("http://{addr}/api/v1/openapi.json"))
        .args(["--include-path-regex", "^/api/"])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", &examples.to_string()])
        .args(["--seed", &seed, "--workers", "1", "--request-timeout", "30"])
        .args(["--continue-on-failure", "--max-failures", "200"])
        .args(["--report", "ndjson", "--report-ndjson-path"])
        .arg(&report)
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .kill_on_drop(true);
    let started = Instant::now();
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis as {role} ran longer than {limit:?}"))
        .expect("run schemathesis");
    let seconds = started.elapsed().as_secs_f64();
    let (phases, statuses) = summary(&std::fs::read_to_string(&report).unwrap_or_default());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(25).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    println!(
        "schemathesis as {role}: {seconds:.1} s, {examples} examples per operation and phase, seed {seed}, exit {:?}\n\
         recorded responses per phase: {phases:?}\nper status: {statuses:?}\n{}",
        out.status.code(),
        tail.join("\n")
    );
    Run {
        role,
        seconds,
        ok: out.status.success(),
        output: format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr)),
        phases,
        statuses,
    }
}

both_backends!(
    every_api_route_survives_schemathesis,
    |b: Backend| async move {
        let bin = schemathesis_binary();
        assert!(
            bin.exists(),
            "schemathesis is missing at {}: run scripts/test-services.sh (or set KHUYENHOC_TEST_SCHEMATHESIS)",
            bin.display()
        );
        let app = TestApp::new(b).await;
        let mut central = app.api_client(CENTRAL).await;
        setup(&app, &mut central).await;
        let commune = app.api_client(BADINH).await;
        // Handover and vacate never take a caller's own position, so each keeps its rights.
        let callers = [app.person_id(CENTRAL).await, app.person_id(BADINH).await];
        let mut safe = vec![];
        for id in sqlx::query_scalar::<_, i64>("SELECT id FROM positions ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .expect("positions")
        {
            let held: Option<i64> = sqlx::query_scalar(
                "SELECT person_id FROM position_holdings WHERE position_id = $1 AND to_at IS NULL",
            )
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await
            .expect("holder");
            if !held.is_some_and(|p| callers.contains(&p)) {
                safe.push(id);
            }
        }
        let addr = app.serve().await;
        let config = config(&safe);
        // The commune's chair first: the central chair's run may reset passwords, and a reset
        // revokes the person's tokens.
        let mut runs = vec![];
        for (role, client) in [
            ("the Ba Đình commune chair", &commune),
            ("the central chair", &central),
        ] {
            let token = client.bearer.clone().expect("token");
            runs.push(run(addr, role, &token, &config).await);
        }
        let total: f64 = runs.iter().map(|r| r.seconds).sum();
        println!("schemathesis on {b:?}, two roles: {total:.1} s");
        for r in &runs {
            assert!(
                r.ok,
                "schemathesis as {} found problems on {b:?}:\n{}",
                r.role, r.output
            );
            assert!(
                !r.statuses.keys().any(|s| *s >= 500),
                "{}: 5xx answers: {:?}",
                r.role,
                r.statuses
            );
            assert!(
                r.statuses.keys().any(|s| (200..300).contains(s)),
                "{}: no request succeeded, the run reached nothing ({:?}, {:?})",
                r.role,
                r.statuses,
                r.phases
            );
        }
    }
);
