//! Personal data at rest: cases, recorded rules inputs and outgoing messages (and, in
//! `elicenses.rs`, certificates) are stored with
//! their personal values sealed one by one (`workflow/personal.rs` says which), under the
//! keyring the store was opened with. Everything else in a record stays readable, so the
//! clocks and indexes work without the keys.

use super::{SledStore, decode, encode};
use crate::registry::RecordedInput;
use crate::store::{Resealed, StoreError, StoreResult};
use crate::workflow::Case;
use crate::workflow::outbox::OutboxMessage;
use crate::workflow::personal;

/// Marks, in `meta`, a database whose personal data has been sealed.
const SEALED: &[u8] = b"personal_data_sealed";

fn unsealable(e: crate::privacy::SealError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl SledStore {
    pub(super) fn encode_case(&self, case: &Case) -> StoreResult<Vec<u8>> {
        encode(&personal::seal_case(&self.keys, case))
    }

    pub(super) fn decode_case(&self, bytes: &[u8]) -> StoreResult<Case> {
        personal::open_case(&self.keys, decode(bytes)?).map_err(unsealable)
    }

    pub(super) fn encode_message(&self, message: &OutboxMessage) -> StoreResult<Vec<u8>> {
        let mut sealed = message.clone();
        personal::seal_message(&self.keys, &mut sealed, true).map_err(unsealable)?;
        encode(&sealed)
    }

    pub(super) fn decode_message(&self, bytes: &[u8]) -> StoreResult<OutboxMessage> {
        let mut message: OutboxMessage = decode(bytes)?;
        personal::seal_message(&self.keys, &mut message, false).map_err(unsealable)?;
        Ok(message)
    }

    pub(super) fn encode_input(&self, input: &RecordedInput) -> StoreResult<Vec<u8>> {
        let mut sealed = input.clone();
        let seq = input.seq.to_string();
        personal::seal_application(&self.keys, &seq, &mut sealed.application, true)
            .map_err(unsealable)?;
        encode(&sealed)
    }

    pub(super) fn decode_input(&self, bytes: &[u8]) -> StoreResult<RecordedInput> {
        let mut input: RecordedInput = decode(bytes)?;
        let seq = input.seq.to_string();
        personal::seal_application(&self.keys, &seq, &mut input.application, false)
            .map_err(unsealable)?;
        Ok(input)
    }

    /// A database written before sealing existed is sealed once, when it is first opened
    /// with a keyring.
    pub(super) fn seal_legacy_personal_data(&self) -> StoreResult<()> {
        if self.meta.contains_key(SEALED)? {
            return Ok(());
        }
        let done = self.reseal_personal_data()?;
        if done != Resealed::default() {
            tracing::info!(?done, "personal data written before encryption sealed");
        }
        self.meta.insert(SEALED, &[][..])?;
        self.durable()
    }

    /// Opens every sealed value with whichever key sealed it and seals it again with the
    /// current key: the second half of a key rotation (`lianban keys rotate`). Run with the
    /// host stopped; a crash part-way leaves records under both keys, which the keyring still
    /// holds, and running it again finishes the work.
    pub fn reseal_personal_data(&self) -> StoreResult<Resealed> {
        let mut done = Resealed::default();
        for item in self.cases.iter() {
            let (k, v) = item?;
            let case = self.decode_case(&v)?;
            self.cases.insert(k, self.encode_case(&case)?)?;
            // Cases from before the by-person index get their entries here.
            if case.anonymised_at.is_none() {
                for entry in self.person_keys(&case) {
                    self.person_cases.insert(entry, &[][..])?;
                }
            }
            done.cases += 1;
        }
        for item in self.replay_inputs.iter() {
            let (k, v) = item?;
            let input = self.decode_input(&v)?;
            self.replay_inputs.insert(k, self.encode_input(&input)?)?;
            done.inputs += 1;
        }
        for tree in [&self.outbox, &self.outbox_done, &self.outbox_dead] {
            for item in tree.iter() {
                let (k, v) = item?;
                let message = self.decode_message(&v)?;
                tree.insert(k, self.encode_message(&message)?)?;
                done.messages += 1;
            }
        }
        done.certificates = self.reseal_certificates()?;
        self.durable()?;
        Ok(done)
    }
}

impl SledStore {
    /// Rotates the data keys of the database in `data_dir` (with the host stopped: one process
    /// owns the database). The new keyring, holding old and new keys, is written first; then
    /// every sealed value is sealed again under the new key; then the old keys leave the file.
    /// A crash part-way leaves values under either key, all readable, and running it again
    /// finishes.
    pub fn rotate_data_keys(
        data_dir: &std::path::Path,
        keyring: &std::path::Path,
        algorithm: crate::privacy::Algorithm,
    ) -> Result<(Resealed, crate::privacy::Keyring), String> {
        if !keyring.exists() {
            return Err(format!("no keyring at {}", keyring.display()));
        }
        let unwritable = |e: std::io::Error| format!("cannot write {}: {e}", keyring.display());
        let old = crate::privacy::Keyring::load_or_create(keyring, algorithm)
            .map_err(|e| e.to_string())?;
        let rotated = old.rotate(keyring, algorithm).map_err(unwritable)?;
        let done = {
            let store = SledStore::open_with_keys(data_dir, std::sync::Arc::new(rotated.clone()))
                .map_err(|e| e.to_string())?;
            store.reseal_personal_data().map_err(|e| e.to_string())?
        };
        let retired = rotated.retire_old(keyring).map_err(unwritable)?;
        Ok((done, retired))
    }
}
