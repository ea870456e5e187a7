//! The data keys: a small file kept outside the database (`--data-key-file`), holding every
//! key a sealed value may name, the one new values are sealed with, and the key of the blind
//! index. Losing the file loses the personal data it seals: back it up apart from the database,
//! so that a stolen database backup alone reveals nothing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::cipher::{Algorithm, Cipher, CipherError, NONCE_BYTES};

/// What every sealed value starts with; the rest is base64url of key id (u32 BE), nonce and
/// ciphertext with tag.
pub const SEALED_PREFIX: &str = "lb1:";

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("cannot read or write the data key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the data key file {path} is not a keyring: {reason}")]
    Invalid { path: String, reason: String },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("{context}: the sealed value is malformed")]
    Malformed { context: String },
    #[error("{context}: sealed with key {key}, which the data key file does not hold")]
    UnknownKey { context: String, key: u32 },
    #[error("{context}: {source}")]
    Cipher {
        context: String,
        source: CipherError,
    },
}

#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    id: u32,
    algorithm: Algorithm,
    /// Hex.
    key: String,
    created_at: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct KeyringFile {
    /// The key new values are sealed with.
    current: u32,
    /// Hex; keys the blind index. It does not rotate with the data keys: rotating it would
    /// mean rebuilding every index, for no gain in what a stolen database reveals.
    index_key: String,
    keys: Vec<StoredKey>,
}

/// The loaded keys. Cloning is cheap enough for start-up; the store holds one in an `Arc`.
#[derive(Clone)]
pub struct Keyring {
    file: KeyringFile,
    current: u32,
    ciphers: BTreeMap<u32, Cipher>,
    index_key: Vec<u8>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("keys", &self.ciphers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn new_key(id: u32, algorithm: Algorithm) -> StoredKey {
    let bytes: [u8; 32] = rand::random();
    StoredKey {
        id,
        algorithm,
        key: hex::encode(&bytes[..algorithm.key_bytes()]),
        created_at: chrono::Utc::now().to_rfc3339(),
    }
}

impl Keyring {
    /// A keyring for this process only, never written. For tests and tools.
    pub fn ephemeral(algorithm: Algorithm) -> Keyring {
        let index: [u8; 32] = rand::random();
        let file = KeyringFile {
            current: 1,
            index_key: hex::encode(index),
            keys: vec![new_key(1, algorithm)],
        };
        // Freshly generated keys have the right lengths.
        Keyring::from_file(file, "(ephemeral)")
            .unwrap_or_else(|e| unreachable!("a generated keyring is valid: {e}"))
    }

    /// The keyring in `path`; created there with one `algorithm` key on first use.
    pub fn load_or_create(path: &Path, algorithm: Algorithm) -> Result<Keyring, KeyringError> {
        let shown = path.display().to_string();
        let io = |source| KeyringError::Io {
            path: shown.clone(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let file: KeyringFile =
                    serde_json::from_slice(&bytes).map_err(|e| KeyringError::Invalid {
                        path: shown.clone(),
                        reason: e.to_string(),
                    })?;
                Keyring::from_file(file, &shown)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let ring = Keyring::ephemeral(algorithm);
                ring.write(path).map_err(io)?;
                Ok(ring)
            }
            Err(e) => Err(io(e)),
        }
    }

    fn from_file(file: KeyringFile, path: &str) -> Result<Keyring, KeyringError> {
        let invalid = |reason: String| KeyringError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let mut ciphers = BTreeMap::new();
        for k in &file.keys {
            let bytes = hex::decode(&k.key).map_err(|e| invalid(format!("key {}: {e}", k.id)))?;
            let cipher = Cipher::new(k.algorithm, &bytes)
                .map_err(|e| invalid(format!("key {}: {e}", k.id)))?;
            if ciphers.insert(k.id, cipher).is_some() {
                return Err(invalid(format!("key {} appears twice", k.id)));
            }
        }
        if !ciphers.contains_key(&file.current) {
            return Err(invalid(format!(
                "the current key {} is missing",
                file.current
            )));
        }
        let index_key = hex::decode(&file.index_key)
            .ok()
            .filter(|k| k.len() == 32)
            .ok_or_else(|| invalid("the index key is not 32 bytes of hex".to_owned()))?;
        Ok(Keyring {
            current: file.current,
            ciphers,
            index_key,
            file,
        })
    }

    /// Writes the keyring beside `path` and renames it into place, readable by the owner only
    /// and synced, so that a crash leaves the old file or the new one, never half of one.
    fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut staging = path.as_os_str().to_owned();
        staging.push(".new");
        let staging = std::path::PathBuf::from(staging);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&staging)?;
        let json = serde_json::to_vec_pretty(&self.file).map_err(std::io::Error::other)?;
        file.write_all(&json)?;
        file.sync_all()?;
        std::fs::rename(&staging, path)?;
        std::fs::File::open(dir)?.sync_all()
    }

    /// Adds a new `algorithm` key, makes it current and writes the file. Values sealed with
    /// the older keys still open until [`Keyring::retire_old`].
    pub fn rotate(&self, path: &Path, algorithm: Algorithm) -> std::io::Result<Keyring> {
        let mut file = self.file.clone();
        let id = file.keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        file.keys.push(new_key(id, algorithm));
        file.current = id;
        let ring =
            Keyring::from_file(file, &path.display().to_string()).map_err(std::io::Error::other)?;
        ring.write(path)?;
        Ok(ring)
    }

    /// Drops every key but the current one and writes the file; for after a re-encryption.
    pub fn retire_old(&self, path: &Path) -> std::io::Result<Keyring> {
        let mut file = self.file.clone();
        file.keys.retain(|k| k.id == self.current);
        let ring =
            Keyring::from_file(file, &path.display().to_string()).map_err(std::io::Error::other)?;
        ring.write(path)?;
        Ok(ring)
    }

    pub fn current_algorithm(&self) -> Algorithm {
        self.file
            .keys
            .iter()
            .find(|k| k.id == self.current)
            .map(|k| k.algorithm)
            .unwrap_or(Algorithm::Aes256Gcm)
    }

    /// The ids of the keys held, oldest first.
    pub fn key_ids(&self) -> Vec<u32> {
        self.ciphers.keys().copied().collect()
    }

    /// Seals `plain` under the current key; `context` (which record, which field) is bound
    /// in as associated data, so a sealed value copied to another record or field does not
    /// open there.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let Some(cipher) = self.ciphers.get(&self.current) else {
            unreachable!("from_file checked that the current key is held")
        };
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let sealed = cipher.seal(&nonce, context.as_bytes(), plain.as_bytes());
        let mut blob = Vec::with_capacity(4 + NONCE_BYTES + sealed.len());
        blob.extend_from_slice(&self.current.to_be_bytes());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        let mut out = String::with_capacity(SEALED_PREFIX.len() + blob.len() * 4 / 3 + 4);
        out.push_str(SEALED_PREFIX);
        URL_SAFE_NO_PAD.encode_string(&blob, &mut out);
        out
    }

    /// Opens a value [`Keyring::seal`] made with the same `context`. A value without the
    /// sealed prefix was written before encryption was turned on and is returned as it is;
    /// the start-up pass and every later write seal it.
    pub fn open(&self, context: &str, value: &str) -> Result<String, SealError> {
        let Some(encoded) = value.strip_prefix(SEALED_PREFIX) else {
            return Ok(value.to_owned());
        };
        let malformed = || SealError::Malformed {
            context: context.to_owned(),
        };
        let blob = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed())?;
        if blob.len() < 4 + NONCE_BYTES {
            return Err(malformed());
        }
        let (id, rest) = blob.split_at(4);
        let (nonce, sealed) = rest.split_at(NONCE_BYTES);
        let id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        let cipher = self.ciphers.get(&id).ok_or_else(|| SealError::UnknownKey {
            context: context.to_owned(),
            key: id,
        })?;
        let nonce: &[u8; NONCE_BYTES] = nonce.try_into().map_err(|_| malformed())?;
        let plain = cipher
            .open(nonce, context.as_bytes(), sealed)
            .map_err(|source| SealError::Cipher {
                context: context.to_owned(),
                source,
            })?;
        String::from_utf8(plain).map_err(|_| malformed())
    }

    /// Seals `value` in place (`seal` true), or opens it: one call for the code that walks a
    /// record's personal fields both ways.
    pub fn seal_or_open(
        &self,
        seal: bool,
        context: &str,
        value: &mut String,
    ) -> Result<(), SealError> {
        *value = if seal {
            self.seal(context, value)
        } else {
            self.open(context, value)?
        };
        Ok(())
    }

    /// The blind index of `value` for `purpose`: a keyed hash, so that an exact look-up by
    /// identity number needs no clear number in the database, and the database alone does not
    /// let anyone test guesses.
    pub fn blind(&self, purpose: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_stay_bound_to_their_context() {
        for algorithm in [Algorithm::Aes256Gcm, Algorithm::Sm4Gcm] {
            let ring = Keyring::ephemeral(algorithm);
            let sealed = ring.seal("case:A:applicant.id_number", "410702199205050027");
            assert!(sealed.starts_with(SEALED_PREFIX));
            assert!(!sealed.contains("410702"));
            // A fresh nonce each time: equal values do not look equal.
            assert_ne!(
                sealed,
                ring.seal("case:A:applicant.id_number", "410702199205050027")
            );
            assert_eq!(
                ring.open("case:A:applicant.id_number", &sealed).as_deref(),
                Ok("410702199205050027")
            );
            assert!(matches!(
                ring.open("case:B:applicant.id_number", &sealed),
                Err(SealError::Cipher { .. })
            ));
            assert_eq!(
                ring.open("x", "written before").as_deref(),
                Ok("written before")
            );
            assert!(matches!(
                ring.open("x", "lb1:%%"),
                Err(SealError::Malformed { .. })
            ));
        }
    }

    #[test]
    fn rotation_keeps_old_values_readable_until_the_old_key_is_retired() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("keys/data.keys");
        let first =
            Keyring::load_or_create(&path, Algorithm::Aes256Gcm).unwrap_or_else(|e| panic!("{e}"));
        let old = first.seal("c", "13812345678");
        let second = first
            .rotate(&path, Algorithm::Sm4Gcm)
            .unwrap_or_else(|e| panic!("{e}"));
        let reread =
            Keyring::load_or_create(&path, Algorithm::Aes256Gcm).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reread.key_ids(), vec![1, 2]);
        assert_eq!(reread.current_algorithm(), Algorithm::Sm4Gcm);
        assert_eq!(reread.open("c", &old).as_deref(), Ok("13812345678"));
        let new = second.seal("c", "13812345678");
        let retired = reread.retire_old(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(retired.open("c", &new).as_deref(), Ok("13812345678"));
        assert_eq!(
            retired.open("c", &old),
            Err(SealError::UnknownKey {
                context: "c".to_owned(),
                key: 1
            })
        );
        // The blind index survives rotation: look-ups keep finding what they found.
        assert_eq!(first.blind("holder", "x"), retired.blind("holder", "x"));
        assert_ne!(first.blind("holder", "x"), first.blind("case", "x"));
    }
}
