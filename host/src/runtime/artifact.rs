//! Compiled artifacts are trusted only if this host made them.
//!
//! An artifact is native code: `Component::deserialize` maps it executable and runs it without
//! checking what it does (wasmtime checks only its header and engine settings). The registry
//! keeps artifacts in the database so that restarts need not compile again, which made anyone
//! who could write the database — a restored backup, a tool that edits it, a future shared
//! database server — able to run arbitrary code in the host. So every artifact is sealed with
//! HMAC-SHA256 under a key kept outside the database, over the component's sha256 and the
//! artifact: one that does not verify, or that was sealed for another component, is never
//! deserialized, and the registry compiles the component again from its original bytes.

use std::fmt;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::SecretKey;

const TAG_BYTES: usize = 32;

/// The host's key for sealing artifacts. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ArtifactKey(SecretKey);

impl fmt::Debug for ArtifactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ArtifactKey(…)")
    }
}

impl ArtifactKey {
    /// A key for this process only: artifacts sealed with it are compiled again after a
    /// restart. For tools and tests.
    pub fn random() -> ArtifactKey {
        ArtifactKey(SecretKey::random())
    }

    /// The key in `path`, created there on first use.
    pub fn load_or_create(path: &Path) -> std::io::Result<ArtifactKey> {
        SecretKey::load_or_create(path).map(ArtifactKey)
    }

    fn mac(&self, sha256: &str, artifact: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.0.mac(b"lianban artifact v1");
        mac.update(sha256.as_bytes());
        mac.update(b"\0");
        mac.update(artifact);
        mac
    }

    /// The artifact of component `sha256`, with its seal in front.
    pub(super) fn seal(&self, sha256: &str, artifact: &[u8]) -> Vec<u8> {
        let tag = self.mac(sha256, artifact).finalize().into_bytes();
        let mut sealed = Vec::with_capacity(TAG_BYTES + artifact.len());
        sealed.extend_from_slice(&tag);
        sealed.extend_from_slice(artifact);
        sealed
    }

    /// The artifact inside `sealed`, if this key sealed it for component `sha256`.
    pub(super) fn open<'a>(&self, sha256: &str, sealed: &'a [u8]) -> Option<&'a [u8]> {
        if sealed.len() < TAG_BYTES {
            return None;
        }
        let (tag, artifact) = sealed.split_at(TAG_BYTES);
        // `verify_slice` compares in constant time.
        self.mac(sha256, artifact).verify_slice(tag).ok()?;
        Some(artifact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_opens_only_with_its_key_for_its_component() {
        let key = ArtifactKey::random();
        let sealed = key.seal("aa", b"native code");
        assert_eq!(key.open("aa", &sealed), Some(&b"native code"[..]));
        assert_eq!(
            key.open("bb", &sealed),
            None,
            "sealed for another component"
        );
        assert_eq!(ArtifactKey::random().open("aa", &sealed), None);
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(key.open("aa", &flipped), None);
        assert_eq!(key.open("aa", b"short"), None);
        assert_eq!(format!("{key:?}"), "ArtifactKey(…)");
    }

    #[test]
    fn a_seal_opens_with_the_key_read_back_from_its_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("keys/artifact.key");
        let first = ArtifactKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        let again = ArtifactKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(again.open("aa", &first.seal("aa", b"x")).is_some());
    }
}
