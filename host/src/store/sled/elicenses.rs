//! The platform's electronic certificates, one record per kind, holder and number. Holder and
//! number (an identity card's number is its holder's identity number) are found by their blind
//! index and stored sealed, with the facts on the certificate, so the database alone names no
//! one.

use super::{SledStore, decode, encode, key};
use crate::store::{ElicenseStore, StoreError, StoreResult};
use lianban_sdk::Certificate;

const HOLDER_INDEX: &str = "elicense-holder";
const NUMBER_INDEX: &str = "elicense-number";

impl SledStore {
    fn certificate_key(&self, kind: &str, holder: &str, number: &str) -> Vec<u8> {
        let holder = self.keys.blind(HOLDER_INDEX, holder);
        let number = self.keys.blind(NUMBER_INDEX, number);
        key(&[kind.as_bytes(), holder.as_bytes(), number.as_bytes()])
    }

    /// Seals (`seal` true) or opens a certificate's holder, number and facts, bound to the
    /// record's key (kind and blind indexes).
    fn seal_certificate(&self, record: &[u8], c: &mut Certificate, seal: bool) -> StoreResult<()> {
        let at = String::from_utf8_lossy(record).replace('\0', ":");
        let apply = |path: &str, value: &mut String| {
            let at = crate::workflow::personal::context("elicense", &at, path);
            self.keys
                .seal_or_open(seal, &at, value)
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        };
        apply("holder", &mut c.holder)?;
        apply("number", &mut c.number)?;
        for f in c.attributes.iter_mut() {
            apply(&format!("attributes.{}", f.key), &mut f.value)?;
        }
        Ok(())
    }

    fn open_certificate(&self, record: &[u8], bytes: &[u8]) -> StoreResult<Certificate> {
        let mut c: Certificate = decode(bytes)?;
        self.seal_certificate(record, &mut c, false)?;
        Ok(c)
    }

    fn write_certificate(&self, c: &Certificate) -> StoreResult<Vec<u8>> {
        let k = self.certificate_key(&c.kind, &c.holder, &c.number);
        let mut sealed = c.clone();
        self.seal_certificate(&k, &mut sealed, true)?;
        self.elicenses.insert(&k, encode(&sealed)?)?;
        Ok(k)
    }

    /// Seals every certificate again under the current key, moving one stored before the
    /// blind index to its indexed key (`personal.rs`).
    pub(super) fn reseal_certificates(&self) -> StoreResult<usize> {
        let mut done = 0;
        for item in self.elicenses.iter() {
            let (old, v) = item?;
            let c = self.open_certificate(&old, &v)?;
            if self.write_certificate(&c)?.as_slice() != &old[..] {
                self.elicenses.remove(old)?;
            }
            done += 1;
        }
        Ok(done)
    }
}

impl ElicenseStore for SledStore {
    fn put_certificate(&self, c: &Certificate) -> StoreResult<()> {
        self.write_certificate(c)?;
        self.durable()
    }

    fn certificates(&self, kind: &str, holder: &str) -> StoreResult<Vec<Certificate>> {
        // The trailing separator keeps one holder's index from being the prefix of another's.
        let blind = self.keys.blind(HOLDER_INDEX, holder);
        self.elicenses
            .scan_prefix(key(&[kind.as_bytes(), blind.as_bytes(), b""]))
            .map(|item| {
                let (k, v) = item?;
                self.open_certificate(&k, &v)
            })
            .collect()
    }

    fn remove_certificate(&self, kind: &str, holder: &str, number: &str) -> StoreResult<bool> {
        let removed = self
            .elicenses
            .remove(self.certificate_key(kind, holder, number))?
            .is_some();
        self.durable()?;
        Ok(removed)
    }
}
