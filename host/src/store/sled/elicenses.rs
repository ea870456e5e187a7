//! The platform's electronic certificates, one record per kind, holder and number.

use super::{SledStore, key};
use crate::store::{ElicenseStore, StoreResult};

impl ElicenseStore for SledStore {
    fn put_certificate(&self, c: &lianban_sdk::Certificate) -> StoreResult<()> {
        let k = key(&[c.kind.as_bytes(), c.holder.as_bytes(), c.number.as_bytes()]);
        self.put(&self.elicenses, &k, c)
    }

    fn certificates(&self, kind: &str, holder: &str) -> StoreResult<Vec<lianban_sdk::Certificate>> {
        // The trailing separator keeps holder `…1` from matching holder `…12`.
        self.scan(
            &self.elicenses,
            &key(&[kind.as_bytes(), holder.as_bytes(), b""]),
        )
    }

    fn remove_certificate(&self, kind: &str, holder: &str, number: &str) -> StoreResult<bool> {
        let k = key(&[kind.as_bytes(), holder.as_bytes(), number.as_bytes()]);
        let removed = self.elicenses.remove(k)?.is_some();
        self.durable()?;
        Ok(removed)
    }
}
