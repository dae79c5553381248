//! Idempotency keys bound to their request. A client that got no answer sends the same request
//! again with the same key (the `Idempotency-Key` header, or the one-time value a page's form
//! carries) and gets the first answer back: nothing is posted twice.
//!
//! The rules, the same on every route that posts money (receipts and payments, transfers,
//! reversals, pledges, programme payments, membership fees):
//!
//! * a key is 1 to 200 visible ASCII characters and belongs to the person who sent it;
//! * it is kept with the SHA-256 of its request: the operation (method and route), the target
//!   in the path (a fund, an entry, a programme, a member) and the body in canonical form
//!   (RFC 8785, after defaults are filled in: `{"amount": 5}` and `{"amount": 5, "asset":
//!   "cash"}` are the same request), and with what the request produced (its ids);
//! * the same key with the same request answers that outcome again (200 where the first
//!   answered 201), also when both arrive at once: the key's row, written in the posting's
//!   transaction, lets one commit and sends the other back to read what it posted;
//! * the same key with another request (another amount, fund, date, an invalid amount, another
//!   route) is refused with 422 naming `idempotency_key`, and nothing is posted;
//! * a key is kept [`LIFETIME`] (24 hours); after that it is forgotten and may be used again.

use crate::db::{is_unique_violation, now, Db, Tx};
use crate::error::AppError;
use khuyenhoc_domain::Invalid;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long a key is kept: a client retries within minutes, a day leaves room for a phone that
/// comes back online the next morning.
pub const LIFETIME: i64 = 24 * 60 * 60;

const BAD_KEY: Invalid = Invalid::new(
    "Khoá chống gửi trùng không hợp lệ",
    "Invalid idempotency key",
);

const REUSED: Invalid = Invalid::new(
    "Khoá chống gửi trùng (Idempotency-Key) này đã dùng cho một yêu cầu khác trong 24 giờ qua; mỗi yêu cầu mới cần một khoá mới",
    "This idempotency key (Idempotency-Key) was used for a different request in the last 24 hours; send each new request with a new key",
);

/// A key sent with a request, and the hash of that request.
#[derive(Debug, Clone)]
pub struct Claim {
    person_id: i64,
    key: String,
    hash: String,
}

/// The claim of a request, or `None` when no key was sent (blank counts as none). `operation`
/// names the route (`"POST /api/v1/funds/{id}/entries"`); `target` is the id in its path.
pub fn claim(
    person_id: i64,
    key: Option<&str>,
    operation: &str,
    target: i64,
    request: &impl Serialize,
) -> Result<Option<Claim>, AppError> {
    let key = match key.map(str::trim) {
        None | Some("") => return Ok(None),
        Some(k) if k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()) => k,
        Some(_) => return Err(AppError::field("idempotency_key", BAD_KEY)),
    };
    let body = serde_json::to_value(request).map_err(|e| anyhow::anyhow!("request: {e}"))?;
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update(b"\n");
    h.update(target.to_string().as_bytes());
    h.update(b"\n");
    h.update(khuyenhoc_docs::canonicalize(&body).as_bytes());
    Ok(Some(Claim {
        person_id,
        key: key.to_owned(),
        hash: hex::encode(h.finalize()),
    }))
}

impl Claim {
    pub fn key(&self) -> &str {
        &self.key
    }

    /// What the first request with this key produced, if it is the same request and the key
    /// has not expired; 422 when the key came with another request.
    pub async fn replay<T: DeserializeOwned>(&self, db: &Db) -> Result<Option<T>, AppError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT request_hash, outcome FROM idempotency_keys \
             WHERE person_id = $1 AND idempotency_key = $2 AND created_at > $3",
        )
        .bind(self.person_id)
        .bind(&self.key)
        .bind(now() - LIFETIME)
        .fetch_optional(&db.pool)
        .await?;
        match row {
            None => Ok(None),
            Some((hash, _)) if hash != self.hash => Err(AppError::field("idempotency_key", REUSED)),
            Some((_, outcome)) => serde_json::from_str(&outcome)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("stored outcome of a key: {e}").into()),
        }
    }

    /// Writes the key with its request's outcome in the request's transaction; an expired row
    /// of the same key goes first.
    async fn keep(&self, tx: &mut Tx<'_>, outcome: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE person_id = $1 AND idempotency_key = $2 AND created_at <= $3",
        )
        .bind(self.person_id)
        .bind(&self.key)
        .bind(now() - LIFETIME)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO idempotency_keys (person_id, idempotency_key, request_hash, outcome, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.person_id)
        .bind(&self.key)
        .bind(&self.hash)
        .bind(outcome)
        .bind(now())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// The first outcome of `claim`'s key, when it has one: what a request answers before doing
/// anything (`Ok(None)` without a key).
pub async fn replay<T: DeserializeOwned>(
    db: &Db,
    claim: Option<&Claim>,
) -> Result<Option<T>, AppError> {
    match claim {
        Some(c) => c.replay(db).await,
        None => Ok(None),
    }
}

/// Commits a request's transaction with its key's outcome. Returns the outcome and `true`, or,
/// when the same key was written meanwhile by a retry racing this request, drops the
/// transaction (nothing of it is kept) and returns the first outcome and `false` (or the 422 of
/// a key taken by another request).
pub async fn commit<T: Serialize + DeserializeOwned>(
    db: &Db,
    claim: Option<&Claim>,
    mut tx: Tx<'_>,
    outcome: T,
) -> Result<(T, bool), AppError> {
    let Some(c) = claim else {
        tx.commit().await?;
        return Ok((outcome, true));
    };
    let text = serde_json::to_string(&outcome).map_err(|e| anyhow::anyhow!("outcome: {e}"))?;
    match c.keep(&mut tx, &text).await {
        Ok(()) => {
            tx.commit().await?;
            Ok((outcome, true))
        }
        Err(e) if is_unique_violation(&e, "idempotency_keys_pkey") => {
            drop(tx);
            match c.replay(db).await? {
                Some(first) => Ok((first, false)),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}
