//! The catalog in sled: departments, one-things, the shared dictionary and the base catalog.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, encode, tx_error};
use crate::catalog::base::{BaseEntry, ImportReport};
use crate::catalog::{Department, FieldEntry, MaterialEntry, OneThing};
use crate::store::{CatalogStore, StoreError, StoreResult};

impl CatalogStore for SledStore {
    fn put_department(&self, department: &Department) -> StoreResult<()> {
        self.put(&self.departments, department.code.as_bytes(), department)
    }

    fn departments(&self) -> StoreResult<Vec<Department>> {
        self.scan(&self.departments, b"")
    }

    fn put_one_thing(&self, one_thing: &OneThing) -> StoreResult<()> {
        self.put(&self.one_things, one_thing.code.as_bytes(), one_thing)
    }

    fn one_thing(&self, code: &str) -> StoreResult<Option<OneThing>> {
        self.get(&self.one_things, code.as_bytes())
    }

    fn one_things(&self) -> StoreResult<Vec<OneThing>> {
        self.scan(&self.one_things, b"")
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
