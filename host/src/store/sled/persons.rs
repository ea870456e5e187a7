//! Cases by person: the blind index of the applicant's and the agent's identity numbers
//! (`person_cases`), so that a person's cases are found without their number in clear.

use super::{SledStore, key};
use crate::store::StoreResult;
use crate::workflow::Case;

/// The blind index's purpose for the persons of a case.
const PERSON_INDEX: &str = "case-person";

impl SledStore {
    pub(super) fn case_ids_of_person(&self, id_number: &str) -> StoreResult<Vec<String>> {
        let prefix = key(&[self.keys.blind(PERSON_INDEX, id_number).as_bytes(), b""]);
        self.person_cases
            .scan_prefix(&prefix)
            .map(|item| {
                let (k, _) = item?;
                Ok(String::from_utf8_lossy(&k[prefix.len()..]).into_owned())
            })
            .collect()
    }

    /// The by-person index entries of `case`: its applicant's and its agent's.
    pub(super) fn person_keys(&self, case: &Case) -> Vec<Vec<u8>> {
        std::iter::once(&case.applicant.id_number)
            .chain(case.agent.as_ref().map(|a| &a.id_number))
            .map(|n| {
                let blind = self.keys.blind(PERSON_INDEX, n);
                key(&[blind.as_bytes(), case.id.as_bytes()])
            })
            .collect()
    }

    /// The index entries pointing at case `id`, whoever they are for: an anonymised case no
    /// longer knows its persons' numbers, so its entries are found by the id they end with.
    pub(super) fn person_entries_of(&self, id: &str) -> StoreResult<Vec<Vec<u8>>> {
        let mut tail = vec![0u8];
        tail.extend_from_slice(id.as_bytes());
        let mut found = Vec::new();
        for item in self.person_cases.iter() {
            let (k, _) = item?;
            if k.ends_with(&tail) {
                found.push(k.to_vec());
            }
        }
        Ok(found)
    }
}
