//! Typed, layered configuration: defaults < file < `KHUYENHOC_*` environment < command-line flags.
//! Every setting is documented in `khuyenhoc.example.toml`; the value is passed through
//! application state, never read from a global.

use crate::db::SqliteSync;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port the server listens on.
    pub listen: String,
    /// `sqlite://FILE` or `postgres://USER:PASSWORD@HOST/DB`.
    pub database_url: String,
    /// Connections in the database pool.
    pub database_max_connections: u32,
    /// How SQLite syncs its write-ahead log: `normal` or `full`.
    pub sqlite_synchronous: SqliteSync,
    /// The address people use to reach the server; `https://` turns on Secure cookies.
    pub public_url: Option<String>,
    /// A file holding the Ed25519 secret key (Multikey `z3u2…`) that signs credentials.
    pub credential_key_file: Option<String>,
    /// The same key given directly (from `KHUYENHOC_CREDENTIAL_KEY`); wins over the file.
    /// Never logged.
    pub credential_key: Option<String>,
    /// Hours a login session lasts.
    pub session_hours: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Failed logins allowed per account (and 4x that per client address) before each further
    /// attempt waits a doubling delay.
    pub login_max_failures: u32,
    /// The longest delay of the login back-off, in seconds; failures are forgotten after twice it.
    pub login_window_seconds: u64,
    /// Addresses (`203.0.113.7`) or ranges (`10.0.0.0/8`) of the reverse proxies in front of
    /// the server. Only a request from one of them has its client address read from
    /// `Forwarded` / `X-Forwarded-For`; any other request's client is its socket address.
    pub trusted_proxies: Vec<String>,
    /// Client addresses or ranges that may read `/metrics` (after `trusted_proxies`).
    pub metrics_allow: Vec<String>,
    /// A bearer token that lets any address read `/metrics`. Never logged.
    pub metrics_token: Option<String>,
    /// Folder where uploaded evidence and generated documents are kept (when `files_url` is unset).
    pub files_dir: String,
    /// `s3://BUCKET[/PREFIX]`: keep files in an S3-compatible bucket instead of `files_dir`.
    pub files_url: Option<String>,
    /// S3 endpoint for non-AWS servers (MinIO, Garage, …), e.g. `https://s3.example.vn`.
    pub s3_endpoint: Option<String>,
    /// S3 region (`AWS_REGION` otherwise, then `us-east-1`).
    pub s3_region: Option<String>,
    /// S3 access key id (`AWS_ACCESS_KEY_ID` otherwise).
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key (`AWS_SECRET_ACCESS_KEY` otherwise). Never logged.
    pub s3_secret_access_key: Option<String>,
    /// Allow plain `http://` S3 endpoints (`AWS_ALLOW_HTTP` otherwise, then no).
    pub s3_allow_http: Option<bool>,
    /// Job workers in this server process (the durable queue, `jobs/`).
    pub jobs_workers: usize,
    /// How often an idle job worker looks for due work, in milliseconds.
    pub jobs_poll_millis: u64,
    /// How long a job being run belongs to its worker, in seconds; after that (a crashed server)
    /// another worker takes it again.
    pub jobs_lease_seconds: i64,
    /// The wait before a failed job's first retry, in seconds; each further retry waits twice
    /// as long (at most one hour).
    pub jobs_retry_base_seconds: i64,
    /// SMTP server for email notices and recovery links; no email is sent when unset.
    pub smtp_host: Option<String>,
    /// SMTP port (587 for STARTTLS, 465 for TLS, 25 or a test port for none).
    pub smtp_port: u16,
    /// `starttls`, `tls`, or `none` (plain text: only for a server on loopback).
    pub smtp_tls: String,
    /// SMTP user name, when the server asks for one.
    pub smtp_user: Option<String>,
    /// SMTP password. Never logged.
    pub smtp_pass: Option<String>,
    /// The sender of every email, e.g. `Khuyến học <no-reply@khuyenhoc.vn>`.
    pub mail_from: Option<String>,
    /// Where the outgoing webhook posts each notice (JSON), e.g. an SMS or Zalo gateway.
    pub webhook_url: Option<String>,
    /// The key of the webhook's HMAC-SHA256 signature (header `X-Khuyenhoc-Signature`). Never logged.
    pub webhook_secret: Option<String>,
    /// The address of the Jitsi-compatible video server where meeting rooms are generated
    /// (`https://meet.jit.si/`): a room is this address and an unguessable name.
    pub meeting_room_base: String,
    /// The most rows one Excel export of a list writes (a larger list is refused with a message
    /// asking to narrow the filter). 50,000 by default.
    pub export_max_rows: i64,
    /// Log format: `pretty` or `json`.
    pub log_format: String,
    /// Log filter, as for `RUST_LOG` (for example `info,sqlx=warn`).
    pub log_filter: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://khuyenhoc.db".into(),
            database_max_connections: 8,
            sqlite_synchronous: SqliteSync::Normal,
            public_url: None,
            credential_key_file: None,
            credential_key: None,
            session_hours: 12,
            max_body_bytes: 2 * 1024 * 1024,
            login_max_failures: 5,
            login_window_seconds: 900,
            trusted_proxies: vec![],
            metrics_allow: vec!["127.0.0.1".into(), "::1".into()],
            metrics_token: None,
            files_dir: "khuyenhoc-files".into(),
            files_url: None,
            s3_endpoint: None,
            s3_region: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: None,
            jobs_workers: 2,
            jobs_poll_millis: 1000,
            jobs_lease_seconds: 300,
            jobs_retry_base_seconds: 30,
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_user: None,
            smtp_pass: None,
            mail_from: None,
            webhook_url: None,
            webhook_secret: None,
            meeting_room_base: "https://meet.jit.si/".into(),
            export_max_rows: crate::web::export::MAX_ROWS,
            log_format: "pretty".into(),
            log_filter: "info,sqlx=warn".into(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_url", &self.public_url)
            .field("credential_key_file", &self.credential_key_file)
            .field(
                "credential_key",
                &self.credential_key.as_ref().map(|_| "***"),
            )
            .field("files_dir", &self.files_dir)
            .field("files_url", &self.files_url)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field(
                "s3_secret_access_key",
                &self.s3_secret_access_key.as_ref().map(|_| "***"),
            )
            .field("s3_allow_http", &self.s3_allow_http)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("metrics_allow", &self.metrics_allow)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_pass", &self.smtp_pass.as_ref().map(|_| "***"))
            .field("mail_from", &self.mail_from)
            .field("webhook_url", &self.webhook_url)
            .field("meeting_room_base", &self.meeting_room_base)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "***"),
            )
            .finish_non_exhaustive()
    }
}

/// A database URL with its password replaced by `***`, for logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Values given on the command line; `None` leaves the lower layers in force.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Settings {
    /// Loads the layers. The file is `config` if given, else `khuyenhoc.toml` when it exists.
    pub fn load(config: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Settings> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        let file: Option<PathBuf> = match config {
            Some(p) => {
                anyhow::ensure!(p.exists(), "config file {} does not exist", p.display());
                Some(p.to_owned())
            }
            None => Some(PathBuf::from("khuyenhoc.toml")).filter(|p| p.exists()),
        };
        if let Some(p) = file {
            fig = fig.merge(Toml::file(p));
        }
        fig = fig
            .merge(Env::prefixed("KHUYENHOC_").ignore(&["CONFIG", "ADMIN_PASSWORD", "TEST_PG_URL"]))
            .merge(Serialized::defaults(overrides));
        let s: Settings = fig.extract()?;
        anyhow::ensure!(s.session_hours > 0, "session_hours must be positive");
        anyhow::ensure!(
            s.database_max_connections > 0,
            "database_max_connections must be positive"
        );
        for (name, list) in [
            ("trusted_proxies", &s.trusted_proxies),
            ("metrics_allow", &s.metrics_allow),
        ] {
            for item in list {
                anyhow::ensure!(
                    parse_net(item).is_some(),
                    "{name}: {item:?} is neither an IP address nor a range such as 10.0.0.0/8"
                );
            }
        }
        anyhow::ensure!(
            s.metrics_token.as_ref().is_none_or(|t| t.len() >= 16),
            "metrics_token must have at least 16 characters"
        );
        anyhow::ensure!(
            ["starttls", "tls", "none"].contains(&s.smtp_tls.as_str()),
            "smtp_tls must be starttls, tls or none"
        );
        anyhow::ensure!(
            s.smtp_host.is_none() || s.mail_from.is_some(),
            "mail_from must be set when smtp_host is"
        );
        anyhow::ensure!(
            s.webhook_url.is_none() || s.webhook_secret.as_ref().is_some_and(|k| k.len() >= 16),
            "webhook_secret (at least 16 characters) must be set when webhook_url is"
        );
        anyhow::ensure!(
            (1..=crate::web::export::MAX_ROWS).contains(&s.export_max_rows),
            "export_max_rows must be from 1 to 50000"
        );
        anyhow::ensure!(
            url::Url::parse(&s.meeting_room_base).is_ok_and(|u| u.scheme() == "https"),
            "meeting_room_base must be an https:// address"
        );
        anyhow::ensure!(
            s.jobs_lease_seconds > 0,
            "jobs_lease_seconds must be positive"
        );
        Ok(s)
    }

    /// The reverse proxies whose forwarding headers are believed.
    pub fn proxies(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|s| parse_net(s))
            .collect()
    }

    /// The client addresses that may read `/metrics`.
    pub fn metrics_readers(&self) -> Vec<ipnet::IpNet> {
        self.metrics_allow
            .iter()
            .filter_map(|s| parse_net(s))
            .collect()
    }

    /// The address printed on certificates and in QR codes.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Whether people reach the server over https: cookies are then `Secure` and named
    /// `__Host-…`, and every answer carries `Strict-Transport-Security`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The origin of `public_url` (`https://khuyenhoc.example.vn`), which a browser names in the
    /// `Origin` header of a form it sends from our pages.
    pub fn public_origin(&self) -> Option<String> {
        let u = url::Url::parse(self.public_url.as_deref()?).ok()?;
        Some(u.origin().ascii_serialization()).filter(|o| o != "null")
    }
}

/// An address (`192.0.2.1`, `::1`) as a one-address range, or a range (`10.0.0.0/8`).
pub fn parse_net(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "k.toml",
                "listen = \"0.0.0.0:1\"\nsession_hours = 3\nlog_format = \"json\"",
            )?;
            jail.set_env("KHUYENHOC_SESSION_HOURS", "5");
            jail.set_env("KHUYENHOC_FILES_URL", "s3://khuyenhoc/files");
            jail.set_env("KHUYENHOC_S3_ALLOW_HTTP", "true");
            jail.set_env("KHUYENHOC_S3_SECRET_ACCESS_KEY", "s3cr3t-from-env");
            let o = Overrides {
                listen: Some("127.0.0.1:9".into()),
                database_url: None,
            };
            let s = Settings::load(Some(Path::new("k.toml")), &o).map_err(|e| e.to_string())?;
            assert_eq!(s.listen, "127.0.0.1:9");
            assert_eq!(s.session_hours, 5);
            assert_eq!(s.log_format, "json");
            assert_eq!(s.database_url, "sqlite://khuyenhoc.db");
            assert_eq!(s.files_url.as_deref(), Some("s3://khuyenhoc/files"));
            assert_eq!(s.s3_allow_http, Some(true));
            assert_eq!(s.s3_secret_access_key.as_deref(), Some("s3cr3t-from-env"));
            assert_eq!(s.s3_endpoint, None);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused_and_passwords_redacted() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("k.toml", "lisen = \"x\"")?;
            assert!(Settings::load(Some(Path::new("k.toml")), &Overrides::default()).is_err());
            Ok(())
        });
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        let s = Settings {
            files_url: Some("s3://bucket/evidence".into()),
            s3_access_key_id: Some("AKIDEXAMPLE".into()),
            s3_secret_access_key: Some("very-secret-key".into()),
            ..Settings::default()
        };
        let shown = format!("{s:?}");
        assert!(shown.contains("s3://bucket/evidence") && shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("very-secret-key"), "{shown}");
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error
mod edge_settings {
    use super::*;

    #[test]
    fn proxies_and_metrics_readers_are_checked_and_parsed() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "KHUYENHOC_TRUSTED_PROXIES",
                "[\"10.0.0.0/8\", \"192.0.2.1\"]",
            );
            jail.set_env("KHUYENHOC_METRICS_TOKEN", "a-long-random-secret");
            let s = Settings::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            let ip = |t: &str| t.parse::<std::net::IpAddr>().expect("ip");
            let proxies = s.proxies();
            assert!(proxies.iter().any(|n| n.contains(&ip("10.9.8.7"))));
            assert!(proxies.iter().any(|n| n.contains(&ip("192.0.2.1"))));
            assert!(!proxies.iter().any(|n| n.contains(&ip("192.0.2.2"))));
            assert!(s.metrics_readers().iter().any(|n| n.contains(&ip("::1"))));
            assert!(!format!("{s:?}").contains("a-long-random-secret"));
            jail.set_env("KHUYENHOC_TRUSTED_PROXIES", "[\"proxy.local\"]");
            assert!(Settings::load(None, &Overrides::default()).is_err());
            jail.set_env("KHUYENHOC_TRUSTED_PROXIES", "[]");
            jail.set_env("KHUYENHOC_METRICS_TOKEN", "short");
            assert!(Settings::load(None, &Overrides::default()).is_err());
            Ok(())
        });
        let s = Settings {
            public_url: Some("https://khuyenhoc.example.vn/app/".into()),
            ..Settings::default()
        };
        assert_eq!(
            s.public_origin().as_deref(),
            Some("https://khuyenhoc.example.vn")
        );
        assert!(s.secure_cookies());
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    /// The example file documents every setting and parses to the defaults.
    #[test]
    fn example_matches_the_defaults() {
        let text = include_str!("../../../khuyenhoc.example.toml");
        let parsed: Settings = Figment::from(Toml::string(text))
            .extract()
            .expect("the example parses");
        let defaults = Settings::default();
        assert_eq!(
            serde_json::to_value(&parsed).ok(),
            serde_json::to_value(&defaults).ok()
        );
        let keys = serde_json::to_value(&defaults)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
            .unwrap_or_default();
        for key in keys {
            assert!(
                text.contains(&format!("{key} =")),
                "{key} is not documented in khuyenhoc.example.toml"
            );
        }
    }
}
