//! Accounts made by joining (`join/`) that an officer has not confirmed yet. Such a person logs
//! in and drafts a self-assessment, but nothing they or anyone else submits for them goes in
//! until the branch (or commune) confirms the registration.

use khuyenhoc_domain::Invalid;

/// Whether the person's account is waiting for an officer's confirmation. Takes the pool
/// (`&db.pool`) or a transaction (`&mut **tx`).
pub async fn is_pending<'e, E>(exec: E, person_id: i64) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE person_id = $1 AND status = 'pending'",
    )
    .bind(person_id)
    .fetch_one(exec)
    .await?;
    Ok(n > 0)
}

/// What a pending person is told when something would be submitted.
pub const NOT_YET: Invalid = Invalid::new(
    "Chưa thể nộp: đăng ký của bạn đang chờ chi hội xác nhận",
    "Cannot submit yet: your registration is waiting for the branch to confirm it",
);
