//! Scheduled activations: a version that becomes the active one at a set moment, because the
//! regulation behind it takes effect on a day.
//!
//! A schedule is stored (flushed) when it is set, so it survives restarts in between; the host
//! checks for due schedules in the background every `background_every` and once right after it
//! starts, so a moment that passed while the host was down is caught up at once. The switch is
//! an ordinary activation — hot swap, history record naming the schedule and who set it — and
//! removes the schedule in the same transaction.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::{Activation, Gate, Registry, RegistryError};

/// A version waiting for its moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Schedule {
    pub matter: String,
    pub sha256: String,
    pub version: String,
    /// When it becomes active, with the offset it was given in (China Standard Time when
    /// given as a date).
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<FixedOffset>,
    pub scheduled_by: String,
    pub scheduled_at: String,
    pub reason: Option<String>,
}

impl Registry {
    /// Schedules `sha256` to become the active version of `matter` at `at`. Scheduling the same
    /// version again moves its moment. The version is prepared now — compiled if its artifact
    /// is missing — so that the switch itself cannot fail on a component problem.
    pub fn schedule(
        &self,
        matter: &str,
        sha256: &str,
        at: DateTime<FixedOffset>,
        by: &str,
        now: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Schedule, RegistryError> {
        let version = self.stored_version(matter, sha256)?;
        if at.with_timezone(&Utc) <= now {
            return Err(RegistryError::ScheduleInPast(at.to_rfc3339()));
        }
        // Checked now so the administrator hears of it at once, and again at the moment.
        self.check_reviewed(matter, sha256)?;
        self.check_granted(&version)?;
        self.prepare(&version)?;
        let schedule = Schedule {
            matter: matter.to_owned(),
            sha256: sha256.to_owned(),
            version: version.version,
            at,
            scheduled_by: by.to_owned(),
            scheduled_at: now
                .with_timezone(&crate::clock::china())
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            reason,
        };
        self.store.put_schedule(&schedule)?;
        Ok(schedule)
    }

    /// Pending schedules of one matter, or of all matters, soonest first.
    pub fn schedules(&self, matter: Option<&str>) -> Result<Vec<Schedule>, RegistryError> {
        let mut all = self.store.schedules()?;
        all.retain(|s| matter.is_none_or(|m| s.matter == m));
        all.sort_by_key(|s| s.at);
        Ok(all)
    }

    /// Cancels a pending schedule.
    pub fn unschedule(&self, matter: &str, sha256: &str) -> Result<(), RegistryError> {
        if self.store.remove_schedule(matter, sha256)? {
            Ok(())
        } else {
            Err(RegistryError::UnknownSchedule {
                matter: matter.to_owned(),
                sha256: sha256.to_owned(),
            })
        }
    }

    /// Activates every schedule whose moment has come, oldest moment first, so that of two
    /// versions of one matter that both fell due the later one ends up active. A schedule that
    /// cannot be carried out stays and is tried again on the next pass; each outcome is
    /// returned with its schedule for the log.
    pub fn activate_due(
        &self,
        now: DateTime<Utc>,
        stamp: &str,
    ) -> Vec<(Schedule, Result<Activation, RegistryError>)> {
        let due = match self.schedules(None) {
            Ok(all) => all,
            Err(e) => {
                tracing::error!(error = %e, "cannot read scheduled activations");
                return Vec::new();
            }
        };
        due.into_iter()
            .filter(|s| s.at.with_timezone(&Utc) <= now)
            .map(|s| {
                let reason = Some(match &s.reason {
                    Some(r) => format!("定时生效（{}）：{r}", s.at.to_rfc3339()),
                    None => format!("定时生效（{}）", s.at.to_rfc3339()),
                });
                let by = format!("schedule:{}", s.scheduled_by);
                let outcome = self.activate_inner(
                    &s.matter,
                    &s.sha256,
                    &by,
                    stamp,
                    reason,
                    Gate::ReplayReview,
                    Some(&s),
                );
                (s, outcome)
            })
            .collect()
    }
}
