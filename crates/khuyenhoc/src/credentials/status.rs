//! Revocation status lists (W3C Bitstring Status List v1.0): each issuing unit publishes one
//! list, `/units/{code}/status`, a signed `BitstringStatusListCredential` whose `encodedList`
//! is the bitstring (bit 0 the most significant bit of the first byte; at least 131,072 bits,
//! 16 KB) GZIP-compressed then multibase base64url (`u…`, no padding). Every credential holds a
//! `BitstringStatusListEntry` naming its bit. The bits live in `credential_status`; the list is
//! built from them on each request, so a revocation reaches verifiers at once.

use super::Signer;
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use base64::Engine;
use serde_json::{json, Value};
use sqlx::Row;
use std::io::Write;

/// The smallest list the Recommendation allows, in bits (16 KB), for group privacy.
pub const MIN_BITS: u64 = 131_072;

/// The URL of an issuing unit's status list credential.
pub fn list_url(base_url: &str, issuer: &str) -> String {
    format!("{base_url}/units/{issuer}/status")
}

/// The next free bit of `issuer`'s list, taken for the certificate `code` (the counter row's
/// lock makes concurrent recognitions at one unit wait for each other).
pub async fn allocate(tx: &mut Tx<'_>, issuer: &str, code: &str) -> Result<u64, AppError> {
    sqlx::query(
        "INSERT INTO credential_status_next (issuer, next_idx) VALUES ($1, 0) ON CONFLICT (issuer) DO NOTHING",
    )
    .bind(issuer)
    .execute(&mut **tx)
    .await?;
    let idx: i64 = sqlx::query_scalar(
        "UPDATE credential_status_next SET next_idx = next_idx + 1 WHERE issuer = $1 RETURNING next_idx - 1",
    )
    .bind(issuer)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO credential_status (issuer, idx, certificate_code, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(issuer)
    .bind(idx)
    .bind(code)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    u64::try_from(idx).map_err(|_| anyhow::anyhow!("negative status index").into())
}

/// Sets the bits of every credential issued under the certificate `code` (its current one and
/// any it replaced): the certificate is revoked.
pub async fn revoke(tx: &mut Tx<'_>, code: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE credential_status SET revoked_at = $1 WHERE certificate_code = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(code)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets one bit: a credential replaced by a reissued one.
pub async fn retire(tx: &mut Tx<'_>, issuer: &str, idx: u64) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE credential_status SET revoked_at = $1 WHERE issuer = $2 AND idx = $3 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(issuer)
    .bind(i64::try_from(idx).map_err(|_| anyhow::anyhow!("status index out of range"))?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A credential's bit: its list's issuer, its index, and whether it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bit {
    pub issuer: String,
    pub index: u64,
    pub revoked: bool,
}

/// The bit a stored credential names in its `credentialStatus`, read from the list's rows.
pub async fn bit_of(db: &Db, credential: &Value) -> Result<Option<Bit>, AppError> {
    let status = &credential["credentialStatus"];
    let (Some(url), Some(index)) = (
        status["statusListCredential"].as_str(),
        status["statusListIndex"]
            .as_str()
            .and_then(|s| s.parse::<i64>().ok()),
    ) else {
        return Ok(None);
    };
    let Some(issuer) = url
        .rsplit_once("/units/")
        .and_then(|(_, rest)| rest.strip_suffix("/status"))
    else {
        return Ok(None);
    };
    let row =
        sqlx::query("SELECT revoked_at FROM credential_status WHERE issuer = $1 AND idx = $2")
            .bind(issuer)
            .bind(index)
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let revoked_at: Option<i64> = row.try_get(0)?;
    Ok(Some(Bit {
        issuer: issuer.to_owned(),
        index: u64::try_from(index).unwrap_or_default(),
        revoked: revoked_at.is_some(),
    }))
}

/// The bitstring with `set` bits on, at least [`MIN_BITS`] long (a whole number of bytes),
/// GZIP-compressed and multibase base64url encoded.
pub fn encode(set: &[u64]) -> Result<String, AppError> {
    let needed = set.iter().max().map_or(0, |m| m + 1);
    let bits = needed.max(MIN_BITS).div_ceil(8) * 8;
    let mut bytes =
        vec![0u8; usize::try_from(bits / 8).map_err(|_| anyhow::anyhow!("list too long"))?];
    for &i in set {
        let at = usize::try_from(i / 8).map_err(|_| anyhow::anyhow!("index too large"))?;
        bytes[at] |= 0x80 >> (i % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).map_err(anyhow::Error::from)?;
    let zipped = gz.finish().map_err(anyhow::Error::from)?;
    Ok(format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(zipped)
    ))
}

/// The bitstring of an `encodedList` (for checks).
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    let zipped = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u')?)
        .ok()?;
    let mut out = vec![];
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut out).ok()?;
    Some(out)
}

/// Whether bit `index` is set in a decoded bitstring.
pub fn is_set(bits: &[u8], index: u64) -> bool {
    usize::try_from(index / 8)
        .ok()
        .and_then(|i| bits.get(i))
        .is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
}

/// The signed status list credential of the issuing unit `issuer`.
pub async fn list_credential(db: &Db, signer: &Signer, issuer: &str) -> Result<Value, AppError> {
    let set: Vec<i64> = sqlx::query_scalar(
        "SELECT idx FROM credential_status WHERE issuer = $1 AND revoked_at IS NOT NULL ORDER BY idx",
    )
    .bind(issuer)
    .fetch_all(&db.pool)
    .await?;
    let set: Vec<u64> = set
        .into_iter()
        .filter_map(|i| u64::try_from(i).ok())
        .collect();
    let url = list_url(signer.base_url(), issuer);
    let unsigned = json!({
        "@context": [khuyenhoc_docs::VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": signer.unit_did(issuer),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(&set)?,
        },
    });
    super::sign_with(signer, unsigned, issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_16_kb_gzipped_base64url_with_the_bits_set() {
        let e = encode(&[0, 7, 9, 131_071]).expect("encode");
        assert!(e.starts_with('u'));
        assert!(!e.contains('=') && !e.contains('+') && !e.contains('/'));
        let bits = decode(&e).expect("decode");
        assert_eq!(bits.len(), 16_384);
        assert_eq!(bits[0], 0b1000_0001);
        assert_eq!(bits[1], 0b0100_0000);
        assert_eq!(bits[16_383], 1);
        for i in [0, 7, 9, 131_071] {
            assert!(is_set(&bits, i), "{i}");
        }
        for i in [1, 8, 10, 131_070, 200_000] {
            assert!(!is_set(&bits, i), "{i}");
        }
        // A list grows past its minimum by whole bytes.
        let bits = decode(&encode(&[131_072]).expect("encode")).expect("decode");
        assert_eq!(bits.len(), 16_385);
        assert!(is_set(&bits, 131_072));
        // The W3C example of an empty 16 KB list decodes to zeros.
        let empty = decode(&encode(&[]).expect("encode")).expect("decode");
        assert!(empty.iter().all(|b| *b == 0) && empty.len() == 16_384);
    }
}
