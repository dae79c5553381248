//! Passwords, hashed with argon2id on a blocking thread (hashing is the CPU cost of a login).
//! At most one hash per core runs at a time: each takes 19 MiB and tens of milliseconds, and a
//! burst of logins must queue rather than take the server's memory (the soak measured 0.5–0.7 GB
//! with unbounded concurrent hashing) or starve every other request of CPU.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use khuyenhoc_domain::Invalid;

/// A hash of a password nobody has, checked when the login name is unknown so that the answer
/// takes as long as for a real account.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(super::random_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

pub fn check_strength(pw: &str) -> Result<(), Invalid> {
    let n = pw.chars().count();
    if !(8..=128).contains(&n) {
        return Err(Invalid::new(
            "Mật khẩu phải có từ 8 đến 128 ký tự",
            "Password must have 8 to 128 characters",
        ));
    }
    Ok(())
}

/// Runs one argon2 computation on a blocking thread, waiting for a free core first.
async fn on_a_core<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    static CORES: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let cores = CORES.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _permit = cores.acquire().await?;
    tokio::task::spawn_blocking(work).await?
}

pub async fn hash(pw: String) -> anyhow::Result<String> {
    on_a_core(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await
}

/// Whether `pw` matches `stored`; with no stored hash, spends the same time and answers false.
/// The argon2 computation runs first and always: deciding on `stored` before it would answer an
/// unknown phone number in a millisecond and a known one in tens, which tells them apart.
pub async fn verify(pw: String, stored: Option<String>) -> anyhow::Result<bool> {
    on_a_core(move || {
        let real = stored.is_some();
        let text = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed =
            PasswordHash::new(&text).map_err(|e| anyhow::anyhow!("stored hash unreadable: {e}"))?;
        let matches = argon2_verify(&pw, &parsed);
        Ok(matches && real)
    })
    .await
}

/// Argon2 verifications run since the process started. Each login attempt runs exactly one,
/// whether or not the login name exists; `tests/login_timing.rs` counts them.
pub fn verifications() -> u64 {
    VERIFICATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

static VERIFICATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn argon2_verify(pw: &str, parsed: &PasswordHash<'_>) -> bool {
    VERIFICATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Argon2::default()
        .verify_password(pw.as_bytes(), parsed)
        .is_ok()
}

/// A readable temporary password for a reset done by an officer: 10 characters, no look-alikes.
pub fn temporary() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}
