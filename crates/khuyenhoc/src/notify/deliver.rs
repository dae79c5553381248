//! Deliveries, each a job of the queue: a notice by email (SMTP, `lettre`), a notice to the
//! outgoing webhook (JSON signed with HMAC-SHA256), and a plain email to an address (the
//! password-recovery link, [`enqueue_mail`]).

use crate::config::Settings;
use crate::jobs::Job;
use hmac::{Hmac, Mac};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// A plain email to an address (not a notice).
pub const MAIL_JOB: &str = "notify.mail";

/// The header carrying the webhook body's signature: `sha256=` and the hex HMAC-SHA256.
pub const SIGNATURE_HEADER: &str = "X-Khuyenhoc-Signature";

#[derive(Deserialize)]
struct NoticeRef {
    notice_id: i64,
}

#[derive(Serialize, Deserialize)]
struct Mail {
    to: String,
    subject: String,
    body: String,
}

/// Enqueues an email to `to` in the caller's transaction (sent by a worker, retried if the
/// SMTP server is away).
pub async fn enqueue_mail(
    tx: &mut crate::db::Tx<'_>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), crate::error::AppError> {
    let payload = serde_json::to_string(&Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        body: body.to_owned(),
    })
    .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    crate::jobs::enqueue(tx, MAIL_JOB, &payload, crate::db::now()).await?;
    Ok(())
}

/// Sends one email through the configured SMTP server; `Ok(false)` when none is configured.
pub async fn send_mail(s: &Settings, to: &str, subject: &str, body: &str) -> Result<bool, String> {
    let (Some(host), Some(from)) = (&s.smtp_host, &s.mail_from) else {
        return Ok(false);
    };
    let from: Mailbox = from.parse().map_err(|e| format!("mail_from: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| format!("message: {e}"))?;
    let builder = match s.smtp_tls.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        _ => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| format!("SMTP: {e}"))?;
    let mut builder = builder
        .port(s.smtp_port)
        .timeout(Some(std::time::Duration::from_secs(30)));
    if let (Some(user), Some(pass)) = (&s.smtp_user, &s.smtp_pass) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .map_err(|e| format!("SMTP: {e}"))?;
    Ok(true)
}

fn notice_id(job: &Job) -> Result<i64, String> {
    serde_json::from_str::<NoticeRef>(&job.payload)
        .map(|r| r.notice_id)
        .map_err(|e| format!("payload: {e}"))
}

/// The email of a notice: Vietnamese first, English below, and the link.
pub async fn email_job(job: Job) -> Result<(), String> {
    let id = notice_id(&job)?;
    let s = &job.state.settings;
    let Some(d) = super::model::for_delivery(&job.state.db, id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let Some(to) = d.email.filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    let n = &d.notice;
    let link = n
        .link
        .as_ref()
        .map(|l| format!("\n\n{}{l}", s.base_url()))
        .unwrap_or_default();
    let body = format!(
        "Chào {},\n\n{}{link}\n\n---\n{}{link}\n\nKhuyến học · Thay đổi cách nhận thông báo / notification settings: {}/notifications/settings\n",
        d.full_name,
        n.text_vi,
        n.text_en,
        s.base_url()
    );
    let subject = format!("Khuyến học: {}", first_sentence(&n.text_vi));
    send_mail(s, &to, &subject, &body).await.map(|_| ())
}

/// A plain email ([`enqueue_mail`]).
pub async fn mail_job(job: Job) -> Result<(), String> {
    let m: Mail = serde_json::from_str(&job.payload).map_err(|e| format!("payload: {e}"))?;
    send_mail(&job.state.settings, &m.to, &m.subject, &m.body)
        .await
        .map(|_| ())
}

fn first_sentence(text: &str) -> String {
    let s = text.split(['.', ':']).next().unwrap_or(text);
    s.chars().take(80).collect()
}

/// What the webhook receives (README "Notifications" shows an example).
#[derive(Serialize)]
pub struct WebhookBody {
    pub event: String,
    pub notice_id: i64,
    pub person: WebhookPerson,
    pub text_vi: String,
    pub text_en: String,
    /// The full address of the page the notice is about.
    pub url: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

#[derive(Serialize)]
pub struct WebhookPerson {
    pub id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The signature header's value for a body: `sha256=` and the hex HMAC-SHA256 under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A notice posted to the webhook; a non-2xx answer is a failed attempt (retried).
pub async fn webhook_job(job: Job) -> Result<(), String> {
    let id = notice_id(&job)?;
    let s = &job.state.settings;
    let (Some(url), Some(secret)) = (&s.webhook_url, &s.webhook_secret) else {
        return Ok(());
    };
    let Some(d) = super::model::for_delivery(&job.state.db, id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let body = WebhookBody {
        event: d.notice.kind.clone(),
        notice_id: d.notice.id,
        person: WebhookPerson {
            id: d.person_id,
            full_name: d.full_name,
            phone: d.phone,
            email: d.email,
        },
        url: d
            .notice
            .link
            .as_ref()
            .map(|l| format!("{}{l}", s.base_url())),
        text_vi: d.notice.text_vi,
        text_en: d.notice.text_en,
        created_at: d.notice.created_at,
    };
    let bytes = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client
        .post(url)
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, signature(secret, &bytes))
        .body(bytes)
        .send()
        .await
        .map_err(|e| format!("webhook: {e}"))?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("webhook answered {}", resp.status()))
    }
}
