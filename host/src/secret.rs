//! Keys the host keeps outside its database, for the HMACs that make the database's contents
//! checkable by someone who can write the database: sealed artifacts (`runtime/artifact.rs`)
//! and the audit trail (`workflow/audit.rs`). A leaf: it knows files and HMAC, nothing of the
//! domain.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A 32-byte HMAC key. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(Arc<[u8; 32]>);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// A key for this process only. For tools and tests.
    pub fn random() -> SecretKey {
        SecretKey(Arc::new(rand::random()))
    }

    /// The key in `path`, created there (readable by the owner only, synced) on first use.
    pub fn load_or_create(path: &Path) -> std::io::Result<SecretKey> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} does not hold a 32-byte key", path.display()),
                    )
                })?;
                Ok(SecretKey(Arc::new(key)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let key: [u8; 32] = rand::random();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path)?;
                file.write_all(&key)?;
                file.sync_all()?;
                Ok(SecretKey(Arc::new(key)))
            }
            Err(e) => Err(e),
        }
    }

    /// The key in `path`; or, when there is none yet, a new key under a staging name beside
    /// it, for work that must be done with the key before the key counts as in place (see
    /// [`StagedKey`]). A staged key left by an interrupted start is taken up again.
    pub fn load_or_stage(path: &Path) -> std::io::Result<(SecretKey, Option<StagedKey>)> {
        if path.exists() {
            return Ok((SecretKey::load_or_create(path)?, None));
        }
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(".new");
        let staged = path.with_file_name(name);
        let key = SecretKey::load_or_create(&staged)?;
        Ok((
            key,
            Some(StagedKey {
                staged,
                path: path.to_owned(),
            }),
        ))
    }

    /// An HMAC under this key, begun with `purpose` so that a tag made for one use never
    /// verifies for another.
    pub fn mac(&self, purpose: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length; 32 bytes cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose);
        mac.update(b"\0");
        mac
    }
}

/// A key not yet in place: [`StagedKey::commit`] moves it there once the work it had to do
/// first is done and durable.
#[derive(Debug)]
pub struct StagedKey {
    staged: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl StagedKey {
    pub fn commit(self) -> std::io::Result<()> {
        std::fs::rename(&self.staged, &self.path)?;
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("keys/some.key");
        let first = SecretKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        let again = SecretKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        let tag = |k: &SecretKey| k.mac(b"test").finalize().into_bytes();
        assert_eq!(tag(&first), tag(&again));
        assert_ne!(tag(&first), tag(&SecretKey::random()));
        assert_ne!(
            first.mac(b"test").finalize().into_bytes(),
            first.mac(b"other").finalize().into_bytes()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_default();
            assert_eq!(mode, 0o600);
        }
        std::fs::write(&path, b"too short").unwrap_or_else(|e| panic!("{e}"));
        assert!(SecretKey::load_or_create(&path).is_err());
        assert_eq!(format!("{first:?}"), "SecretKey(…)");
    }

    #[test]
    fn a_staged_key_is_taken_up_again_until_committed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("keys/audit.key");
        let tag = |k: &SecretKey| k.mac(b"test").finalize().into_bytes();
        let (first, staged) = SecretKey::load_or_stage(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(staged.is_some() && !path.exists());
        // Interrupted before the commit: the same key, still staged.
        let (again, staged) = SecretKey::load_or_stage(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tag(&first), tag(&again));
        staged
            .unwrap_or_else(|| panic!("not staged"))
            .commit()
            .unwrap_or_else(|e| panic!("{e}"));
        let (last, staged) = SecretKey::load_or_stage(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(staged.is_none());
        assert_eq!(tag(&first), tag(&last));
    }
}
