//! The catalog in sled: departments, published versions of one-things with their drafts,
//! filings and batches, the shared dictionary and the base catalog.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, encode, key, tx_error};
use crate::catalog::base::{BaseEntry, ImportReport};
use crate::catalog::publication::{Batch, Draft, Filing, PublishedVersion};
use crate::catalog::{Department, FieldEntry, MaterialEntry};
use crate::store::{CatalogStore, StoreError, StoreResult};

impl CatalogStore for SledStore {
    fn put_department(&self, department: &Department) -> StoreResult<()> {
        self.put(&self.departments, department.code.as_bytes(), department)
    }

    fn departments(&self) -> StoreResult<Vec<Department>> {
        self.scan(&self.departments, b"")
    }

    fn versions(&self, one_thing: &str) -> StoreResult<Vec<PublishedVersion>> {
        self.scan(&self.versions, &key(&[one_thing.as_bytes(), b""]))
    }

    fn all_versions(&self) -> StoreResult<Vec<PublishedVersion>> {
        self.scan(&self.versions, b"")
    }

    fn draft(&self, one_thing: &str) -> StoreResult<Option<Draft>> {
        self.get(&self.drafts, one_thing.as_bytes())
    }

    fn drafts(&self) -> StoreResult<Vec<Draft>> {
        self.scan(&self.drafts, b"")
    }

    fn put_draft(&self, draft: &Draft) -> StoreResult<()> {
        self.put(&self.drafts, draft.one_thing.code.as_bytes(), draft)
    }

    fn put_draft_and_filing(&self, draft: &Draft, filing: &Filing) -> StoreResult<()> {
        let d = encode(draft)?;
        let f = encode(filing)?;
        let fkey = key(&[filing.one_thing.as_bytes(), &filing.seq.to_be_bytes()]);
        (&self.drafts, &self.filings)
            .transaction(|(drafts, filings)| {
                drafts.insert(draft.one_thing.code.as_bytes(), d.as_slice())?;
                filings.insert(fkey.as_slice(), f.as_slice())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn filings(&self, one_thing: &str) -> StoreResult<Vec<Filing>> {
        self.scan(&self.filings, &key(&[one_thing.as_bytes(), b""]))
    }

    fn publish(&self, batch: &Batch, versions: &[PublishedVersion]) -> StoreResult<()> {
        let b = encode(batch)?;
        let encoded: Vec<(Vec<u8>, Vec<u8>, String)> = versions
            .iter()
            .map(|v| {
                let k = key(&[v.one_thing.as_bytes(), &v.version.to_be_bytes()]);
                Ok((k, encode(v)?, v.one_thing.clone()))
            })
            .collect::<StoreResult<_>>()?;
        (&self.batches, &self.versions, &self.drafts)
            .transaction(|(batches, versions, drafts)| {
                batches.insert(batch.code.as_bytes(), b.as_slice())?;
                for (k, v, code) in &encoded {
                    versions.insert(k.as_slice(), v.as_slice())?;
                    drafts.remove(code.as_bytes())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn batches(&self) -> StoreResult<Vec<Batch>> {
        self.scan(&self.batches, b"")
    }

    fn put_dictionary_field(&self, field: &FieldEntry) -> StoreResult<()> {
        self.put(&self.dictionary_fields, field.key.as_bytes(), field)
    }

    fn dictionary_fields(&self) -> StoreResult<Vec<FieldEntry>> {
        self.scan(&self.dictionary_fields, b"")
    }

    fn put_dictionary_material(&self, material: &MaterialEntry) -> StoreResult<()> {
        self.put(
            &self.dictionary_materials,
            material.code.as_bytes(),
            material,
        )
    }

    fn dictionary_materials(&self) -> StoreResult<Vec<MaterialEntry>> {
        self.scan(&self.dictionary_materials, b"")
    }

    fn base_catalog(&self) -> StoreResult<Vec<BaseEntry>> {
        self.scan(&self.base_catalog, b"")
    }

    fn replace_base_catalog(
        &self,
        entries: &[BaseEntry],
        report: &ImportReport,
    ) -> StoreResult<()> {
        let old: Vec<sled::IVec> = self.base_catalog.iter().keys().collect::<Result<_, _>>()?;
        let seq = self.db.generate_id()?;
        let encoded: Vec<(Vec<u8>, Vec<u8>)> = entries
            .iter()
            .map(|e| Ok((e.code.as_bytes().to_vec(), encode(e)?)))
            .collect::<StoreResult<_>>()?;
        let report = encode(report)?;
        // The catalog and its report change together or not at all.
        (&self.base_catalog, &self.base_imports)
            .transaction(|(catalog, imports)| {
                for k in &old {
                    catalog.remove(k)?;
                }
                for (k, v) in &encoded {
                    catalog.insert(k.as_slice(), v.as_slice())?;
                }
                imports.insert(&seq.to_be_bytes(), report.as_slice())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn base_imports(&self) -> StoreResult<Vec<ImportReport>> {
        self.scan(&self.base_imports, b"")
    }
}
