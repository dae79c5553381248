//! Notifications: what the program tells a person, in the inbox always (`notices`), and by the
//! channels the person chose (`notify_channels`): email over SMTP when they have an address, the
//! outgoing webhook (an SMS or Zalo gateway). A capability calls [`send`] in the transaction of
//! its change; the notice is stored and the deliveries are jobs of the queue (`jobs/`), so they
//! exist exactly when the change does, and survive a restart.
//!
//! Files: `model` (the inbox and the channels), `deliver` (the email and webhook jobs), `digest`
//! (officers' daily count of work waiting), `pages`, `api`.

pub mod api;
pub mod deliver;
pub mod digest;
pub mod model;
pub mod pages;

use crate::db::Tx;
use crate::error::AppError;

/// Job kinds of this capability.
pub const EMAIL_JOB: &str = "notify.email";
pub const WEBHOOK_JOB: &str = "notify.webhook";
pub const DIGEST_JOB: &str = "notify.digest";

/// What a person is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    RegistrationConfirmed { unit_name: String },
    EvaluationReturned { evaluation_id: i64, reason: String },
    EvaluationRecognised { evaluation_id: i64 },
    CertificateReady { evaluation_id: i64 },
    CertificateRevoked { evaluation_id: i64, reason: String },
    ReportReturned { report_id: i64, reason: String },
    ReportAccepted { report_id: i64 },
    FamilyInvitation { group_id: i64, group_name: String },
    PhoneChangeCode { code: String },
    Text { vi: String, en: String },
}

/// A notice as stored: its kind, both texts, where it leads (a path of this site).
pub struct Rendered {
    pub kind: &'static str,
    pub vi: String,
    pub en: String,
    pub link: Option<String>,
    /// Whether it may only go to the person themself (a code): never to the webhook log.
    pub secret: bool,
}

impl Notice {
    /// The machine name of the notice (the webhook's `event`).
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::RegistrationConfirmed { .. } => "registration_confirmed",
            Notice::EvaluationReturned { .. } => "evaluation_returned",
            Notice::EvaluationRecognised { .. } => "evaluation_recognised",
            Notice::CertificateReady { .. } => "certificate_ready",
            Notice::CertificateRevoked { .. } => "certificate_revoked",
            Notice::ReportReturned { .. } => "report_returned",
            Notice::ReportAccepted { .. } => "report_accepted",
            Notice::FamilyInvitation { .. } => "family_invitation",
            Notice::PhoneChangeCode { .. } => "phone_change_code",
            Notice::Text { .. } => "text",
        }
    }

    /// Both texts and the link; `report_link` is the page of a report (looked up by [`send`]).
    pub fn render(&self, report_link: Option<String>) -> Rendered {
        let kind = self.kind();
        let ev = |id: &i64| Some(format!("/evaluations/{id}"));
        let (vi, en, link, secret) = match self {
            Notice::RegistrationConfirmed { unit_name } => (
                format!("Đăng ký của bạn tại {unit_name} đã được xác nhận."),
                format!("Your registration at {unit_name} has been confirmed."),
                Some("/learning".to_owned()),
                false,
            ),
            Notice::EvaluationReturned {
                evaluation_id,
                reason,
            } => (
                format!("Bản tự đánh giá của bạn đã được trả lại để sửa. Lý do: {reason}"),
                format!("Your self-assessment was returned for changes. Reason: {reason}"),
                ev(evaluation_id),
                false,
            ),
            Notice::EvaluationRecognised { evaluation_id } => (
                "Bản tự đánh giá của bạn đã được công nhận; giấy chứng nhận đã sẵn sàng để tải về."
                    .to_owned(),
                "Your self-assessment has been recognised; your certificate is ready to download."
                    .to_owned(),
                ev(evaluation_id),
                false,
            ),
            Notice::CertificateReady { evaluation_id } => (
                "Giấy chứng nhận của bạn đã sẵn sàng để tải về.".to_owned(),
                "Your certificate is ready to download.".to_owned(),
                ev(evaluation_id),
                false,
            ),
            Notice::CertificateRevoked {
                evaluation_id,
                reason,
            } => (
                format!("Giấy chứng nhận của bạn đã bị thu hồi. Lý do: {reason}"),
                format!("Your certificate has been revoked. Reason: {reason}"),
                ev(evaluation_id),
                false,
            ),
            Notice::ReportReturned { reason, .. } => (
                format!("Báo cáo bạn nộp đã được trả lại. Lý do: {reason}"),
                format!("A report you submitted was returned. Reason: {reason}"),
                report_link,
                false,
            ),
            Notice::ReportAccepted { .. } => (
                "Báo cáo bạn nộp đã được chấp nhận.".to_owned(),
                "A report you submitted has been accepted.".to_owned(),
                report_link,
                false,
            ),
            Notice::FamilyInvitation { group_name, .. } => (
                format!("Bạn được mời tham gia “{group_name}”. Hãy mở để đồng ý hoặc từ chối."),
                format!("You are invited to join “{group_name}”. Open it to accept or decline."),
                Some("/learning".to_owned()),
                false,
            ),
            Notice::PhoneChangeCode { code } => (
                format!("Mã xác nhận thay đổi số điện thoại hoặc email của bạn: {code}"),
                format!("Your code to confirm the change of your phone or email: {code}"),
                None,
                true,
            ),
            Notice::Text { vi, en } => (vi.clone(), en.clone(), None, false),
        };
        Rendered {
            kind,
            vi,
            en,
            link,
            secret,
        }
    }
}

/// Tells `person_id` something: stores the notice in their inbox and enqueues its email (when
/// they have an address and did not turn email off) and webhook (when they chose it), all in
/// the caller's transaction.
pub async fn send(tx: &mut Tx<'_>, person_id: i64, notice: Notice) -> Result<(), AppError> {
    let report_link = match &notice {
        Notice::ReportReturned { report_id, .. } | Notice::ReportAccepted { report_id } => {
            model::report_link(tx, *report_id).await?
        }
        _ => None,
    };
    let r = notice.render(report_link);
    let id = model::insert(tx, person_id, &r).await?;
    let ch = model::channels_tx(tx, person_id).await?;
    let payload = serde_json::json!({ "notice_id": id }).to_string();
    let at = crate::db::now();
    if ch.email && ch.has_email {
        crate::jobs::enqueue(tx, EMAIL_JOB, &payload, at).await?;
    }
    if ch.webhook {
        crate::jobs::enqueue(tx, WEBHOOK_JOB, &payload, at).await?;
    }
    Ok(())
}

/// Tells the person an evaluation is about (or the head of the family, clan or organisation);
/// a unit's evaluation has nobody to tell.
pub async fn to_evaluation_subject(
    tx: &mut Tx<'_>,
    evaluation_id: i64,
    notice: Notice,
) -> Result<(), AppError> {
    let person: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT CASE e.subject_kind WHEN 'person' THEN e.subject_id \
         WHEN 'group' THEN (SELECT g.head_person_id FROM learning_groups g WHERE g.id = e.subject_id) \
         ELSE NULL END FROM evaluations e WHERE e.id = $1",
    )
    .bind(evaluation_id)
    .fetch_optional(&mut **tx)
    .await?;
    match person.flatten() {
        Some(p) => send(tx, p, notice).await,
        None => Ok(()),
    }
}

/// The job handlers and periodic ticks of this capability (gathered by `crate::background`).
pub fn register(reg: &mut crate::jobs::Registry) {
    reg.handle(EMAIL_JOB, deliver::email_job)
        .handle(WEBHOOK_JOB, deliver::webhook_job)
        .handle(deliver::MAIL_JOB, deliver::mail_job)
        .handle(DIGEST_JOB, digest::job)
        .every(DIGEST_JOB, digest::when);
}

/// The routes of the inbox, its settings and its API.
pub fn routes() -> Vec<crate::web::route::Route> {
    let mut r = pages::routes();
    r.extend(api::routes());
    r
}
