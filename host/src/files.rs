//! Material files (scans, photos, PDF and OFD documents), stored by content hash in one
//! directory opened through cap-std: the only names ever used are 64 hex digits the host
//! computed, so nothing a request says can reach outside the directory.

use std::io::Write;
use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
        } else if bytes.starts_with(b"PK\x03\x04") && is_ofd(bytes) {
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

/// An OFD document is a ZIP container with `OFD.xml` at its root (GB/T 33190): the container's
/// directory is read, so bytes that merely mention the name do not pass.
fn is_ofd(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .is_ok_and(|archive| archive.file_names().any(|name| name == "OFD.xml"))
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
            // Written under a temporary name of its own and renamed, so a crash never leaves
            // a partial file under a real hash, and two uploads of the same bytes at once
            // never write into one file: each renames its own whole copy, and the second
            // rename replaces identical bytes.
            let tmp = format!("{sha256}.{:016x}.partial", rand::random::<u64>());
            let mut f = self.dir.open_with(
                &tmp,
                cap_std::fs::OpenOptions::new().write(true).create_new(true),
            )?;
            let written = f.write_all(bytes).and_then(|()| f.sync_all());
            if let Err(e) = written {
                let _ = self.dir.remove_file(&tmp);
                return Err(e.into());
            }
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

    /// Deletes a stored file (retention); false when there was none.
    pub fn remove(&self, sha256: &str) -> Result<bool, FileError> {
        if !is_sha256(sha256) {
            return Ok(false);
        }
        match self.dir.remove_file(sha256) {
            Ok(()) => {
                self.dir.open(".")?.sync_all()?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
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
        let ofd = container(&["OFD.xml", "Doc_0/Document.xml"]);
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

    /// A ZIP container holding empty entries of these names.
    fn container(names: &[&str]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for name in names {
            zip.start_file(*name, stored).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn an_ofd_is_a_container_with_ofd_xml_at_its_root() {
        let dir = tempfile::tempdir().unwrap();
        let files = MaterialFiles::open(dir.path(), 1 << 20).unwrap();
        // Bytes that only mention the name, or a container with it in a subfolder, are not.
        let mut mention = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
        mention.extend_from_slice(b"....OFD.xml....");
        for not_ofd in [mention, container(&["Doc_0/OFD.xml"]), container(&[])] {
            assert!(matches!(files.put(&not_ofd), Err(FileError::Forbidden)));
        }
        assert_eq!(
            files.put(&container(&["OFD.xml"])).unwrap().kind,
            FileKind::Ofd
        );
    }

    #[test]
    fn the_same_bytes_uploaded_at_once_are_stored_whole() {
        let dir = tempfile::tempdir().unwrap();
        let files = std::sync::Arc::new(MaterialFiles::open(dir.path(), 8 << 20).unwrap());
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.extend((0..4 << 20).map(|i| (i % 251) as u8));
        let pdf = std::sync::Arc::new(pdf);
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let (files, pdf) = (files.clone(), pdf.clone());
                std::thread::spawn(move || files.put(&pdf).map(|f| f.sha256))
            })
            .collect();
        let mut names = std::collections::BTreeSet::new();
        for w in writers {
            names.insert(w.join().unwrap().unwrap());
        }
        assert_eq!(names.len(), 1);
        let name = names.into_iter().next().unwrap();
        assert_eq!(files.get(&name).unwrap().unwrap(), *pdf);
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
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
