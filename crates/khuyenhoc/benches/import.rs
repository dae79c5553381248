//! Import of a member list from Excel, as the app does it, beside baselines measured in the
//! same run:
//!
//! - calamine reading every cell of the same workbook (no checks, no database),
//! - a raw bulk insert of the same number of rows into the same tables (`people`, `members`):
//!   multi-row `INSERT`s in one transaction, no validation, no counters, no audit,
//! - the import: the upload (`POST /units/00004/members/import`: the workbook read, every row
//!   checked, the preview page rendered, the bytes kept in the file store), then the confirmation
//!   (`POST …/import/commit`: read and checked again, then stored in one transaction with the
//!   counters and the audit entries). Both go through the whole router (`web::app`: cookies,
//!   CSRF, body limit, multipart) in this process, signed in as the demo officer of Ba Đình.
//!
//! The workbook is a real `.xlsx` written by rust_xlsxwriter in the template's layout: NFC
//! Vietnamese names with their usual frequencies, phones (some typed as numbers, so Excel
//! dropped the leading zero; some missing), birth years, genders, the branch codes of Ba Đình's
//! branches, card numbers, join dates (date cells and typed text) and sectors. One row in a
//! hundred names a person already in the register (not yet a member), matched by phone.
//!
//! Peak memory is the process's VmHWM around each phase (reset through /proc/self/clear_refs
//! before it), printed beside the resident size when the phase started: the difference is what
//! the phase added. Run one backend per process for clean memory figures (the allocator keeps
//! what an earlier phase freed). SQLite runs on a file in a temp dir; PostgreSQL on a scratch database made from
//! `KHUYENHOC_TEST_PG_URL` and dropped at the end:
//!
//! ```text
//! cargo bench -p khuyenhoc --bench import -- [--rows 100000] [--backend sqlite|postgres|both]
//! ```

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use khuyenhoc::db::{rows, Backend, Db};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const BADINH: &str = "0900000003";
const COMMUNE: &str = "00004";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

struct Args {
    rows: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let found = common::flags(&["--rows", "--backend"]);
    Args {
        rows: common::flag(&found, "--rows", 100_000),
        backends: common::backends(&found),
    }
}

// ---------------------------------------------------------------------------------------------
// Memory

/// Resets the process's peak resident size (VmHWM) to its current size.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A line of /proc/self/status (`VmHWM`: peak resident size since the last reset; `VmRSS`: the
/// resident size now), in MB.
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn peak_mb() -> f64 {
    status_mb("VmHWM:")
}

/// A timed phase: its duration, the resident size when it started and the peak while it ran.
struct Phase {
    name: String,
    elapsed: Duration,
    start_mb: f64,
    peak_mb: f64,
}

async fn timed<T, F: std::future::Future<Output = T>>(name: &str, f: F) -> (T, Phase) {
    reset_peak();
    let start_mb = status_mb("VmRSS:");
    let start = Instant::now();
    let out = f.await;
    let elapsed = start.elapsed();
    (
        out,
        Phase {
            name: name.to_owned(),
            elapsed,
            start_mb,
            peak_mb: peak_mb(),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The workbook

const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Phan", 45),
    ("Hoàng", 30),
    ("Huỳnh", 25),
    ("Đặng", 21),
    ("Vũ", 20),
    ("Bùi", 20),
    ("Võ", 19),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Đinh", 8),
    ("Trương", 7),
    ("Lý", 5),
    ("Mai", 5),
    ("Lương", 5),
    ("Đoàn", 4),
    ("Trịnh", 4),
    ("Tạ", 3),
    ("Kiều", 2),
    ("Quách", 2),
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân", "Ngọc", "Đình",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Kim", "Phương", "Mai",
];
const GIVEN_MALE: &[&str] = &[
    "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Long",
    "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Toàn",
    "Trung", "Tuấn", "Việt", "Vinh", "Vũ",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hoa", "Hương", "Huyền", "Lan", "Linh",
    "Loan", "Mai", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thu", "Thủy", "Trang",
    "Tuyết", "Vân", "Yến",
];
const SECTORS: &[&str] = &[
    "Đảng viên",
    "Doanh nghiệp",
    "Đại học",
    "Lực lượng vũ trang",
    "Đảng viên, Doanh nghiệp",
];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

fn family(rng: &mut StdRng) -> &'static str {
    let total: u32 = FAMILY.iter().map(|f| f.1).sum();
    let mut n = rng.gen_range(0..total);
    for (name, w) in FAMILY {
        if n < *w {
            return name;
        }
        n -= w;
    }
    FAMILY[0].0
}

/// A full name, NFC (every part is).
fn full_name(rng: &mut StdRng, female: bool) -> String {
    let (middle, given) = if female {
        (pick(rng, MIDDLE_FEMALE), pick(rng, GIVEN_FEMALE))
    } else {
        (pick(rng, MIDDLE_MALE), pick(rng, GIVEN_MALE))
    };
    let name = format!("{} {middle} {given}", family(rng));
    khuyenhoc_domain::text::clean(&name)
}

/// One row of the list.
struct Row {
    name: String,
    birth_year: Option<u16>,
    female: Option<bool>,
    /// The phone: as text, or as a number Excel took the zero off.
    phone: Option<(String, bool)>,
    branch: String,
    card: Option<String>,
    /// (year, month, day), and whether it was typed as text.
    joined: (u16, u8, u8, bool),
    sectors: Option<&'static str>,
}

/// The rows: deterministic for a given count. `existing` are (name, phone) of people already
/// in the register, who appear in the list matched by phone.
fn rows(n: usize, branches: &[String], existing: &[(String, String)]) -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(2026);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let female = rng.gen_bool(0.55);
        let (name, phone) = match existing.get(i / 100).filter(|_| i % 100 == 50) {
            Some((name, phone)) => (name.clone(), Some((phone.clone(), false))),
            None => {
                let name = full_name(&mut rng, female);
                // Phones 0912000000 on: unique; one in ten missing, one in four typed as a number.
                let phone = (!rng.gen_bool(0.1))
                    .then(|| (format!("09{:08}", 12_000_000 + i), rng.gen_bool(0.25)));
                (name, phone)
            }
        };
        out.push(Row {
            name,
            birth_year: rng.gen_bool(0.9).then(|| rng.gen_range(1945..=2008)),
            female: rng.gen_bool(0.95).then_some(female),
            phone,
            branch: branches[i % branches.len()].clone(),
            card: rng.gen_bool(0.6).then(|| format!("BĐ-{:06}", i + 1)),
            joined: (
                rng.gen_range(2000..=2025),
                rng.gen_range(1..=12),
                rng.gen_range(1..=28),
                rng.gen_bool(0.3),
            ),
            sectors: rng
                .gen_bool(0.2)
                .then(|| SECTORS[rng.gen_range(0..SECTORS.len())]),
        });
    }
    out
}

/// Writes the rows in the template's layout to a real file.
fn write_workbook(rows: &[Row], path: &std::path::Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Hội viên").expect("sheet name");
    let header = [
        "Họ và tên",
        "Năm sinh",
        "Giới tính",
        "Số điện thoại",
        "Mã chi hội",
        "Số thẻ",
        "Ngày vào hội",
        "Lĩnh vực",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).expect("column"), *h)
            .expect("header");
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).expect("row number");
        ws.write_string(r, 0, &row.name).expect("name");
        if let Some(y) = row.birth_year {
            ws.write_number(r, 1, f64::from(y)).expect("birth year");
        }
        if let Some(f) = row.female {
            ws.write_string(r, 2, if f { "Nữ" } else { "Nam" })
                .expect("gender");
        }
        match &row.phone {
            Some((p, true)) => {
                let n: f64 = p.parse().expect("digits");
                ws.write_number(r, 3, n).expect("phone");
            }
            Some((p, false)) => {
                ws.write_string(r, 3, p).expect("phone");
            }
            None => {}
        }
        ws.write_string(r, 4, &row.branch).expect("branch");
        if let Some(c) = &row.card {
            ws.write_string(r, 5, c).expect("card");
        }
        let (y, m, d, typed) = row.joined;
        if typed {
            ws.write_string(r, 6, format!("{d:02}/{m:02}/{y}"))
                .expect("joined");
        } else {
            let dt = ExcelDateTime::from_ymd(y, m, d).expect("date");
            ws.write_datetime_with_format(r, 6, &dt, &date)
                .expect("joined");
        }
        if let Some(s) = row.sectors {
            ws.write_string(r, 7, s).expect("sectors");
        }
    }
    wb.save(path).expect("save the workbook");
}

/// Baseline (a): calamine reading every cell of the rows sheet. Returns the non-empty cells.
fn calamine_read(bytes: &[u8]) -> usize {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let mut cells = wb
        .worksheet_cells_reader("Hội viên")
        .expect("the rows sheet");
    let mut n = 0;
    while let Some(c) = cells.next_cell().expect("a cell") {
        if !matches!(c.get_value(), calamine::DataRef::Empty) {
            n += 1;
        }
    }
    n
}

// ---------------------------------------------------------------------------------------------
// The app, in this process

struct Client {
    cookies: Vec<(String, String)>,
}

impl Client {
    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn csrf(&self) -> String {
        self.cookies
            .iter()
            .find(|(k, _)| k == "kh_csrf")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    async fn send(&mut self, app: &axum::Router, mut req: Request<Body>) -> (StatusCode, String) {
        if !self.cookies.is_empty() {
            req.headers_mut()
                .insert(header::COOKIE, self.header().parse().expect("cookies"));
        }
        let resp = app.clone().oneshot(req).await.expect("infallible");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let pair = s.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                self.cookies.retain(|(ck, _)| ck != k);
                if !val.is_empty() {
                    self.cookies.push((k.to_owned(), val.to_owned()));
                }
            }
        }
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
    async fn post_form(
        &mut self,
        app: &axum::Router,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair("_csrf", &self.csrf());
        for (k, v) in fields {
            ser.append_pair(k, v);
        }
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(ser.finish()))
            .expect("request");
        self.send(app, req).await
    }
}

/// The value of a hidden field of a page.
fn hidden(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&amp;", "&"),
    )
}

/// A short excerpt of a page, for a failure message.
fn excerpt(body: &str) -> String {
    let at = body
        .find("role=\"alert\"")
        .or_else(|| body.find("<ul class=\"error\">"))
        .unwrap_or(0);
    body[at..].chars().take(600).collect()
}

// ---------------------------------------------------------------------------------------------
// Baseline (b): raw bulk insert

/// Multi-row INSERTs of the rows into `people` and `members`, in one transaction: no checks,
/// no counters, no audit (the statements built by `db::rows`, as the import's). Phones are
/// offset so they do not collide with the import's.
async fn raw_insert(db: &Db, rows: &[Row], branch_ids: &[i64]) -> usize {
    let now = khuyenhoc::db::now();
    let mut tx = db.begin().await.expect("begin");
    let per = 1000; // 7 and 7 parameters a row: well under both backends' limits
    let mut written = 0;
    for (chunk_no, chunk) in rows.chunks(per).enumerate() {
        let sql = format!(
            "INSERT INTO people (full_name, name_folded, birth_year, gender, phone, unit_id, created_at) VALUES {} RETURNING id",
            rows::values(db.backend, chunk.len(), &rows::row_of(7, ""))
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for (i, row) in chunk.iter().enumerate() {
            let n = chunk_no * per + i;
            q = q
                .bind(row.name.clone())
                .bind(khuyenhoc_domain::text::fold(&row.name))
                .bind(row.birth_year.map(i64::from))
                .bind(row.female.map(|f| if f { "female" } else { "male" }))
                .bind(
                    row.phone
                        .as_ref()
                        .map(|_| format!("08{:08}", 12_000_000 + n)),
                )
                .bind(branch_ids[n % branch_ids.len()])
                .bind(now);
        }
        let ids = q.fetch_all(&mut *tx).await.expect("people");
        let sql = format!(
            "INSERT INTO members (person_id, branch_id, card_no, joined_on, status, sectors, created_at, updated_at) VALUES {}",
            rows::values(db.backend, chunk.len(), "(?, ?, ?, ?, 'active', ?, ?, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (i, (row, id)) in chunk.iter().zip(&ids).enumerate() {
            let n = chunk_no * per + i;
            let (y, m, d, _) = row.joined;
            q = q
                .bind(*id)
                .bind(branch_ids[n % branch_ids.len()])
                .bind(row.card.as_ref().map(|c| format!("R{c}")))
                .bind(format!("{y:04}-{m:02}-{d:02}"))
                .bind(row.sectors.map(|_| "party").unwrap_or(""))
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *tx).await.expect("members");
        written += chunk.len();
    }
    tx.commit().await.expect("commit");
    written
}

// ---------------------------------------------------------------------------------------------
// One run

/// People of Ba Đình already in the register (not members), one for every hundred rows:
/// (name, phone), the same in every process.
fn existing_list(rows: usize) -> Vec<(String, String)> {
    let mut rng = StdRng::seed_from_u64(7);
    (0..rows.div_ceil(100))
        .map(|i| {
            let female = rng.gen_bool(0.5);
            (
                full_name(&mut rng, female),
                format!("09{:08}", 90_000_000 + i),
            )
        })
        .collect()
}

async fn existing_people(db: &Db, people: &[(String, String)], branch_id: i64) {
    let mut tx = db.begin().await.expect("begin");
    for (name, phone) in people {
        sqlx::query("INSERT INTO people (full_name, name_folded, phone, unit_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(name)
            .bind(khuyenhoc_domain::text::fold(name))
            .bind(phone)
            .bind(branch_id)
            .bind(khuyenhoc::db::now())
            .execute(&mut *tx)
            .await
            .expect("a person already in the register");
    }
    tx.commit().await.expect("commit");
}

/// Writes the workbook in a child process (this program again, with `--write-workbook`), so
/// that the writer's memory is not counted in this process's peak.
fn workbook_in_child(path: &std::path::Path, rows: usize, branches: &[String]) -> Vec<u8> {
    let status = std::process::Command::new(std::env::current_exe().expect("this program"))
        .args([
            "--write-workbook",
            &path.display().to_string(),
            "--rows",
            &rows.to_string(),
            "--branches",
            &branches.join(","),
        ])
        .status()
        .expect("run the workbook writer");
    assert!(status.success(), "the workbook writer failed");
    std::fs::read(path).expect("read the workbook back")
}

#[allow(clippy::too_many_lines)] // one benchmark run, phase after phase, reads best in one place
async fn run(backend: Backend, a: &Args) -> Vec<Phase> {
    let dir = tempfile::tempdir().expect("temp dir");
    let scratch = common::Scratch::new(backend, "khuyenhoc_bench_import").await;
    let url = scratch.url.clone();
    let settings = khuyenhoc::config::Settings {
        database_url: url.clone(),
        ..Default::default()
    };
    let db = Db::connect(
        &url,
        settings.database_max_connections,
        settings.sqlite_synchronous,
    )
    .await
    .expect("connect");
    khuyenhoc::prepare(&db)
        .await
        .expect("migrations and the map");
    khuyenhoc::demo::load(&db).await.expect("demo data");
    let branches: Vec<(i64, String)> = sqlx::query_as(
        "SELECT b.id, b.code FROM units b JOIN units c ON c.id = b.parent_id WHERE c.code = $1 AND b.level = 'branch' ORDER BY b.code",
    )
    .bind(COMMUNE)
    .fetch_all(&db.pool)
    .await
    .expect("the branches of Ba Đình");
    assert!(!branches.is_empty(), "the demo branches of {COMMUNE}");
    let codes: Vec<String> = branches.iter().map(|b| b.1.clone()).collect();
    let ids: Vec<i64> = branches.iter().map(|b| b.0).collect();
    let existing = existing_list(a.rows);
    existing_people(&db, &existing, ids[0]).await;
    let rows = rows(a.rows, &codes, &existing);
    let path = dir.path().join("hoi-vien.xlsx");
    let started = Instant::now();
    let bytes = workbook_in_child(&path, a.rows, &codes);
    println!(
        "{backend:?}: wrote {} rows to {} ({:.1} MB) in {:.1} s; branches {}",
        rows.len(),
        path.display(),
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        codes.join(", ")
    );

    let files_dir = tempfile::tempdir().expect("files dir");
    let files = khuyenhoc::files::Files::local(files_dir.path()).expect("files");
    let state = khuyenhoc::state::AppState::new(
        db.clone(),
        settings,
        khuyenhoc::ops::metrics_handle(),
        files,
    );
    let app = khuyenhoc::web::app(state);
    let mut web = Client { cookies: vec![] };
    web.send(
        &app,
        Request::get("/login").body(Body::empty()).expect("req"),
    )
    .await;
    let (status, body) = web
        .post_form(
            &app,
            "/login",
            &[
                ("login", BADINH),
                ("password", khuyenhoc::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "login: {}", excerpt(&body));

    let mut phases = vec![];
    // (a) calamine alone.
    let b = bytes.clone();
    let (cells, p) = timed("calamine: read every cell", async move {
        tokio::task::spawn_blocking(move || calamine_read(&b))
            .await
            .expect("reading")
    })
    .await;
    println!(
        "{backend:?}: {} — {cells} cells, {:.2} s",
        p.name,
        p.elapsed.as_secs_f64()
    );
    phases.push(p);

    // The import: upload (preview), then confirm (commit).
    let boundary = "kh-bench-import-b0undary";
    let mut body = Vec::with_capacity(bytes.len() + 512);
    // The CSRF token is the form's first field, as the page's form sends it.
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hoi-vien.xlsx\"\r\nContent-Type: {XLSX}\r\n\r\n",
            web.csrf()
        )
        .as_bytes(),
    );
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(format!("/units/{COMMUNE}/members/import"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    let ((status, page), p) = timed("import: upload and preview", web.send(&app, req)).await;
    assert_eq!(status, StatusCode::OK, "preview: {}", excerpt(&page));
    let valid = format!("{} dòng hợp lệ", rows.len());
    assert!(
        page.contains(&valid),
        "preview: not every row valid: {}",
        excerpt(&page)
    );
    println!(
        "{backend:?}: {} — {:.2} s, page {:.1} MB",
        p.name,
        p.elapsed.as_secs_f64(),
        page.len() as f64 / 1e6
    );
    let preview_time = p.elapsed;
    phases.push(p);
    let key = hidden(&page, "key").expect("a confirm form");
    let sha = hidden(&page, "sha256").expect("sha256");
    let plan = hidden(&page, "plan").expect("the preview's digest");
    drop(page);
    let path_commit = format!("/units/{COMMUNE}/members/import/commit");
    let fields = [
        ("key", key.as_str()),
        ("sha256", sha.as_str()),
        ("plan", plan.as_str()),
        ("file_name", "hoi-vien.xlsx"),
    ];
    let ((status, done), p) = timed(
        "import: confirm and store",
        web.post_form(&app, &path_commit, &fields),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "commit: {}", excerpt(&done));
    assert!(
        done.contains(&format!("Đã lưu {} hội viên", rows.len())),
        "commit: {}",
        excerpt(&done)
    );
    println!("{backend:?}: {} — {:.2} s", p.name, p.elapsed.as_secs_f64());
    let total = preview_time + p.elapsed;
    let (start_mb, peak) = phases
        .last()
        .map_or((0.0, 0.0), |x: &Phase| (x.start_mb, x.peak_mb));
    let peak = peak.max(p.peak_mb);
    phases.push(p);
    phases.push(Phase {
        name: "import: total (upload + confirm)".into(),
        elapsed: total,
        start_mb,
        peak_mb: peak,
    });
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    let diffs = khuyenhoc::reports::counters::recount(&db, false)
        .await
        .expect("recount");
    println!(
        "{backend:?}: {members} members stored; counters reconcile: {}",
        if diffs.is_empty() {
            "yes".to_owned()
        } else {
            format!("NO ({} differences)", diffs.len())
        }
    );

    // (b) raw bulk insert of the same rows.
    let (n, p) = timed(
        "raw bulk INSERT (people + members)",
        raw_insert(&db, &rows, &ids),
    )
    .await;
    println!(
        "{backend:?}: {} — {n} rows, {:.2} s",
        p.name,
        p.elapsed.as_secs_f64()
    );
    phases.push(p);

    db.pool.close().await;
    scratch.remove().await;
    phases
}

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    if let Some(i) = argv.iter().position(|x| x == "--write-workbook") {
        let path = argv.get(i + 1).expect("--write-workbook PATH");
        let branches: Vec<String> = argv
            .iter()
            .position(|x| x == "--branches")
            .and_then(|j| argv.get(j + 1))
            .expect("--branches CODES")
            .split(',')
            .map(str::to_owned)
            .collect();
        let n = args().rows;
        write_workbook(
            &rows(n, &branches, &existing_list(n)),
            std::path::Path::new(path),
        );
        return;
    }
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut all = vec![];
    for b in a.backends.clone() {
        let phases = rt.block_on(run(b, &a));
        all.push((b, phases));
    }
    println!("\n{} rows", a.rows);
    println!(
        "| backend | phase | seconds | rows per second | process RSS at start MB | peak (VmHWM) MB | peak − start MB |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (b, phases) in &all {
        for p in phases {
            println!(
                "| {b:?} | {} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} |",
                p.name,
                p.elapsed.as_secs_f64(),
                a.rows as f64 / p.elapsed.as_secs_f64().max(f64::EPSILON),
                p.start_mb,
                p.peak_mb,
                p.peak_mb - p.start_mb
            );
        }
    }
}
