//! Retention periods after archive and the pass that applies them (`jobs.rs` runs it): personal
//! values of archived cases anonymised, recorded rules inputs and sent messages purged, material
//! files no longer needed deleted. Each period runs from the record's own timestamp on the
//! host's clock, so tests move the clock instead of waiting.

use std::time::Duration;

use chrono::SecondsFormat;

use crate::app::Services;
use crate::clock::china;
use crate::store::{OutboxStore, PluginStore};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionConfig {
    /// Days after archive before a case's personal values are anonymised.
    pub personal_days: u32,
    /// Days a recorded rules input is kept for shadow replays.
    pub replay_input_days: u32,
    /// Days a delivered SMS or webhook stays in the sent log.
    pub sent_message_days: u32,
    /// How often the pass runs.
    pub every: Duration,
}

impl Default for RetentionConfig {
    /// Three years of personal data after archive: the platform is not the archive (the
    /// archive record stays, and the paper and electronic archives go to the archives office
    /// under their own periods); a quarter of inputs for replays; half a year of sent log.
    fn default() -> RetentionConfig {
        RetentionConfig {
            personal_days: 3 * 365,
            replay_input_days: 90,
            sent_message_days: 180,
            every: Duration::from_secs(3600),
        }
    }
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub anonymised: Vec<String>,
    pub files_deleted: usize,
    pub inputs_purged: usize,
    pub messages_purged: usize,
}

/// The record timestamp `days` before now on the host's clock.
fn cutoff(state: &Services, days: u32) -> String {
    (state.clock.now() - chrono::Duration::days(i64::from(days)))
        .with_timezone(&china())
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// One pass over everything retention covers.
pub fn run(state: &Services) -> Result<RetentionReport, String> {
    let periods = state.config.retention;
    let cases = state
        .workflow
        .anonymise_archived_before(&cutoff(state, periods.personal_days))
        .map_err(|e| e.to_string())?;
    let inputs_purged = state
        .store
        .purge_replay_inputs_before(&cutoff(state, periods.replay_input_days))
        .map_err(|e| e.to_string())?;
    let messages_purged = state
        .store
        .purge_sent_before(&cutoff(state, periods.sent_message_days))
        .map_err(|e| e.to_string())?;
    Ok(RetentionReport {
        anonymised: cases.cases,
        files_deleted: cases.files_deleted,
        inputs_purged,
        messages_purged,
    })
}
