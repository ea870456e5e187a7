//! Material files (scans, photos, PDF and OFD documents), stored by content hash in one
//! directory opened through cap-std: the only names ever used are 64 hex digits the host
//! computed, so nothing a request says can reach outside the directory.

use std::io::Write;
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    /// 版式文档 OFD (GB/T 33190), a ZIP container with `OFD.xml` at its root.
    Ofd,
}

impl FileKind {
    /// Recognised by content, never by the name or the declared type.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(b"PK\x03\x04")
            && contains(&bytes[..bytes.len().min(64 << 10)], b"OFD.xml")
        {
            Some(FileKind::Ofd)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Ofd => "application/ofd",
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file is {size} bytes; at most {max} are accepted")]
    TooLarge { size: usize, max: usize },
    #[error("only PDF, JPEG, PNG and OFD files are accepted")]
    Forbidden,
    #[error("the file is empty")]
    Empty,
    #[error("file storage failure: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    pub sha256: String,
    pub size: usize,
    pub kind: FileKind,
}

pub struct MaterialFiles {
    dir: Dir,
    pub max_bytes: usize,
}

/// A name the host made: exactly 64 lower-case hex digits.
pub fn is_sha256(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl MaterialFiles {
    pub fn open(path: &Path, max_bytes: usize) -> std::io::Result<MaterialFiles> {
        std::fs::create_dir_all(path)?;
        Ok(MaterialFiles {
            dir: Dir::open_ambient_dir(path, ambient_authority())?,
            max_bytes,
        })
    }

    /// Stores a file once, durably, and returns its hash. The same bytes twice are one file.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredFile, FileError> {
        if bytes.is_empty() {
            return Err(FileError::Empty);
        }
        if bytes.len() > self.max_bytes {
            return Err(FileError::TooLarge {
                size: bytes.len(),
                max: self.max_bytes,
            });
        }
        let kind = FileKind::sniff(bytes).ok_or(FileError::Forbidden)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        if !self.dir.exists(&sha256) {
            // Written under a temporary name and renamed, so a crash never leaves a partial
            // file under a real hash.
            let tmp = format!("{sha256}.partial");
            let mut f = self.dir.create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            self.dir.rename(&tmp, &self.dir, &sha256)?;
            self.dir.open(".")?.sync_all()?;
        }
        Ok(StoredFile {
            sha256,
            size: bytes.len(),
            kind,
        })
    }

    pub fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, FileError> {
        if !is_sha256(sha256) {
            return Ok(None);
        }
        match self.dir.read(sha256) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn exists(&self, sha256: &str) -> bool {
        is_sha256(sha256) && self.dir.exists(sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_allowed_kinds_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let files = MaterialFiles::open(dir.path(), 1 << 20).unwrap();
        let pdf = b"%PDF-1.7\n...".to_vec();
        let stored = files.put(&pdf).unwrap();
        assert_eq!(stored.kind, FileKind::Pdf);
        assert_eq!(files.get(&stored.sha256).unwrap().unwrap(), pdf);
        // Stored once.
        assert_eq!(files.put(&pdf).unwrap(), stored);
        let mut ofd = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
        ofd.extend_from_slice(b"....OFD.xml....");
        assert_eq!(files.put(&ofd).unwrap().kind, FileKind::Ofd);
        assert_eq!(
            files.put(b"\x89PNG\r\n\x1a\nrest").unwrap().kind,
            FileKind::Png
        );
        assert_eq!(
            files.put(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap().kind,
            FileKind::Jpeg
        );
    }

    #[test]
    fn refuses_other_kinds_empty_and_oversize() {
        let dir = tempfile::tempdir().unwrap();
        let files = MaterialFiles::open(dir.path(), 16).unwrap();
        assert!(matches!(
            files.put(b"MZ\x90\x00"),
            Err(FileError::Forbidden)
        ));
        assert!(matches!(
            files.put(b"PK\x03\x04not an ofd"),
            Err(FileError::Forbidden)
        ));
        assert!(matches!(files.put(b""), Err(FileError::Empty)));
        assert!(matches!(
            files.put(&[b'%'; 17]),
            Err(FileError::TooLarge { .. })
        ));
    }

    #[test]
    fn names_from_outside_never_become_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), b"x").unwrap();
        let files = MaterialFiles::open(&dir.path().join("files"), 1 << 20).unwrap();
        for name in ["../secret", "/etc/passwd", "..", "secret", &"A".repeat(64)] {
            assert_eq!(files.get(name).unwrap(), None, "{name}");
        }
    }
}
