//! Recognition decisions and certificates: a PDF with a QR code, a public verify page, a signed
//! credential in the Open Badges 3.0 shape (Ed25519), and revocation with a reason.
//! Long file: issuing, verifying, revoking and reissuing share the credential's steps.

use super::model::Acting;
use super::model::Evaluation;
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::credentials::{status, Signer};
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use khuyenhoc_criteria::CriteriaSet;
use khuyenhoc_domain::Invalid;
use serde::Serialize;
use sqlx::Row;

pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, AppError> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| {
            AppError::field(
                field,
                Invalid::new(
                    "Ngày không hợp lệ (ví dụ 15/12/2025)",
                    "Invalid date (e.g. 2025-12-15)",
                ),
            )
        })
}

/// "Nguyễn Thị Lan" → "Nguyễn T. L.": enough to recognise, not enough to identify.
pub fn mask_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let first = words.next().unwrap_or_default().to_owned();
    let rest: Vec<String> = words
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{c}."))
        .collect();
    std::iter::once(first)
        .chain(rest)
        .collect::<Vec<_>>()
        .join(" ")
}

fn code() -> String {
    // 16 characters without look-alikes: short enough to type from paper.
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The decision number and date typed by the reviewer, checked: a number of at most 50
/// characters, a date no later than tomorrow in Vietnam (`today`, the app clock's day there).
pub(crate) fn decision(
    decision_no: &str,
    decision_date: &str,
    today: NaiveDate,
) -> Result<(String, NaiveDate), AppError> {
    let no = khuyenhoc_domain::text::clean(decision_no);
    if no.is_empty() || no.chars().count() > 50 {
        return Err(AppError::field(
            "decision_no",
            Invalid::new(
                "Cần số quyết định (tối đa 50 ký tự)",
                "Give the decision number (at most 50 characters)",
            ),
        ));
    }
    let date = parse_date("decision_date", decision_date)?;
    if date > today + chrono::Duration::days(1) {
        return Err(AppError::field(
            "decision_date",
            Invalid::new(
                "Ngày quyết định không thể ở tương lai",
                "The decision date cannot be in the future",
            ),
        ));
    }
    Ok((no, date))
}

/// The issuing unit of a credential: the unit of the position that recognised (a commune), as
/// its code and name.
pub struct Issuer<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

/// The holder as the credential identifies them, hashed with a fresh salt: their phone when
/// they are a person with one, else the program's own id of the subject.
async fn identity(tx: &mut Tx<'_>, e: &Evaluation) -> Result<khuyenhoc_docs::Identity, AppError> {
    let phone: Option<String> = if e.subject_kind == "person" {
        sqlx::query_scalar("SELECT phone FROM people WHERE id = $1")
            .bind(e.subject_id)
            .fetch_optional(&mut **tx)
            .await?
            .flatten()
    } else {
        None
    };
    let (kind, value) = match phone.filter(|p| !p.trim().is_empty()) {
        Some(p) => ("ext:phoneNumber", p.trim().to_owned()),
        None => ("systemId", format!("{}:{}", e.subject_kind, e.subject_id)),
    };
    let salt: [u8; 16] = rand::random();
    Ok(khuyenhoc_docs::Identity {
        kind: kind.into(),
        value,
        salt: hex::encode(salt),
    })
}

/// Signs the credential of certificate `code`: its bit in the issuer's status list taken, the
/// holder's identity hashed, the proof by the configured key as the issuing unit.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn sign_credential(
    tx: &mut Tx<'_>,
    signer: &Signer,
    e: &Evaluation,
    set: &CriteriaSet,
    code: &str,
    issuer: &Issuer<'_>,
    total: i64,
    validity: (NaiveDate, NaiveDate),
) -> Result<serde_json::Value, AppError> {
    let index = status::allocate(tx, issuer.code, code).await?;
    let identity = identity(tx, e).await?;
    let status = (status::list_url(signer.base_url(), issuer.code), index);
    let input = badge_input(
        signer,
        e,
        set,
        code,
        issuer,
        total,
        validity,
        (identity, status),
    );
    khuyenhoc_docs::issue_badge(
        &input,
        signer.key(),
        &signer.verification_method(issuer.code),
    )
    .map_err(|e| anyhow::anyhow!("signing the credential: {e:?}").into())
}

/// What the signed credential says: the title, its holder, the issuer and the validity.
#[allow(clippy::too_many_arguments)]
fn badge_input(
    signer: &Signer,
    e: &Evaluation,
    set: &CriteriaSet,
    code: &str,
    issuer: &Issuer<'_>,
    total: i64,
    (valid_from, valid_until): (NaiveDate, NaiveDate),
    (identity, status): (khuyenhoc_docs::Identity, (String, u64)),
) -> khuyenhoc_docs::BadgeInput {
    let base = signer.base_url();
    khuyenhoc_docs::BadgeInput {
        verify_url: format!("{base}/verify/{code}"),
        issuer_id: signer.unit_did(issuer.code),
        issuer_name: format!("Hội Khuyến học {}", issuer.name),
        holder_name: e.subject_name.clone(),
        achievement_id: format!("{base}/criteria/{}", e.set_id),
        achievement_name: format!("{} năm {}", set.title().vi, e.year),
        achievement_description: format!(
            "Danh hiệu «{}» do Hội Khuyến học Việt Nam công nhận.",
            set.title().vi
        ),
        criteria_narrative: format!(
            "Đạt {} điểm theo bộ tiêu chí «{}» phiên bản {}.",
            total,
            set.title().vi,
            set.version()
        ),
        valid_from,
        valid_until,
        identity,
        status,
    }
}

/// Records the recognition and issues the certificate, in the reviewer's transaction.
/// `signer` is read before the transaction starts (on SQLite a second connection could not write
/// it while the transaction holds the write lock).
#[allow(clippy::too_many_arguments)]
pub async fn recognise(
    tx: &mut Tx<'_>,
    state: &AppState,
    signer_key: &Signer,
    e: &Evaluation,
    set: &CriteriaSet,
    a: Acting,
    decision_no: &str,
    decision_date: &str,
    total: i64,
) -> Result<(), AppError> {
    let (no, date) = decision(decision_no, decision_date, state.clock.vn_today())?;
    let year = u16::try_from(e.year).map_err(|_| anyhow::anyhow!("year out of range"))?;
    // A title runs to the end of its last valid year; one recognised after that (a year's
    // evaluations reviewed early the next year) runs to the end of the decision's year.
    let last_year = i32::from(set.valid_until(year)).max(date.year());
    let until = NaiveDate::from_ymd_opt(last_year, 12, 31)
        .ok_or_else(|| anyhow::anyhow!("bad validity"))?;
    let position_id = a.actor.position_id.ok_or(AppError::NotFound)?;
    let signer = sqlx::query(
        "SELECT pe.full_name, pt.name_vi, u.name, u.path, u.id, u.code FROM people pe, positions po JOIN position_types pt ON pt.id = po.type_id JOIN units u ON u.id = po.unit_id \
         WHERE pe.id = $1 AND po.id = $2",
    )
    .bind(a.actor.person_id)
    .bind(position_id)
    .fetch_one(&mut **tx)
    .await?;
    let (signer_name, _signer_title, issuer_unit): (String, String, String) =
        (signer.try_get(0)?, signer.try_get(1)?, signer.try_get(2)?);
    let issuer_id: i64 = signer.try_get(4)?;
    let issuer_code: String = signer.try_get(5)?;
    // One decision per number of the issuing unit, shared by everyone recognised under it.
    let decision_id = super::worklist::decision::find_or_create(
        tx,
        issuer_id,
        &no,
        date,
        (Some(position_id), &signer_name),
        a.actor.person_id,
    )
    .await?;
    sqlx::query("INSERT INTO recognitions (evaluation_id, decision_no, decision_date, signer_position_id, signer_name, valid_until, created_at, decision_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(e.id)
        .bind(&no)
        .bind(date.format("%Y-%m-%d").to_string())
        .bind(position_id)
        .bind(&signer_name)
        .bind(until.format("%Y-%m-%d").to_string())
        .bind(now())
        .bind(decision_id)
        .execute(&mut **tx)
        .await?;
    let code = code();
    let issuer = Issuer {
        code: &issuer_code,
        name: &issuer_unit,
    };
    let credential =
        sign_credential(tx, signer_key, e, set, &code, &issuer, total, (date, until)).await?;
    sqlx::query("INSERT INTO certificates (evaluation_id, code, issued_at, credential, holder_name) VALUES ($1, $2, $3, $4, $5)")
        .bind(e.id)
        .bind(&code)
        .bind(now())
        .bind(credential.to_string())
        .bind(&e.subject_name)
        .execute(&mut **tx)
        .await?;
    let change = Change {
        unit_id: Some(e.unit_id),
        entity: "certificate",
        entity_id: code.clone(),
        action: "issue",
        before: None,
        after: Some(
            serde_json::json!({"evaluation": e.id, "decision_no": no, "valid_until": until.to_string()}),
        ),
    };
    audit::record(tx, a.actor, change).await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Certificate {
    pub code: String,
    pub evaluation_id: i64,
    pub model: String,
    pub title_vi: String,
    pub year: i64,
    pub holder_name: String,
    pub holder_masked: String,
    pub unit_code: String,
    #[serde(skip)]
    pub unit_path: String,
    pub issuer_name: String,
    pub province_name: String,
    pub decision_no: String,
    pub decision_date: String,
    pub signer_name: String,
    pub signer_position: String,
    pub valid_until: String,
    pub revoked: bool,
    /// The day it was revoked (`dd/mm/yyyy`): what the public verify page and API show.
    pub revoked_on: Option<String>,
    /// Why, for officers in scope only: never on the public verify page or API.
    pub revoke_reason: Option<String>,
    pub status: &'static str,
    #[serde(skip)]
    pub credential: String,
    #[serde(skip)]
    pub subject_kind: String,
    #[serde(skip)]
    pub subject_id: i64,
}

impl Certificate {
    /// The decision's day as people write it (`dd/mm/yyyy`).
    pub fn decision_day(&self) -> String {
        crate::i18n::day(&self.decision_date)
    }
    /// The last valid day as people write it (`dd/mm/yyyy`).
    pub fn valid_until_day(&self) -> String {
        crate::i18n::day(&self.valid_until)
    }
    pub fn status_vi(&self) -> &'static str {
        match self.status {
            "valid" => "Còn hiệu lực",
            "expired" => "Đã hết hạn",
            _ => "Đã bị thu hồi",
        }
    }
    pub fn status_en(&self) -> &'static str {
        match self.status {
            "valid" => "Valid",
            "expired" => "Expired",
            _ => "Revoked",
        }
    }
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Certificate>, AppError> {
    let code = code.trim().to_uppercase();
    if code.len() != 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT c.code, e.id, e.model, cs.title_vi, e.year, COALESCE(c.holder_name, e.subject_name), u.code, u.path, pu.name, r.decision_no, r.decision_date, r.signer_name, \
         pt.name_vi, r.valid_until, c.revoked_at, c.revoke_reason, c.credential, e.subject_kind, e.subject_id \
         FROM certificates c JOIN evaluations e ON e.id = c.evaluation_id JOIN criteria_sets cs ON cs.id = e.set_id \
         JOIN units u ON u.id = e.unit_id JOIN recognitions r ON r.evaluation_id = e.id \
         LEFT JOIN positions po ON po.id = r.signer_position_id LEFT JOIN position_types pt ON pt.id = po.type_id LEFT JOIN units pu ON pu.id = po.unit_id \
         WHERE c.code = $1",
    )
    .bind(&code)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let path: String = r.try_get(7)?;
    let province_path = crate::org::ancestor_path(&path, 1).unwrap_or_else(|| "/VN/".to_owned());
    let province_name: String = sqlx::query_scalar("SELECT name FROM units WHERE path = $1")
        .bind(&province_path)
        .fetch_optional(&db.pool)
        .await?
        .unwrap_or_default();
    let holder: String = r.try_get(5)?;
    let revoked_at: Option<i64> = r.try_get(14)?;
    let valid_until: String = r.try_get(13)?;
    let today = crate::db::today();
    let status = if revoked_at.is_some() {
        "revoked"
    } else if valid_until < today {
        "expired"
    } else {
        "valid"
    };
    let issuer_unit: Option<String> = r.try_get(8)?;
    Ok(Some(Certificate {
        code: r.try_get(0)?,
        evaluation_id: r.try_get(1)?,
        model: r.try_get(2)?,
        title_vi: r.try_get(3)?,
        year: r.try_get(4)?,
        holder_masked: mask_name(&holder),
        holder_name: holder,
        unit_code: r.try_get(6)?,
        unit_path: path,
        issuer_name: format!("Hội Khuyến học {}", issuer_unit.unwrap_or_default()),
        province_name,
        decision_no: r.try_get(9)?,
        decision_date: r.try_get(10)?,
        signer_name: r.try_get(11)?,
        signer_position: r.try_get::<Option<String>, _>(12)?.unwrap_or_default(),
        valid_until,
        revoked: revoked_at.is_some(),
        revoked_on: revoked_at.map(|t| crate::i18n::date_of(&Some(t))),
        revoke_reason: r.try_get(15)?,
        status,
        credential: r.try_get(16)?,
        subject_kind: r.try_get(17)?,
        subject_id: r.try_get(18)?,
    }))
}

/// The certificate, for its holder or an officer in scope.
pub async fn for_viewer(db: &Db, viewer: &Viewer, code: &str) -> Result<Certificate, AppError> {
    let c = by_code(db, code).await?.ok_or(AppError::NotFound)?;
    let own = c.subject_kind == "person" && c.subject_id == viewer.person_id;
    if own || viewer.can_read(&c.unit_path) {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn pdf(state: &AppState, c: &Certificate) -> Result<Vec<u8>, AppError> {
    let date = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|e| anyhow::anyhow!("stored date {s}: {e}"))
    };
    let doc = khuyenhoc_docs::Certificate {
        title: c.title_vi.clone(),
        year: i32::try_from(c.year).unwrap_or(2025),
        holder_name: c.holder_name.clone(),
        issuer_name: c.issuer_name.clone(),
        province_name: c.province_name.clone(),
        decision_number: c.decision_no.clone(),
        decision_date: date(&c.decision_date)?,
        signer_position: format!("TM. BAN CHẤP HÀNH\n{}", c.signer_position),
        signer_name: c.signer_name.clone(),
        valid_until: date(&c.valid_until)?,
        verify_url: format!("{}/verify/{}", state.settings.base_url(), c.code),
    };
    let bytes = tokio::task::spawn_blocking(move || khuyenhoc_docs::certificate_pdf(&doc))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    bytes.map_err(|e| anyhow::anyhow!("certificate PDF: {e:?}").into())
}

/// Revokes a certificate with a reason (a recognising officer in scope).
pub async fn revoke(
    db: &Db,
    viewer: &Viewer,
    code: &str,
    reason: &str,
) -> Result<Certificate, AppError> {
    let c = for_viewer(db, viewer, code).await?;
    let p = viewer
        .position_for(perm::EVALUATION_RECOGNISE, &c.unit_path)
        .ok_or(AppError::NotFound)?;
    let e = super::model::by_id(db, c.evaluation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if super::service::own(db, viewer, &e).await? {
        return Err(super::service::own_record());
    }
    let reason = khuyenhoc_domain::text::clean(reason);
    if reason.chars().count() < 3 {
        return Err(AppError::field(
            "reason",
            Invalid::new("Cần ghi rõ lý do thu hồi", "Give the reason for revoking"),
        ));
    }
    if c.revoked {
        return Err(AppError::bad_request(
            "Giấy chứng nhận này đã bị thu hồi",
            "This certificate is already revoked",
        ));
    }
    let mut tx = db.begin().await?;
    let actor = crate::audit::Actor::new(viewer.person_id, Some(p.position_id));
    revoke_in(&mut tx, actor, &c.code, c.evaluation_id, &reason).await?;
    tx.commit().await?;
    by_code(db, &c.code).await?.ok_or(AppError::NotFound)
}

/// Revokes the certificate `code` of an evaluation in the caller's transaction (one, or many
/// in bulk), with a reason already checked: the mark, the notice to its holder, the audit
/// entry, and the title out of every count. A certificate revoked meanwhile is refused.
pub(crate) async fn revoke_in(
    tx: &mut Tx<'_>,
    actor: crate::audit::Actor,
    code: &str,
    evaluation_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    let n = sqlx::query("UPDATE certificates SET revoked_at = $1, revoke_reason = $2 WHERE code = $3 AND revoked_at IS NULL")
        .bind(now())
        .bind(reason)
        .bind(code)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(AppError::bad_request(
            "Giấy chứng nhận này đã bị thu hồi",
            "This certificate is already revoked",
        ));
    }
    // Its bit in the issuer's status list: verifiers elsewhere learn it at once.
    status::revoke(tx, code).await?;
    let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM evaluations WHERE id = $1")
        .bind(evaluation_id)
        .fetch_one(&mut **tx)
        .await?;
    let change = Change {
        unit_id: Some(unit_id),
        entity: "certificate",
        entity_id: code.to_owned(),
        action: "revoke",
        before: None,
        after: Some(serde_json::json!({"reason": reason})),
    };
    let notice = crate::notify::Notice::CertificateRevoked {
        evaluation_id,
        reason: reason.to_owned(),
    };
    crate::notify::to_evaluation_subject(tx, evaluation_id, notice).await?;
    audit::record(tx, actor, change).await?;
    // The title leaves every count in this transaction (counters at the unit and its
    // ancestors, and so every report; `score` and `stats` read `revoked_at`).
    let before = crate::reports::counters::EvalFacts::load(tx, evaluation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // From now on it counts as registered, never as recognised (`evaluations.revoked_at`).
    sqlx::query("UPDATE evaluations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(evaluation_id)
        .execute(&mut **tx)
        .await?;
    let after = crate::reports::counters::EvalFacts::load(tx, evaluation_id).await?;
    crate::reports::counters::evaluation_changed(tx, Some(&before), after.as_ref()).await?;
    Ok(())
}

/// Year of a date string, for display.
pub fn year_of(d: &str) -> i32 {
    NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map(|d| d.year())
        .unwrap_or(0)
}

/// A certificate in force that carries a person's name, with what reissuing it needs (read
/// before the correcting transaction: the set is parsed through the cache).
pub struct InForce {
    pub code: String,
    pub holder_name: String,
    evaluation: Evaluation,
    set: std::sync::Arc<CriteriaSet>,
    decision_date: NaiveDate,
    valid_until: NaiveDate,
    issuer_unit: String,
    issuer_code: String,
    credential: String,
}

/// The certificates in force of a person's own evaluations.
pub async fn in_force_for_person(
    state: &AppState,
    person_id: i64,
) -> Result<Vec<InForce>, AppError> {
    in_force(state, Some(person_id)).await
}

/// Every certificate in force (for `khuyenhoc credentials reissue`), oldest first.
pub async fn in_force_all(state: &AppState) -> Result<Vec<InForce>, AppError> {
    in_force(state, None).await
}

async fn in_force(state: &AppState, person_id: Option<i64>) -> Result<Vec<InForce>, AppError> {
    let rows = sqlx::query(
        "SELECT c.code, COALESCE(c.holder_name, e.subject_name), e.id, r.decision_date, r.valid_until, COALESCE(pu.name, ''), COALESCE(pu.code, u.code), c.credential \
         FROM certificates c JOIN evaluations e ON e.id = c.evaluation_id JOIN recognitions r ON r.evaluation_id = e.id JOIN units u ON u.id = e.unit_id \
         LEFT JOIN positions po ON po.id = r.signer_position_id LEFT JOIN units pu ON pu.id = po.unit_id \
         WHERE ($1 IS NULL OR (e.subject_kind = 'person' AND e.subject_id = $1)) AND c.revoked_at IS NULL ORDER BY c.id",
    )
    .bind(person_id)
    .fetch_all(&state.db.pool)
    .await?;
    let date = |s: String| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|e| AppError::from(anyhow::anyhow!("stored date {s}: {e}")))
    };
    let mut out = vec![];
    for r in rows {
        let evaluation = super::model::by_id(&state.db, r.try_get(2)?)
            .await?
            .ok_or(AppError::NotFound)?;
        let set = super::sets::by_id(state, evaluation.set_id).await?;
        out.push(InForce {
            code: r.try_get(0)?,
            holder_name: r.try_get(1)?,
            evaluation,
            set,
            decision_date: date(r.try_get(3)?)?,
            valid_until: date(r.try_get(4)?)?,
            issuer_unit: r.try_get(5)?,
            issuer_code: r.try_get(6)?,
            credential: r.try_get(7)?,
        });
    }
    Ok(out)
}

impl InForce {
    /// The unit of the recognised evaluation.
    pub fn unit_id(&self) -> i64 {
        self.evaluation.unit_id
    }

    /// Whether its stored credential is of the current form: a status list entry, the issuer
    /// the unit's DID under the configured public address, and a proof array of the current
    /// cryptosuite (eddsa-rdfc-2022; earlier versions signed eddsa-jcs-2022).
    pub fn is_current(&self, signer: &Signer) -> bool {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&self.credential) else {
            return false;
        };
        v.get("credentialStatus").is_some()
            && v["issuer"]["id"].as_str() == Some(signer.unit_did(&self.issuer_code).as_str())
            && v["proof"].is_array()
            && v["proof"][0]["cryptosuite"] == khuyenhoc_docs::CRYPTOSUITE
    }

    /// Signs its credential again under the same code (a new status bit, the old bit set),
    /// in the caller's transaction.
    pub async fn resign(&self, tx: &mut Tx<'_>, signer: &Signer) -> Result<(), AppError> {
        if let Ok(old) = serde_json::from_str::<serde_json::Value>(&self.credential) {
            let status = &old["credentialStatus"];
            if let (Some(url), Some(idx)) = (
                status["statusListCredential"].as_str(),
                status["statusListIndex"]
                    .as_str()
                    .and_then(|i| i.parse::<u64>().ok()),
            ) {
                if let Some(issuer) = url
                    .rsplit_once("/units/")
                    .and_then(|(_, r)| r.strip_suffix("/status"))
                {
                    status::retire(tx, issuer, idx).await?;
                }
            }
        }
        let mut e = self.evaluation.clone();
        e.subject_name = self.holder_name.clone();
        let issuer = Issuer {
            code: &self.issuer_code,
            name: &self.issuer_unit,
        };
        let credential = sign_credential(
            tx,
            signer,
            &e,
            &self.set,
            &self.code,
            &issuer,
            e.total,
            (self.decision_date, self.valid_until),
        )
        .await?;
        sqlx::query("UPDATE certificates SET credential = $1 WHERE code = $2")
            .bind(credential.to_string())
            .bind(&self.code)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Revokes each certificate with `reason` and issues a new one, same decision and validity,
/// carrying `new_name`, in the caller's transaction; the new codes, in order.
pub async fn reissue(
    tx: &mut Tx<'_>,
    signer: &Signer,
    certs: &[InForce],
    new_name: &str,
    reason: &str,
    actor: crate::audit::Actor,
) -> Result<Vec<String>, AppError> {
    let mut codes = vec![];
    for old in certs {
        let t = now();
        sqlx::query("UPDATE certificates SET revoked_at = $1, revoke_reason = $2 WHERE code = $3 AND revoked_at IS NULL")
            .bind(t)
            .bind(reason)
            .bind(&old.code)
            .execute(&mut **tx)
            .await?;
        status::revoke(tx, &old.code).await?;
        let mut e = old.evaluation.clone();
        e.subject_name = new_name.to_owned();
        let code = code();
        let issuer = Issuer {
            code: &old.issuer_code,
            name: &old.issuer_unit,
        };
        let credential = sign_credential(
            tx,
            signer,
            &e,
            &old.set,
            &code,
            &issuer,
            e.total,
            (old.decision_date, old.valid_until),
        )
        .await?;
        sqlx::query("INSERT INTO certificates (evaluation_id, code, issued_at, credential, holder_name) VALUES ($1, $2, $3, $4, $5)")
            .bind(e.id)
            .bind(&code)
            .bind(t)
            .bind(credential.to_string())
            .bind(new_name)
            .execute(&mut **tx)
            .await?;
        let revoked = Change {
            unit_id: Some(e.unit_id),
            entity: "certificate",
            entity_id: old.code.clone(),
            action: "revoke",
            before: None,
            after: Some(serde_json::json!({"reason": reason, "replaced_by": code})),
        };
        audit::record(tx, actor, revoked).await?;
        let issued = Change {
            unit_id: Some(e.unit_id),
            entity: "certificate",
            entity_id: code.clone(),
            action: "reissue",
            before: Some(serde_json::json!({"code": old.code, "holder_name": old.holder_name})),
            after: Some(serde_json::json!({"evaluation": e.id, "holder_name": new_name})),
        };
        audit::record(tx, actor, issued).await?;
        // One notice for the pair: the new certificate replaces the revoked one.
        let ready = crate::notify::Notice::CertificateReady {
            evaluation_id: e.id,
        };
        crate::notify::to_evaluation_subject(tx, e.id, ready).await?;
        codes.push(code);
    }
    Ok(codes)
}
