//! Frozen 通报 in sled, one record per period (`2026-10`, `2026-Q4`), written once.

use super::{SledStore, decode, encode};
use crate::store::{ReportStore, StoreResult};
use crate::supervision::report::Report;

impl ReportStore for SledStore {
    fn frozen_report(&self, period: &str) -> StoreResult<Option<Report>> {
        self.get(&self.reports, period.as_bytes())
    }

    fn freeze_report(&self, report: &Report) -> StoreResult<Report> {
        let key = report.period.to_string();
        let written = self.reports.compare_and_swap(
            key.as_bytes(),
            None as Option<&[u8]>,
            Some(encode(report)?),
        )?;
        self.durable()?;
        match written {
            Ok(()) => Ok(report.clone()),
            // Frozen meanwhile by another request: that one stands.
            Err(e) => match e.current {
                Some(stored) => decode(&stored),
                None => Ok(report.clone()),
            },
        }
    }
}
