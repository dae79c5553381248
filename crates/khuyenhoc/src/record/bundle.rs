//! The record as a signed bundle the person downloads: a W3C Verifiable Presentation (VC data
//! model 2.0) holding each certificate credential of the person exactly as it was issued (its
//! own proof intact), and a summary credential of the whole record; the summary and the
//! presentation are signed with the program's key.
//!
//! **Signing happens in one place, [`sign`]**: `credentials::sign` as the central office, an
//! `eddsa-rdfc-2022` proof by the configured key named in `did:web:HOST:units:VN`, the same
//! suite as the certificates. Anyone checks a bundle with
//! `khuyenhoc_docs::verify_presentation` and the key the DID document publishes.

use super::model::Record;
use crate::error::AppError;
use crate::state::AppState;
use serde_json::{json, Value};

/// The unit the record's summary and presentation are signed as: the Association's central
/// office (`did:web:HOST:units:VN`, its DID document at `/units/VN/did.json`).
const ISSUER_UNIT: &str = "VN";

/// Signs `doc` with the program's key as the central office (the one function to switch with
/// the credentials: `credentials::sign`).
pub async fn sign(state: &AppState, doc: Value) -> Result<Value, AppError> {
    crate::credentials::sign(state, doc, ISSUER_UNIT).await
}

/// The issuer id of the summary (see [`sign`]).
async fn issuer_id(state: &AppState) -> Result<String, AppError> {
    Ok(crate::credentials::signer(state)
        .await?
        .unit_did(ISSUER_UNIT))
}

fn urn() -> String {
    format!("urn:uuid:{}", uuid_v4())
}

fn uuid_v4() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// What the summary credential says of the record (the person's name, never an ID number).
fn summary_subject(r: &Record, base: &str) -> Value {
    json!({
        "type": ["LearningRecordSubject"],
        "name": r.person.full_name,
        "evaluations": r.evaluations.iter().map(|e| json!({
            "model": e.model, "year": e.year, "unit": e.unit_name,
            "status": if e.revoked { "revoked" } else { e.status.as_str() }, "score": e.total
        })).collect::<Vec<_>>(),
        "certificates": r.certificates.iter().map(|c| json!({
            "id": format!("{base}/verify/{}", c.code), "title": c.title_vi, "year": c.year,
            "decision": c.decision_no, "decisionDate": c.decision_date,
            "validUntil": c.valid_until, "status": c.status
        })).collect::<Vec<_>>(),
        "awards": r.awards.iter().map(|a| json!({
            "kind": a.kind, "programme": a.programme, "unit": a.unit_name,
            "amountVnd": a.amount, "paidOn": a.paid_on
        })).collect::<Vec<_>>(),
        "trainings": r.trainings.iter().map(|t| json!({
            "title": t.title, "unit": t.unit_name, "heldOn": t.held_on
        })).collect::<Vec<_>>(),
    })
}

/// The signed presentation of `r`: every certificate credential of the person still in force
/// or expired (revoked ones are left out: they no longer vouch for anything), then the signed
/// summary.
pub async fn presentation(state: &AppState, r: &Record) -> Result<Value, AppError> {
    let base = state.settings.base_url();
    let issuer = issuer_id(state).await?;
    let now = state
        .clock
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let summary = json!({
        // The summary's own terms (evaluations, awards, …) are the W3C's "undefined terms":
        // signed under `https://www.w3.org/ns/credentials/undefined-term#`, not dropped.
        "@context": [khuyenhoc_docs::VC_CONTEXT, khuyenhoc_docs::UNDEFINED_TERMS_CONTEXT],
        "id": urn(),
        "type": ["VerifiableCredential", "LearningRecordCredential"],
        "name": "Hồ sơ học tập suốt đời",
        "issuer": {"id": issuer, "name": "Hội Khuyến học Việt Nam"},
        "validFrom": now,
        "credentialSubject": summary_subject(r, &base),
    });
    let summary = sign(state, summary).await?;
    let mut held = vec![];
    for c in r.certificates.iter().filter(|c| c.status != "revoked") {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT credential FROM certificates WHERE code = $1")
                .bind(&c.code)
                .fetch_optional(&state.db.pool)
                .await?;
        if let Some(text) = stored {
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("stored credential {}: {e}", c.code))?;
            held.push(v);
        }
    }
    held.push(summary);
    let vp = json!({
        "@context": [khuyenhoc_docs::VC_CONTEXT],
        "id": urn(),
        "type": ["VerifiablePresentation"],
        "verifiableCredential": held,
    });
    sign(state, vp).await
}
