//! The background work `serve` starts beside the API, in one place: the outbox, scheduled
//! activations, the clocks' pass, the sweep of expired idempotent answers and sessions, and
//! retention (`retention.rs`).
//!
//! Each job finishes the pass it is in when told to stop, so that nothing holds the database
//! once `serve` returns. Every delivery attempt of the outbox is recorded durably, so a stop
//! mid-send only means one more attempt after the restart.

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;
use crate::http::idempotency::RETENTION_SECS;
use crate::store::IdempotencyStore;

pub(crate) struct Jobs {
    stop: watch::Sender<bool>,
    running: Vec<JoinHandle<()>>,
}

impl Jobs {
    pub(crate) fn start(state: &AppState) -> Jobs {
        let (stop, stopped) = watch::channel(false);
        let running = vec![
            tokio::spawn(
                state
                    .outbox
                    .clone()
                    .run(state.config.background_every, stopped.clone()),
            ),
            tokio::spawn(activate_when_due(state.clone(), stopped.clone())),
            tokio::spawn(supervise(state.clone(), stopped.clone())),
            tokio::spawn(sweep_idempotent_answers(state.clone(), stopped.clone())),
            tokio::spawn(retain(state.clone(), stopped)),
        ];
        Jobs { stop, running }
    }

    /// Tells every job to stop and waits until each has.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        for job in self.running {
            let _ = job.await;
        }
    }
}

/// Waits `every`, or until told to stop; true when it is time to stop.
async fn stopping(every: std::time::Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(every) => {}
        _ = stop.changed() => return true,
    }
    *stop.borrow()
}

/// Scheduled activations (effective dates): a pass right away — a moment that passed while
/// the host was down is caught up at start — and then every `background_every`.
async fn activate_when_due(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let app = state.clone();
        let pass = tokio::task::spawn_blocking(move || {
            app.registry
                .activate_due(app.clock.now(), &app.clock.stamp())
        })
        .await;
        for (schedule, outcome) in pass.unwrap_or_default() {
            match outcome {
                Ok(a) => {
                    tracing::info!(matter = %a.matter, sha256 = %a.sha256, "scheduled version activated")
                }
                Err(e) => {
                    tracing::error!(matter = %schedule.matter, sha256 = %schedule.sha256, error = %e, "scheduled activation failed; retrying")
                }
            }
        }
        if stopping(state.config.background_every, &mut stop).await {
            return;
        }
    }
}

/// The clocks' pass every `clock_every` (电子监察, 第二十四条). After a restart it picks up where
/// the stored cases are: alerts already raised are on the cases.
async fn supervise(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if stopping(state.config.clock_every, &mut stop).await {
            return;
        }
        let workflow = state.workflow.clone();
        match tokio::task::spawn_blocking(move || workflow.tick()).await {
            Ok(Ok(raised)) if !raised.is_empty() => {
                tracing::info!(count = raised.len(), "clock alerts raised")
            }
            Ok(Err(e)) => tracing::error!(error = %e, "clock pass failed"),
            _ => {}
        }
        let ratings = state.ratings.clone();
        match tokio::task::spawn_blocking(move || ratings.warn()).await {
            Ok(Ok(raised)) if !raised.is_empty() => {
                tracing::info!(count = raised.len(), "rectification warnings raised")
            }
            Ok(Err(e)) => tracing::error!(error = %e, "rectification pass failed"),
            _ => {}
        }
    }
}

/// Forgets idempotent answers older than their retention and sessions that have ended, every
/// `sweep_every`: a host that runs for months keeps a day of answers, not every key it was
/// ever sent, and no session nobody can use.
async fn sweep_idempotent_answers(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if stopping(state.config.sweep_every, &mut stop).await {
            return;
        }
        let app = state.clone();
        let swept = tokio::task::spawn_blocking(move || {
            let answers = app
                .store
                .forget_before(app.clock.now().timestamp() - RETENTION_SECS);
            (answers, app.identity.purge_expired())
        })
        .await;
        let Ok((answers, sessions)) = swept else {
            continue;
        };
        match answers {
            Ok(n) if n > 0 => tracing::info!(count = n, "expired idempotent answers forgotten"),
            Err(e) => tracing::error!(error = %e, "idempotency sweep failed"),
            _ => {}
        }
        match sessions {
            Ok(n) if n > 0 => tracing::info!(count = n, "ended sessions removed"),
            Err(e) => tracing::error!(error = %e, "session sweep failed"),
            _ => {}
        }
    }
}

/// Retention (`retention.rs`): a pass at start and then every `retention.every`.
async fn retain(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        let app = state.clone();
        match tokio::task::spawn_blocking(move || crate::retention::run(&app)).await {
            Ok(Ok(report)) if report != Default::default() => {
                tracing::info!(?report, "retention pass")
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "retention pass failed; retrying"),
            Err(e) => tracing::error!(error = %e, "retention pass panicked"),
        }
        if stopping(state.config.retention.every, &mut stop).await {
            return;
        }
    }
}
