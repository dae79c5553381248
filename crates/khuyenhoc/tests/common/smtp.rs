//! A real SMTP server on loopback for tests: `scripts/smtp_sink.py` (aiosmtpd, installed by
//! `scripts/test-services.sh` into the test venv) writes every message it accepts to a folder;
//! [`Smtp::received`] reads them back. Use it with
//! `#[path = "common/smtp.rs"] mod smtp;` and point the settings at it with [`Smtp::configure`].
//! Without aiosmtpd the test fails: it does not skip.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The venv's python (or `$KHUYENHOC_TEST_PYTHON`).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("KHUYENHOC_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("khuyenhoc-test/venv/bin/python")
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp_sink.py")
}

/// One message the server accepted.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// The SMTP server, stopped when dropped (also when the test panics).
pub struct Smtp {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Smtp {
    /// Starts the server on a free loopback port and waits until it listens (at most 30 s).
    pub fn start() -> Smtp {
        let py = python();
        assert!(
            py.is_file(),
            "the test venv's python is missing at {}: run scripts/test-services.sh (it installs aiosmtpd)",
            py.display()
        );
        for _attempt in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let dir = tempfile::tempdir().expect("mail folder");
            let mut child = Command::new(&py)
                .arg(script())
                .arg(port.to_string())
                .arg(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", py.display()));
            let out = child.stdout.take().expect("stdout");
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            if line.trim() == "ready" {
                return Smtp { child, port, dir };
            }
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("the SMTP sink did not start on port {port} (is aiosmtpd installed?)");
        }
        panic!("the SMTP test server could not start three times; see the output above");
    }

    /// Points the settings at this server (no TLS, loopback).
    pub fn configure(&self, s: &mut khuyenhoc::config::Settings) {
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = self.port;
        s.smtp_tls = "none".into();
        s.mail_from = Some("Khuyến học <no-reply@khuyenhoc.test>".into());
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Mail> {
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let p = e.path();
                        let n = p.file_stem()?.to_str()?.parse::<u64>().ok()?;
                        (p.extension()? == "json").then_some((n, p))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|(_, p)| std::fs::read_to_string(p).ok())
            .filter_map(|t| serde_json::from_str(&t).ok())
            .collect()
    }

    /// Waits (at most 20 s) until `n` messages have arrived, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} messages arrived in 20 s: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
