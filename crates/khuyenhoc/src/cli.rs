//! The command line: `serve` (default), `demo`, `migrate`, `import-units`, `import-old-map`,
//! `backup`, `recount`, `admin create`, `keys new|rotate`, `credentials reissue`.

use crate::config::{redact_url, Overrides, Settings};
use crate::db::Db;
use crate::state::AppState;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "khuyenhoc",
    version,
    about = "Hội Khuyến học Việt Nam: the learning-society platform"
)]
pub struct Cli {
    /// A TOML settings file (default: ./khuyenhoc.toml when present).
    #[arg(long, global = true, env = "KHUYENHOC_CONFIG")]
    pub config: Option<PathBuf>,
    /// `sqlite://FILE` or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Create demo people, positions and branches on the real map, print their logins, and serve.
    Demo(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Load the official list of administrative units (the 2025 list built in, or a CSV file).
    ImportUnits {
        /// A CSV with the columns of data/units-2025.csv.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The day the units came into force.
        #[arg(long, default_value = crate::org::import::EFFECTIVE_2025)]
        valid_from: String,
    },
    /// Load the map before 1 July 2025 (provinces, districts, communes) and the official
    /// successions old → new (shipped in the binary); the 2025 map must be loaded first.
    /// Idempotent; prints what it loaded and every row it could not place.
    ImportOldMap,
    /// Write a consistent copy of the database to DEST while the server may keep running.
    Backup { dest: PathBuf },
    /// Recompute the live report counters from the raw rows and list any difference; with
    /// --fix, replace the counters by the recomputed ones.
    Recount {
        #[arg(long)]
        fix: bool,
    },
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The key that signs credentials (a file, never the database).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Signed credentials of certificates.
    #[command(subcommand)]
    Credentials(CredentialsCommand),
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Write a new signing key to a new file (mode 0600); give its path as
    /// credential_key_file. Never overwrites a file.
    New {
        /// Where to write it (default: the credential_key_file setting).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Replace the key in credential_key_file by a new one; the old public key stays published
    /// in the DID documents, so credentials it signed keep verifying.
    Rotate,
}

#[derive(Subcommand, Debug)]
pub enum CredentialsCommand {
    /// Sign again, under the same certificate codes, the credentials an earlier version issued
    /// (no revocation status, issuer not a did:web); idempotent; prints the counts.
    Reissue,
}

#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    pub listen: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create the first central administrator (chair of the central office).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// The password; read from KHUYENHOC_ADMIN_PASSWORD when not given.
        #[arg(long, env = "KHUYENHOC_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// Starts the logs as the settings ask. Public for the synthetic-data generator's binary
/// (`khuyenhoc-gen`), which logs like every command.
pub fn init_logs(s: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&s.log_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if s.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn open(s: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(
        &s.database_url,
        s.database_max_connections,
        s.sqlite_synchronous,
    )
    .await?;
    crate::prepare(&db).await?;
    Ok(db)
}

/// A binary's `main`: the allocator settings, the async runtime, `run`, and its error printed in
/// both languages. Public for the synthetic-data generator's binary (`khuyenhoc-gen`) too.
pub fn main_of<F>(run: impl FnOnce() -> F) -> std::process::ExitCode
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    crate::ops::memory::tune();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Some(Command::Serve(a)) | Some(Command::Demo(a)) => a.listen.clone(),
        _ => None,
    };
    let settings = Settings::load(
        cli.config.as_deref(),
        &Overrides {
            listen,
            database_url: cli.database_url.clone(),
        },
    )?;
    init_logs(&settings);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(_) => serve(settings).await,
        Command::Demo(_) => {
            let settings = demo_credentials(settings)?;
            let db = open(&settings).await?;
            let logins = crate::demo::load(&db).await?;
            crate::demo::showcase(&db).await?;
            println!("{}", crate::demo::describe(&logins));
            serve_db(settings, db).await
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database_url, 1, settings.sqlite_synchronous).await?;
            let v = db.migrate().await?;
            println!("Cơ sở dữ liệu ở phiên bản {v} / database at version {v}");
            Ok(())
        }
        Command::ImportUnits { file, valid_from } => {
            let db = Db::connect(&settings.database_url, 2, settings.sqlite_synchronous).await?;
            db.migrate().await?;
            let text = match file {
                Some(f) => std::fs::read_to_string(&f)
                    .with_context(|| format!("cannot read {}", f.display()))?,
                None => crate::org::import::UNITS_2025.to_owned(),
            };
            let rows = crate::org::import::parse(&text)?;
            let out = crate::org::import::import(&db, &rows, &valid_from).await?;
            println!(
                "{} tỉnh, {} xã; thêm mới {} đơn vị / {} provinces, {} communes; {} units added",
                out.provinces,
                out.communes,
                out.inserted,
                out.provinces,
                out.communes,
                out.inserted
            );
            Ok(())
        }
        Command::ImportOldMap => import_old_map(&settings).await,
        Command::Backup { dest } => {
            let db = Db::connect(&settings.database_url, 1, settings.sqlite_synchronous).await?;
            crate::ops::backup(&db, &settings.database_url, &dest).await?;
            println!(
                "Đã sao lưu vào {} / backup written to {}",
                dest.display(),
                dest.display()
            );
            Ok(())
        }
        Command::Recount { fix } => recount(&settings, fix).await,
        Command::Keys(k) => keys(&settings, k).await,
        Command::Credentials(CredentialsCommand::Reissue) => reissue(settings).await,
        Command::Admin(AdminCommand::Create {
            name,
            phone,
            email,
            password,
        }) => {
            let db = open(&settings).await?;
            let id = crate::demo::create_admin(&db, &name, phone, email, &password).await?;
            println!("Đã tạo quản trị viên trung ương (mã người {id}) / central administrator created (person {id})");
            Ok(())
        }
    }
}

/// A demonstration issues credentials without setting anything up: the listening address as
/// the public one, and a key file made once in the working folder.
fn demo_credentials(mut settings: Settings) -> anyhow::Result<Settings> {
    if settings.public_url.is_none() {
        settings.public_url = Some(format!("http://{}", settings.listen));
    }
    if settings.credential_key.is_none() && settings.credential_key_file.is_none() {
        let path = PathBuf::from("khuyenhoc-demo-credential.key");
        if !path.exists() {
            crate::credentials::keys::new_file(&path)?;
        }
        settings.credential_key_file = Some(path.display().to_string());
    }
    Ok(settings)
}

/// `khuyenhoc keys new|rotate`.
async fn keys(settings: &Settings, command: KeysCommand) -> anyhow::Result<()> {
    let configured = settings.credential_key_file.as_ref().map(PathBuf::from);
    match command {
        KeysCommand::New { file } => {
            let path = file.or(configured).context(
                "give --file PATH (or set credential_key_file) for the new key / cần --file",
            )?;
            let public = crate::credentials::keys::new_file(&path)?;
            println!(
                "Đã tạo khóa ký {} (khóa công khai {public}) / signing key written to {} (public key {public})",
                path.display(),
                path.display()
            );
            Ok(())
        }
        KeysCommand::Rotate => {
            anyhow::ensure!(
                settings.credential_key.is_none(),
                "the key comes from KHUYENHOC_CREDENTIAL_KEY: make a new one with `khuyenhoc keys new --file PATH`, then replace the variable"
            );
            let path = configured.context("credential_key_file is not set")?;
            let db = open(settings).await?;
            let (old, new) = crate::credentials::keys::rotate(&db, &path).await?;
            println!("Đã thay khóa ký: {old} → {new} (khóa cũ vẫn được công bố) / signing key rotated: {old} → {new} (the old key stays published)");
            Ok(())
        }
    }
}

/// `khuyenhoc credentials reissue`.
async fn reissue(settings: Settings) -> anyhow::Result<()> {
    let db = open(&settings).await?;
    let files = crate::files::Files::from_settings(&settings)?;
    let state = AppState::new(db, settings, None, files);
    let report = crate::credentials::reissue::run(&state)
        .await
        .map_err(|e| match e {
            crate::error::AppError::BadRequest { vi, en } => anyhow::anyhow!("{vi} / {en}"),
            e => anyhow::anyhow!(e),
        })?;
    println!(
        "Đã ký lại {} chứng nhận số, {} đã đúng dạng / {} credentials reissued, {} already current",
        report.reissued, report.current, report.reissued, report.current
    );
    Ok(())
}

/// `khuyenhoc recount [--fix]`: the live counters checked against the raw rows.
async fn recount(settings: &Settings, fix: bool) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let diffs = crate::reports::counters::recount(&db, fix).await?;
    for d in &diffs {
        println!(
            "unit {} {} {}: stored {} expected {}",
            d.unit_id, d.period, d.metric, d.stored, d.expected
        );
    }
    let fixed = fix && !diffs.is_empty();
    println!(
        "{} khác biệt{} / {} differences{}",
        diffs.len(),
        if fixed { ", đã sửa" } else { "" },
        diffs.len(),
        if fixed { ", fixed" } else { "" }
    );
    let funds = crate::funds::totals::recount(&db, fix)
        .await
        .map_err(|e| anyhow::anyhow!("fund totals: {e:?}"))?;
    for d in &funds {
        println!(
            "fund totals: unit {} {} {}{}: stored {} expected {}",
            d.unit_id,
            d.half,
            d.account,
            if d.internal { " (internal)" } else { "" },
            d.stored,
            d.expected
        );
    }
    let fixed = fix && !funds.is_empty();
    println!(
        "Tổng quỹ theo nửa năm: {} khác biệt{} / fund totals by half-year: {} differences{}",
        funds.len(),
        if fixed { ", đã sửa" } else { "" },
        funds.len(),
        if fixed { ", fixed" } else { "" }
    );
    if (!diffs.is_empty() || !funds.is_empty()) && !fix {
        anyhow::bail!("counters differ from the raw rows: run `khuyenhoc recount --fix`");
    }
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db = open(&settings).await?;
    serve_db(settings, db).await
}

async fn serve_db(settings: Settings, db: Db) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(database = %redact_url(&settings.database_url), "serving");
    for problem in crate::credentials::configuration_problems(&settings) {
        tracing::warn!("{problem}");
        eprintln!("Cảnh báo / Warning: {problem}");
    }
    println!("khuyenhoc: http://{addr}/  (Ctrl+C để dừng / to stop)");
    let files = crate::files::Files::from_settings(&settings)?;
    let state = AppState::new(db.clone(), settings, crate::ops::metrics_handle(), files);
    let workers = crate::background::start(&state);
    let app = crate::web::app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    workers.stop().await;
    db.pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// `khuyenhoc import-old-map`: the map before 1 July 2025 and the successions, with the report.
async fn import_old_map(settings: &Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url, 2, settings.sqlite_synchronous).await?;
    db.migrate().await?;
    let report = crate::org::old_map::import_builtin(&db, crate::audit::Actor::SYSTEM)
        .await
        .map_err(|e| match e {
            crate::error::AppError::BadRequest { vi, en } => anyhow::anyhow!("{vi} / {en}"),
            e => anyhow::anyhow!(e),
        })?;
    for line in crate::org::old_map::summary(&report) {
        println!("{line}");
    }
    Ok(())
}
