//! A short run of every fuzz target in `fuzz/` (cargo-fuzz, libFuzzer): the criteria and
//! report-template parsers, the units CSV and the Excel importers. Each runs for
//! `KHUYENHOC_FUZZ_SECONDS` (default 10) from its seeds (`fuzz/seeds/TARGET`, copied to a
//! temporary corpus, so the tree is left as it was); a panic, a crash, a hang (10 s for one
//! input) or more than 2 GB of memory fails the test with the input libFuzzer saved in
//! `fuzz/artifacts/TARGET/`.
//!
//! cargo-fuzz is installed by `scripts/test-services.sh`. The targets build with the nightly
//! toolchain when rustup has one, else with the stable one (`RUSTC_BOOTSTRAP=1`), into
//! `fuzz/target`, in the `dev` profile of `fuzz/Cargo.toml` (optimised a little) and without a
//! sanitizer (`-s none`: the code under test is safe Rust, and the smoke run looks for panics).
//! The long run, `scripts/fuzz-long.sh`, builds the release profile with AddressSanitizer for
//! the unsafe code of the readers underneath.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const TARGETS: [&str; 4] = [
    "criteria_parse",
    "report_template",
    "units_csv",
    "xlsx_import",
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// `cargo fuzz …` with the nightly toolchain if there is one, else stable as nightly. The
/// variables of the surrounding `cargo test` (its target folder, its toolchain) are not passed on.
fn cargo_fuzz(args: &[&str]) -> Command {
    let nightly = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.starts_with("nightly"))
        });
    let mut cmd = Command::new("cargo");
    if nightly {
        cmd.arg("+nightly");
    } else {
        cmd.env("RUSTC_BOOTSTRAP", "1");
    }
    for var in [
        "CARGO_TARGET_DIR",
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTDOC",
        "RUSTFLAGS",
        "CARGO",
    ] {
        cmd.env_remove(var);
    }
    cmd.current_dir(fuzz_dir()).arg("fuzz").args(args);
    cmd
}

/// The last value libFuzzer printed for `key` (`cov: 123`, `exec/s: 456`, `#789`).
fn last_stat(output: &str, key: &str) -> Option<u64> {
    output.lines().rev().find_map(|line| {
        let at = line.find(key)? + key.len();
        let digits: String = line[at..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

#[test]
fn every_fuzz_target_survives_a_short_run() {
    let version = cargo_fuzz(&["--version"]).output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "cargo-fuzz is missing: run scripts/test-services.sh ({version:?})"
    );
    let seconds: u64 = std::env::var("KHUYENHOC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let started = Instant::now();
    let build = cargo_fuzz(&["build", "--dev", "-s", "none"])
        .output()
        .expect("cargo fuzz build");
    assert!(
        build.status.success(),
        "building the fuzz targets failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    println!(
        "fuzz targets built in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let mut failures = vec![];
    for target in TARGETS {
        let corpus = tempfile::tempdir().expect("corpus dir");
        let seeds = fuzz_dir().join("seeds").join(target);
        for seed in std::fs::read_dir(&seeds).expect("seeds") {
            let seed = seed.expect("seed").path();
            std::fs::copy(&seed, corpus.path().join(seed.file_name().expect("name")))
                .expect("copy seed");
        }
        let corpus_arg = corpus.path().to_string_lossy().into_owned();
        let time = format!("-max_total_time={seconds}");
        let run = cargo_fuzz(&[
            "run",
            "--dev",
            "-s",
            "none",
            target,
            &corpus_arg,
            "--",
            &time,
            "-rss_limit_mb=2048",
            "-timeout=10",
            "-print_final_stats=1",
        ])
        .output()
        .expect("cargo fuzz run");
        let log = String::from_utf8_lossy(&run.stderr);
        let runs = last_stat(&log, "stat::number_of_executed_units:").unwrap_or(0);
        let per_second = last_stat(&log, "stat::average_exec_per_sec:").unwrap_or(0);
        let cov = last_stat(&log, "cov: ").unwrap_or(0);
        let corpus_size = last_stat(&log, "corp: ").unwrap_or(0);
        println!(
            "{target}: {runs} runs in {seconds} s ({per_second}/s), coverage {cov} edges, corpus {corpus_size}"
        );
        if !run.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            failures.push(format!("{target} failed:\n{}", tail.join("\n")));
        }
    }
    println!(
        "fuzz smoke run: {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
