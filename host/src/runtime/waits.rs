//! No rules call waits on real time.
//!
//! The epoch deadline interrupts running wasm code, and fuel counts wasm instructions; neither
//! reaches a guest that is not running. A guest that sleeps does not run: WASI has it subscribe
//! to a timer (`wasi:clocks/monotonic-clock.subscribe-duration` or `subscribe-instant`) and wait
//! for it in `wasi:io/poll.poll` or `pollable.block`, and wasmtime-wasi serves those waits on
//! the host thread, in real time. A rule that slept ten minutes held its evaluation slot (or an
//! upload's) for ten minutes, whatever its budgets said.
//!
//! The design chosen: rules see a monotonic clock frozen at zero (`state.rs`), and the clock
//! they wait on is the same one.
//!
//! - **A timer that is due is ready; a timer in the future never is.** A timer for zero
//!   nanoseconds, or for an instant the frozen clock has reached, is ready when it is made (a
//!   language runtime may use one to yield). Any other timer would fire only once time passed,
//!   and inside a rules call time does not pass.
//! - **A wait on something that is not ready fails the call at once.** `poll` and
//!   `pollable.block` look at their pollables without waiting; if none is ready, the call
//!   fails as `rule_would_block` (the host names the plugin, like any other failure) instead of
//!   parking the thread. A sleep is such a wait, and so is a poll on a timer. Nothing else in a
//!   rules call's WASI context can become ready later (no files, no sockets, stdin closed,
//!   stdout and stderr in memory), so this covers every wait there is, and keeps covering them
//!   if wasmtime-wasi adds a pollable that can.
//!
//! A rule that sleeps is broken: rules are pure functions of their input and have nothing to
//! wait for. Failing at once tells its department so, at upload if the manifest sleeps and at
//! the first pre-check otherwise, and costs the host nothing. (`pollable.ready` never waits
//! and is left as it is: a rule that spins on it spins until its fuel or deadline runs out.)
//!
//! Both hold for every call the runtime makes — every export, the upload's smoke call, the
//! pre-initialiser's run of `manifest`, shadow replays and the deadline asked at acceptance —
//! because all of them instantiate through the one linker configured here.
//!
//! wasmtime-wasi's own definitions of these four functions are replaced in the linker (its
//! other WASI interfaces stay as they are), under the WASI version it defines them at. If an
//! upgrade of wasmtime-wasi moves that version, [`add_to_linker`] refuses to start rather than
//! silently leave the real-time waits in place.

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::bindings::sync::io::poll::HostPollable;
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};

use super::state::CallState;

/// The WASI 0.2 release wasmtime-wasi defines its interfaces at. Components built against any
/// earlier 0.2 release link to these definitions too (semver-compatible imports).
const WASI_RELEASE: &str = "0.2.12";

/// Why a call failed at a wait.
#[derive(Debug, thiserror::Error)]
#[error(
    "the rules waited for something that is not ready ({0}); a rules call may not block on real time"
)]
pub(crate) struct WouldBlock(&'static str);

/// A timer against the frozen clock.
enum Timer {
    /// Due at the frozen moment or before it: ready.
    Due,
    /// Due after it: never ready.
    Never,
}

#[wasmtime_wasi::async_trait]
impl Pollable for Timer {
    async fn ready(&mut self) {
        if let Timer::Never = self {
            std::future::pending::<()>().await;
        }
    }
}

/// The instant the rules' monotonic clock always reads (`state.rs`): nothing is before it.
const FROZEN_NOW: u64 = 0;

/// Replaces wasmtime-wasi's timers and waits in `linker` (which already holds its WASI).
pub(super) fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    let clocks = format!("wasi:clocks/monotonic-clock@{WASI_RELEASE}");
    let poll = format!("wasi:io/poll@{WASI_RELEASE}");
    // Without shadowing, defining a name that exists is an error: that is the proof that the
    // names below are the ones wasmtime-wasi defined, and not new instances beside them.
    linker.allow_shadowing(false);
    for (instance, func) in [(&clocks, "subscribe-duration"), (&poll, "poll")] {
        let defined = linker
            .instance(instance)?
            .func_wrap(func, |_: StoreContextMut<'_, CallState>, (): ()| Ok(()));
        if defined.is_ok() {
            return Err(wasmtime::format_err!(
                "wasmtime-wasi no longer defines {instance}#{func}; update WASI_RELEASE in runtime/waits.rs"
            ));
        }
    }
    linker.allow_shadowing(true);
    let result = define(linker, &clocks, &poll);
    linker.allow_shadowing(false);
    result
}

fn define(linker: &mut Linker<CallState>, clocks: &str, poll: &str) -> wasmtime::Result<()> {
    let mut clock = linker.instance(clocks)?;
    clock.func_wrap(
        "subscribe-instant",
        |mut store: StoreContextMut<'_, CallState>, (when,): (u64,)| {
            Ok((timer(store.data_mut(), when == FROZEN_NOW)?,))
        },
    )?;
    clock.func_wrap(
        "subscribe-duration",
        |mut store: StoreContextMut<'_, CallState>, (duration,): (u64,)| {
            Ok((timer(store.data_mut(), duration == 0)?,))
        },
    )?;

    let mut io = linker.instance(poll)?;
    io.func_wrap(
        "poll",
        |mut store: StoreContextMut<'_, CallState>, (pollables,): (Vec<Resource<DynPollable>>,)| {
            if pollables.is_empty() {
                return Err(wasmtime::format_err!("empty poll list"));
            }
            let table = store.data_mut().table();
            let mut ready = Vec::new();
            for (index, pollable) in (0u32..).zip(&pollables) {
                if is_ready(table, pollable)? {
                    ready.push(index);
                }
            }
            if ready.is_empty() {
                return Err(wasmtime::Error::new(WouldBlock("poll")));
            }
            Ok((ready,))
        },
    )?;
    io.func_wrap(
        "[method]pollable.block",
        |mut store: StoreContextMut<'_, CallState>, (pollable,): (Resource<DynPollable>,)| {
            if is_ready(store.data_mut().table(), &pollable)? {
                Ok(())
            } else {
                Err(wasmtime::Error::new(WouldBlock("pollable.block")))
            }
        },
    )?;
    Ok(())
}

fn timer(state: &mut CallState, due: bool) -> wasmtime::Result<Resource<DynPollable>> {
    let table = state.table();
    let timer = table.push(if due { Timer::Due } else { Timer::Never })?;
    subscribe(table, timer)
}

/// Whether a pollable is ready now, without waiting for it (wasmtime-wasi's `pollable.ready`).
fn is_ready(
    table: &mut wasmtime::component::ResourceTable,
    pollable: &Resource<DynPollable>,
) -> wasmtime::Result<bool> {
    HostPollable::ready(table, Resource::new_borrow(pollable.rep()))
}
