//! The key file: `khuyenhoc keys new` writes one (mode 0600, never over an existing file),
//! `khuyenhoc keys rotate` replaces the key in it by a new one. Both record the public keys in
//! the database (`signing_keys`, public keys only), so the DID documents keep publishing every
//! key that ever signed and old credentials keep verifying.

use crate::db::Db;
use anyhow::Context;
use khuyenhoc_docs::SigningKey;
use std::io::Write;
use std::path::Path;

/// Writes `key` to a new file `path` readable by its owner only; refuses an existing file.
///
/// # Errors
/// The file exists or cannot be written.
pub fn write_new(path: &Path, key: &SigningKey) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create the key file {}", path.display()))?;
    writeln!(f, "{}", khuyenhoc_docs::encode_signing_key(key))?;
    f.sync_all()?;
    Ok(())
}

/// A new key in a new file; its public key (Multikey `z6Mk…`).
///
/// # Errors
/// As [`write_new`]; no randomness.
pub fn new_file(path: &Path) -> anyhow::Result<String> {
    let key = khuyenhoc_docs::generate_signing_key()
        .map_err(|e| anyhow::anyhow!("cannot make a key: {e:?}"))?;
    write_new(path, &key)?;
    Ok(khuyenhoc_docs::encode_verifying_key(&key.verifying_key()))
}

/// Replaces the key in `path` by a new one: the old public key is recorded first (so it stays
/// published), the new key is written beside the file and renamed over it, then recorded.
/// Returns (old, new) public keys.
///
/// # Errors
/// The file does not hold a key; it cannot be replaced; the database cannot be written.
pub async fn rotate(db: &Db, path: &Path) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    let old = khuyenhoc_docs::decode_signing_key(text.trim())
        .map_err(|_| anyhow::anyhow!("{} does not hold a credential key", path.display()))?;
    let old_public = khuyenhoc_docs::encode_verifying_key(&old.verifying_key());
    super::record_public_key(db, &old_public)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let key = khuyenhoc_docs::generate_signing_key()
        .map_err(|e| anyhow::anyhow!("cannot make a key: {e:?}"))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = std::path::PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, &key)?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot replace the key file {}", path.display()))?;
    let new_public = khuyenhoc_docs::encode_verifying_key(&key.verifying_key());
    super::record_public_key(db, &new_public)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok((old_public, new_public))
}
