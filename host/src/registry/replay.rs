//! Shadow replay: before a version is activated, run it on the inputs recent pre-checks and
//! intakes gave the matter's active rules, and report what would change.
//!
//! Inputs are kept per matter in a ring of `replay_keep` slots (the oldest is overwritten), in
//! the same store and behind the same access rules as the cases they come from. A burst of a
//! whole ring is recorded at once; after that, a few inputs per second
//! ([`RECORDED_PER_SECOND`]). Reports name inputs by sequence number and date only: an
//! administrator sees what would change, not whose application it was.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use lianban_sdk::{Application, Date, Deadline, Severity};
use serde::{Deserialize, Serialize};

use super::{PluginVersion, Registry, RegistryError};
use crate::elicense::ElicenseSource;
use crate::precheck::finding_key;
use crate::runtime::Plugin;
use crate::store::PluginStore;

/// One application as a matter's rules received it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordedInput {
    pub seq: u64,
    pub recorded_at: String,
    pub accepted_on: Date,
    pub application: Application,
}

/// What one version would change on one recorded input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InputChange {
    pub seq: u64,
    pub recorded_at: String,
    /// `severity/subject/code` of findings only the candidate gives.
    pub findings_added: Vec<String>,
    /// … and of findings only the version in service gives.
    pub findings_removed: Vec<String>,
    /// Whether the matter would block intake, before and after.
    pub blocking_before: bool,
    pub blocking_after: bool,
    pub deadline_before: Option<String>,
    pub deadline_after: Option<String>,
    /// A trap or rule error on either side, as `before` / `after`.
    pub failure: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReplayTotals {
    pub inputs: usize,
    pub inputs_changed: usize,
    pub outcomes_changed: usize,
    pub findings_added: usize,
    pub findings_removed: usize,
    pub deadlines_changed: usize,
    pub failures: usize,
}

/// The latest replay of a candidate version, and whether an administrator reviewed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReplayReport {
    pub matter: String,
    pub candidate: String,
    pub candidate_version: String,
    /// The version in service it was compared with; `None` when the matter had none.
    pub against: Option<String>,
    pub run_by: String,
    pub run_at: String,
    pub totals: ReplayTotals,
    /// Only the inputs on which something changed.
    pub changes: Vec<InputChange>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    /// Whether the rules were given the live certificate source; without it, every lookup
    /// answered "unavailable" (see [`Registry::replay`]).
    #[serde(default)]
    pub live_elicense: bool,
}

/// The certificate source of a replay run without live certificates: every lookup is
/// unavailable, as if the provincial service were down, so the rules fall back to asking for
/// the paper (both versions alike, so that the comparison stays fair).
struct Withheld;

impl ElicenseSource for Withheld {
    fn lookup(
        &self,
        _kind: &str,
        _holder: &str,
    ) -> Result<Vec<lianban_sdk::Certificate>, lianban_sdk::ElicenseError> {
        Err(lianban_sdk::ElicenseError::Unavailable(
            "回放未接入实时电子证照".into(),
        ))
    }
}

/// Keeps recorded inputs off the pre-check's path: the request only numbers the input and
/// hands it over; a thread of its own encodes and writes it. Recording is a sample, not an
/// acknowledged write, so when the thread falls behind by `QUEUE` inputs the newest are dropped
/// rather than slowing applicants down.
pub(super) struct Recorder {
    /// Per matter, found from the stored inputs on first use after a start.
    rings: Mutex<HashMap<String, Ring>>,
    writer: SyncSender<Write>,
}

/// A matter's ring: the next slot, and how many inputs may be recorded now.
struct Ring {
    next: u64,
    allowance: Allowance,
}

/// Inputs recorded per matter and second once a burst of a whole ring is used up.
///
/// The ring is a sample of recent applications. Under sustained load every pre-check would
/// otherwise overwrite it within a fraction of a second, spending a fifth of a pre-check's
/// CPU on writes nobody reads and keeping personal data on disk that adds nothing to the
/// sample; at this rate a full ring still holds the last minute or so of traffic.
const RECORDED_PER_SECOND: f64 = 4.0;

/// A token bucket: up to `burst` inputs at once, refilled at `per_second`.
struct Allowance {
    tokens: f64,
    burst: f64,
    per_second: f64,
    refilled: Instant,
}

impl Allowance {
    fn new(burst: usize, per_second: f64, now: Instant) -> Allowance {
        let burst = burst as f64;
        Allowance {
            tokens: burst,
            burst,
            per_second,
            refilled: now,
        }
    }

    /// Takes one input's worth if there is one.
    fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.refilled = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

enum Write {
    Input {
        matter: String,
        ring: u64,
        input: Box<RecordedInput>,
    },
    /// Answered once everything queued before it is written.
    Barrier(std::sync::mpsc::Sender<()>),
}

const QUEUE: usize = 1_024;

impl Recorder {
    /// Starts the writer; it ends when the recorder is dropped.
    pub(super) fn new(store: Arc<dyn PluginStore>) -> Recorder {
        let (writer, queue) = std::sync::mpsc::sync_channel::<Write>(QUEUE);
        let spawned = std::thread::Builder::new()
            .name("lianban-replay-recorder".into())
            .spawn(move || {
                for write in queue {
                    match write {
                        Write::Input {
                            matter,
                            ring,
                            input,
                        } => {
                            if let Err(e) = store.put_replay_input(&matter, ring, &input) {
                                tracing::warn!(%matter, error = %e, "replay input not recorded");
                            }
                        }
                        Write::Barrier(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            // Without the thread every send fails and nothing is recorded; pre-checks go on.
            tracing::error!(error = %e, "replay recorder not started");
        }
        Recorder {
            rings: Mutex::new(HashMap::new()),
            writer,
        }
    }

    /// Waits (a bounded time) until every input handed over so far is written, so a replay
    /// sees the pre-checks that came before it.
    fn written(&self) {
        let (done, wait) = std::sync::mpsc::channel();
        if self.writer.send(Write::Barrier(done)).is_ok() {
            let _ = wait.recv_timeout(std::time::Duration::from_secs(10));
        }
    }
}

struct Outcome {
    findings: BTreeSet<String>,
    blocking: bool,
    deadline: Option<String>,
    failure: Option<String>,
}

fn deadline_text(d: &Deadline) -> String {
    format!("{} ({} working days)", d.due, d.working_days)
}

impl Registry {
    /// Keeps what `matter`'s rules were given, for later replays. Best effort: a failure to
    /// record is logged and never fails the pre-check it came from. The application is only
    /// built when this input is one of those sampled.
    pub fn record_input(
        &self,
        matter: &str,
        accepted_on: Date,
        stamp: &str,
        app: impl FnOnce() -> Application,
    ) {
        if self.replay_keep == 0 {
            return;
        }
        let now = Instant::now();
        let seq = {
            let mut rings = self
                .recorder
                .rings
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !rings.contains_key(matter) {
                let Some(next) = self.stored_ring_end(matter) else {
                    return;
                };
                let allowance = Allowance::new(self.replay_keep, RECORDED_PER_SECOND, now);
                rings.insert(matter.to_owned(), Ring { next, allowance });
            }
            let Some(ring) = rings.get_mut(matter) else {
                return;
            };
            if !ring.allowance.take(now) {
                return;
            }
            ring.next += 1;
            ring.next - 1
        };
        let input = RecordedInput {
            seq,
            recorded_at: stamp.to_owned(),
            accepted_on,
            application: app(),
        };
        let ring = seq % self.replay_keep as u64;
        let write = Write::Input {
            matter: matter.to_owned(),
            ring,
            input: Box::new(input),
        };
        if let Err(e) = self.recorder.writer.try_send(write) {
            tracing::debug!(%matter, error = %e, "replay input dropped");
        }
    }

    /// The slot after the newest stored input of `matter`; `None` if they cannot be read.
    fn stored_ring_end(&self, matter: &str) -> Option<u64> {
        match self.store.replay_inputs(matter) {
            Ok(stored) => {
                // A ring made smaller since the inputs were recorded: what lies beyond it is
                // personal data kept longer than configured, so it goes now.
                if let Err(e) = self
                    .store
                    .trim_replay_inputs(matter, self.replay_keep as u64)
                {
                    tracing::warn!(%matter, error = %e, "replay inputs not trimmed");
                }
                Some(stored.iter().map(|i| i.seq + 1).max().unwrap_or(0))
            }
            Err(e) => {
                tracing::warn!(%matter, error = %e, "replay inputs unreadable");
                None
            }
        }
    }

    /// What `plugin` says about one input, with the imports `version` would get in service —
    /// except live certificates, unless `live`.
    fn outcome(
        &self,
        plugin: &Plugin,
        version: &PluginVersion,
        input: &RecordedInput,
        live: bool,
    ) -> Outcome {
        let mut imports = self.imports(version, self.calendar.current());
        if !live && imports.elicense.is_some() {
            imports.elicense = Some(Arc::new(Withheld));
        }
        match self
            .runtime
            .evaluate(plugin, &input.application, input.accepted_on, &imports)
        {
            Ok(eval) => {
                let mut findings = BTreeSet::new();
                let mut blocking = false;
                let mut failure = None;
                for part in [eval.materials, eval.form] {
                    match part {
                        Ok(list) => {
                            blocking |= list.iter().any(|f| f.severity == Severity::Blocking);
                            findings.extend(list.iter().map(finding_key));
                        }
                        Err(e) => failure = Some(format!("rule_error {}", e.code)),
                    }
                }
                let deadline = match eval.deadline {
                    Ok(d) => Some(deadline_text(&d)),
                    Err(e) => Some(format!("rule_error {}", e.code)),
                };
                Outcome {
                    findings,
                    blocking,
                    deadline,
                    failure,
                }
            }
            Err(f) => Outcome {
                findings: BTreeSet::new(),
                blocking: true,
                deadline: None,
                failure: Some(f.kind.code().to_owned()),
            },
        }
    }

    /// Runs `candidate` and the version in service on the last `limit` recorded inputs of
    /// `matter` and stores the report as the candidate's latest, not yet reviewed.
    ///
    /// A candidate has not been put into service by anyone, so it reads no live personal data
    /// unless the administrator asks for it (`live_elicense`): by default the rules of both
    /// versions find every certificate lookup unavailable.
    pub fn replay(
        &self,
        matter: &str,
        candidate: &str,
        limit: usize,
        live_elicense: bool,
        by: &str,
        now: &str,
    ) -> Result<ReplayReport, RegistryError> {
        let version = self.stored_version(matter, candidate)?;
        let candidate_plugin = self.version_plugin(matter, candidate)?;
        let active = self.active(matter);
        self.recorder.written();
        let mut inputs = self.store.replay_inputs(matter)?;
        inputs.sort_by_key(|i| std::cmp::Reverse(i.seq));
        inputs.truncate(limit);

        let mut totals = ReplayTotals {
            inputs: inputs.len(),
            ..ReplayTotals::default()
        };
        let mut changes = Vec::new();
        for input in &inputs {
            let before = match &active {
                Some(a) => self.outcome(&a.plugin, &a.version, input, live_elicense),
                None => Outcome {
                    findings: BTreeSet::new(),
                    blocking: false,
                    deadline: None,
                    failure: None,
                },
            };
            let after = self.outcome(&candidate_plugin, &version, input, live_elicense);
            let added: Vec<String> = after
                .findings
                .difference(&before.findings)
                .cloned()
                .collect();
            let removed: Vec<String> = before
                .findings
                .difference(&after.findings)
                .cloned()
                .collect();
            let failure = match (&before.failure, &after.failure) {
                (None, None) => None,
                (b, a) => Some(format!(
                    "{} / {}",
                    b.as_deref().unwrap_or("-"),
                    a.as_deref().unwrap_or("-")
                )),
            };
            let deadline_changed = before.deadline != after.deadline;
            let outcome_changed = before.blocking != after.blocking;
            totals.findings_added += added.len();
            totals.findings_removed += removed.len();
            totals.deadlines_changed += usize::from(deadline_changed);
            totals.outcomes_changed += usize::from(outcome_changed);
            totals.failures += usize::from(failure.is_some());
            if !added.is_empty() || !removed.is_empty() || deadline_changed || failure.is_some() {
                totals.inputs_changed += 1;
                changes.push(InputChange {
                    seq: input.seq,
                    recorded_at: input.recorded_at.clone(),
                    findings_added: added,
                    findings_removed: removed,
                    blocking_before: before.blocking,
                    blocking_after: after.blocking,
                    deadline_before: before.deadline,
                    deadline_after: after.deadline,
                    failure,
                });
            }
        }
        let report = ReplayReport {
            matter: matter.to_owned(),
            candidate: candidate.to_owned(),
            candidate_version: version.version,
            against: active.map(|a| a.version.sha256.clone()),
            run_by: by.to_owned(),
            run_at: now.to_owned(),
            totals,
            changes,
            reviewed_by: None,
            reviewed_at: None,
            live_elicense,
        };
        self.store.put_replay(&report)?;
        Ok(report)
    }

    /// The latest replay of `candidate`, if any.
    pub fn latest_replay(
        &self,
        matter: &str,
        candidate: &str,
    ) -> Result<Option<ReplayReport>, RegistryError> {
        Ok(self.store.replay(matter, candidate)?)
    }

    /// Marks the latest replay of `candidate` as reviewed.
    pub fn review_replay(
        &self,
        matter: &str,
        candidate: &str,
        by: &str,
        now: &str,
    ) -> Result<ReplayReport, RegistryError> {
        let mut report =
            self.store
                .replay(matter, candidate)?
                .ok_or_else(|| RegistryError::NoReplay {
                    matter: matter.to_owned(),
                    sha256: candidate.to_owned(),
                })?;
        report.reviewed_by = Some(by.to_owned());
        report.reviewed_at = Some(now.to_owned());
        self.store.put_replay(&report)?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_is_recorded_whole_and_then_a_few_inputs_per_second() {
        let start = Instant::now();
        let mut allowance = Allowance::new(3, 4.0, start);
        assert!(
            (0..3).all(|_| allowance.take(start)),
            "a ring's worth at once"
        );
        assert!(!allowance.take(start));
        // A quarter of a second earns one more input, and no more.
        let later = start + Duration::from_millis(250);
        assert!(allowance.take(later));
        assert!(!allowance.take(later));
        // A long pause refills the burst, never beyond it.
        let much_later = later + Duration::from_secs(3_600);
        assert_eq!((0..10).filter(|_| allowance.take(much_later)).count(), 3);
    }
}
