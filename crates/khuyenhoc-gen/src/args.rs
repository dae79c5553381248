//! The command line of `khuyenhoc-gen`: its flags (the same as the former `khuyenhoc gen`) and
//! the run that opens the database like every command of the server, then generates.

use crate::{checksum, generate, thousands, Options};
use clap::Parser;
use khuyenhoc::config::{Overrides, Settings};
use khuyenhoc::db::Db;
use std::path::PathBuf;
use std::time::Instant;

/// `khuyenhoc-gen [--config FILE] [--database-url URL] --scale S [--seed N] [--checksum]`.
#[derive(Parser, Debug)]
#[command(
    name = "khuyenhoc-gen",
    version,
    about = "Sinh dữ liệu mẫu toàn quốc trên bản đồ thật / synthetic national data on the real map (load tests, demos)"
)]
pub struct Cli {
    /// A TOML settings file, read as the server reads it (default: ./khuyenhoc.toml when
    /// present).
    #[arg(long, env = "KHUYENHOC_CONFIG")]
    pub config: Option<PathBuf>,
    /// `sqlite://FILE` or `postgres://USER:PASSWORD@HOST/DB`; without it `KHUYENHOC_DATABASE_URL`,
    /// then the settings file, as for the server.
    #[arg(long)]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub gen: GenArgs,
}

/// The binary: the settings layered as the server layers them (defaults, file, environment, the
/// flags), its logs, then [`run`].
pub async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(
        cli.config.as_deref(),
        &Overrides {
            listen: None,
            database_url: cli.database_url,
        },
    )?;
    khuyenhoc::cli::init_logs(&settings);
    run(&settings, cli.gen).await
}

/// The generation flags.
#[derive(clap::Args, Debug, Clone)]
pub struct GenArgs {
    /// How much data: 1 = 100,000 branches, 10 million citizen evaluations, 1 million ledger
    /// entries; 0.01 for a quick run. A decimal from 0.0001 to 10.
    #[arg(long, value_parser = parse_scale)]
    pub scale: f64,
    /// The seed of every random choice: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print a checksum of the generated rows at the end (reads them all again), to compare
    /// two runs or two backends.
    #[arg(long)]
    pub checksum: bool,
}

pub const MIN_SCALE: f64 = 0.0001;
pub const MAX_SCALE: f64 = 10.0;

/// Reads `--scale`: a decimal number (`0.01`, `1`, `2.5`; a comma is accepted as the decimal
/// mark) from [`MIN_SCALE`] to [`MAX_SCALE`].
pub fn parse_scale(s: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "--scale phải là một số thập phân từ 0.0001 đến 10 (ví dụ 0.01 hoặc 1), không phải {s:?} / \
             --scale must be a decimal number from 0.0001 to 10 (e.g. 0.01 or 1), not {s:?}"
        )
    };
    let v: f64 = s.trim().replace(',', ".").parse().map_err(|_| bad())?;
    if v.is_finite() && (MIN_SCALE..=MAX_SCALE).contains(&v) {
        Ok(v)
    } else {
        Err(bad())
    }
}

/// The command: opens and prepares the database like every other command, then generates.
pub async fn run(settings: &Settings, args: GenArgs) -> anyhow::Result<()> {
    let db = Db::connect(
        &settings.database_url,
        settings.database_max_connections.max(2),
        settings.sqlite_synchronous,
    )
    .await?;
    khuyenhoc::prepare(&db).await?;
    println!(
        "Sinh dữ liệu mẫu toàn quốc: scale {}, seed {} / generating national synthetic data: scale {}, seed {}",
        args.scale, args.seed, args.scale, args.seed
    );
    let started = Instant::now();
    let summary = generate(
        &db,
        &Options {
            scale: args.scale,
            seed: args.seed,
            quiet: false,
        },
    )
    .await?;
    let total: u64 = summary.phases.iter().map(|p| p.rows).sum();
    println!(
        "Xong / done: {} rows in {:.1} s",
        thousands(total),
        started.elapsed().as_secs_f64()
    );
    for (k, v) in &summary.counts {
        println!("  {k:<28} {:>12}", thousands(*v));
    }
    if args.checksum {
        println!("checksum {}", checksum(&db).await?);
    }
    db.pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_are_those_of_the_former_subcommand() {
        let cli = Cli::try_parse_from([
            "khuyenhoc-gen",
            "--database-url",
            "sqlite:///tmp/x.db",
            "--scale",
            "0,01",
            "--seed",
            "7",
            "--checksum",
        ])
        .expect("parse");
        assert_eq!(cli.database_url.as_deref(), Some("sqlite:///tmp/x.db"));
        assert_eq!(
            (cli.gen.scale, cli.gen.seed, cli.gen.checksum),
            (0.01, 7, true)
        );
        let defaults = Cli::try_parse_from(["khuyenhoc-gen", "--scale", "1"]).expect("parse");
        assert_eq!((defaults.gen.seed, defaults.gen.checksum), (1, false));
        assert!(
            Cli::try_parse_from(["khuyenhoc-gen"]).is_err(),
            "--scale is required"
        );
        assert!(Cli::try_parse_from(["khuyenhoc-gen", "--scale", "20"]).is_err());
    }

    #[test]
    fn scale_is_a_decimal_in_range() {
        assert_eq!(parse_scale("0.01"), Ok(0.01));
        assert_eq!(parse_scale("1"), Ok(1.0));
        assert_eq!(parse_scale("0,5"), Ok(0.5));
        for bad in ["", "abc", "0", "-1", "11", "NaN", "inf", "0.00001"] {
            let e = parse_scale(bad).expect_err(bad);
            assert!(
                e.contains("số thập phân") && e.contains("decimal number"),
                "{e}"
            );
        }
    }
}
