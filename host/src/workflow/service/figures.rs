//! The supervision figures as the workflow keeps them: what each commit adds, computed from
//! its events (`supervision::tally`); the same figures rebuilt from every case's audit
//! events; and a period's summary.

use std::collections::BTreeMap;

use lianban_sdk::Date;

use super::{Result, Workflow};
use crate::supervision::{FigureKey, Grouping, Limits, Summary, Tally, summarize, tally};
use crate::workflow::Case;
use crate::workflow::audit::Event;

/// The stored figures of a period beside the same figures rebuilt from the audit events.
#[derive(Debug)]
pub struct FiguresCheck {
    pub stored: Vec<(FigureKey, Tally)>,
    pub rebuilt: Vec<(FigureKey, Tally)>,
}

impl FiguresCheck {
    /// The rows where the two differ, with the stored and the rebuilt counters.
    pub fn differences(&self) -> Vec<(FigureKey, Option<Tally>, Option<Tally>)> {
        let stored: BTreeMap<&FigureKey, &Tally> =
            self.stored.iter().map(|(k, t)| (k, t)).collect();
        let rebuilt: BTreeMap<&FigureKey, &Tally> =
            self.rebuilt.iter().map(|(k, t)| (k, t)).collect();
        let mut keys: Vec<&FigureKey> = stored.keys().chain(rebuilt.keys()).copied().collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| stored.get(k) != rebuilt.get(k))
            .map(|k| {
                (
                    k.clone(),
                    stored.get(k).map(|t| (*t).clone()),
                    rebuilt.get(k).map(|t| (*t).clone()),
                )
            })
            .collect()
    }
}

impl Workflow {
    /// A matter's legal days, as the rules that judged the case declare them.
    fn legal_days(&self, case: &Case, matter: &str) -> Option<u32> {
        let judged = case.judged_by.iter().find(|j| j.matter == matter)?;
        let version = self.registry.version(matter, &judged.sha256).ok()??;
        Some(version.manifest.legal_days)
    }

    /// What `events` of `case` add to the figures; nothing while the figures are off.
    pub(super) fn figures_of(&self, case: &Case, events: &[Event]) -> Vec<(FigureKey, Tally)> {
        if !self.figures {
            return Vec::new();
        }
        let calendar = self.calendar.current();
        let legal = |c: &Case, m: &str| self.legal_days(c, m);
        tally(
            case,
            events,
            &Limits {
                calendar: &calendar,
                legal_days: &legal,
            },
        )
    }

    /// Every row of the figures, from every case's audit events, in key order: reads every
    /// case and its chain once.
    pub fn rebuild_figures(&self) -> Result<Vec<(FigureKey, Tally)>> {
        let calendar = self.calendar.current();
        let legal = |c: &Case, m: &str| self.legal_days(c, m);
        let limits = Limits {
            calendar: &calendar,
            legal_days: &legal,
        };
        let mut rows: BTreeMap<FigureKey, Tally> = BTreeMap::new();
        for id in self.store.case_ids()? {
            let Some(case) = self.store.case(&id)? else {
                continue;
            };
            let events = self.store.events(&id)?;
            for (key, t) in tally(&case, &events, &limits) {
                rows.entry(key).or_default().add(&t);
            }
        }
        Ok(rows.into_iter().collect())
    }

    /// At start-up, before any command: builds the figures from the events when they do not
    /// count every commit yet (a database from before they were kept, or a start with them
    /// off); marks them incomplete while they are off.
    pub fn prepare_figures(&self) -> Result<()> {
        if !self.figures {
            self.store.set_figures_incomplete()?;
            return Ok(());
        }
        if !self.store.figures_complete()? {
            let rows = self.rebuild_figures()?;
            tracing::info!(
                rows = rows.len(),
                "supervision figures built from the audit events"
            );
            self.store.replace_figures(&rows)?;
        }
        Ok(())
    }

    /// Marks the figures to be built again from the events at the next start.
    pub fn figures_need_rebuild(&self) -> Result<()> {
        Ok(self.store.set_figures_incomplete()?)
    }

    /// The figures of the cases received `from..=to`, grouped.
    pub fn figures(&self, from: Date, to: Date, grouping: Grouping) -> Result<Summary> {
        let rows = self.store.figures(from, to)?;
        Ok(summarize((from, to), &rows, grouping))
    }

    /// The period's scores of departments and clerks (考核), lowest first.
    pub fn assess(
        &self,
        from: Date,
        to: Date,
        weights: &crate::supervision::assessment::Weights,
    ) -> Result<(
        Vec<crate::supervision::assessment::Score>,
        Vec<crate::supervision::assessment::Score>,
    )> {
        let rows = self.store.figures(from, to)?;
        Ok(crate::supervision::assessment::assess(
            (from, to),
            &rows,
            weights,
        ))
    }

    /// The stored rows of `from..=to` beside the same rows rebuilt from the events.
    pub fn check_figures(&self, from: Date, to: Date) -> Result<FiguresCheck> {
        let stored = self.store.figures(from, to)?;
        let rebuilt = self
            .rebuild_figures()?
            .into_iter()
            .filter(|(k, _)| k.day >= from && k.day <= to)
            .collect();
        Ok(FiguresCheck { stored, rebuilt })
    }
}
