//! `khuyenhoc credentials reissue`: every certificate in force whose credential is not of the
//! current form (no status list entry, an issuer that is not the unit's `did:web`, one proof
//! object, an eddsa-jcs-2022 proof: what earlier versions wrote) is signed again under the same certificate code with the
//! configured key; a bit the old credential had in a status list is set. Idempotent: a second
//! run finds nothing to do.

use crate::audit::{self, Actor, Change};
use crate::error::AppError;
use crate::evaluation::certificates;
use crate::state::AppState;

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Report {
    /// Certificates whose credential was signed again.
    pub reissued: usize,
    /// Certificates whose credential was already current.
    pub current: usize,
}

/// Reissues the credentials not of the current form, one transaction each.
///
/// # Errors
/// As [`super::signer`] (no public address or key); the database.
pub async fn run(state: &AppState) -> Result<Report, AppError> {
    let signer = super::signer(state).await?;
    let mut report = Report::default();
    for cert in certificates::in_force_all(state).await? {
        if cert.is_current(&signer) {
            report.current += 1;
            continue;
        }
        let mut tx = state.db.begin().await?;
        cert.resign(&mut tx, &signer).await?;
        let change = Change {
            unit_id: Some(cert.unit_id()),
            entity: "certificate",
            entity_id: cert.code.clone(),
            action: "reissue",
            before: None,
            after: Some(serde_json::json!({"credential": "signed again", "same_code": true})),
        };
        audit::record(&mut tx, Actor::SYSTEM, change).await?;
        tx.commit().await?;
        report.reissued += 1;
    }
    Ok(report)
}
