//! Issuing a 通报: a running period's report is made afresh on each request; a closed
//! period's is made once, frozen, and answered from the store from then on.

use std::sync::Arc;

use super::{Period, Report, Sources, build};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::store::{FigureStore, RatingStore, ReportStore, StoreError};
use crate::supervision::assessment::Weights;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the period {0} has not begun")]
    NotBegun(Period),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Reports {
    pub(crate) figures: Arc<dyn FigureStore>,
    pub(crate) ratings: Arc<dyn RatingStore>,
    pub(crate) frozen: Arc<dyn ReportStore>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) weights: Weights,
}

impl Reports {
    /// The report of `period`: frozen once the period is over, live while it runs.
    pub fn report(&self, period: Period) -> Result<Report, ReportError> {
        let today = self.clock.today();
        let (from, to) = period.days();
        if from > today {
            return Err(ReportError::NotBegun(period));
        }
        let closed = period.closed_on(today);
        if closed && let Some(frozen) = self.frozen.frozen_report(&period.to_string())? {
            return Ok(frozen);
        }
        let mut names: std::collections::BTreeMap<String, String> = self
            .catalog
            .departments()?
            .into_iter()
            .map(|(code, d)| (code, d.name))
            .collect();
        for one_thing in self.catalog.one_things()? {
            names.insert(one_thing.code, one_thing.name);
        }
        let rows = self.figures.figures(from, to)?;
        let ratings = self.ratings.ratings()?;
        let mut report = build(
            period,
            &rows,
            Sources {
                ratings: &ratings,
                names,
                weights: &self.weights,
                generated_at: self.clock.stamp(),
            },
        );
        if !closed {
            return Ok(report);
        }
        report.frozen = true;
        Ok(self.frozen.freeze_report(&report)?)
    }
}
