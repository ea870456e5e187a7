//! What a store holds for one call: the empty WASI context, the memory limiter, the calendar
//! and the captured diagnostics.

use std::sync::Arc;
use std::time::Duration;

use lianban_sdk::WorkingCalendar;

use super::RuntimeConfig;
use super::holders::Holders;
use crate::elicense::ElicenseSource;
use serde::Serialize;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// One diagnostic line written by a plugin through the `log` import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LogLine {
    pub level: &'static str,
    pub message: String,
}

pub struct CallState {
    /// Built on the guest's first WASI call, which a rule that neither panics nor prints never
    /// makes. Building one seeds random sources only to replace them; building it for every
    /// call cost about 2% of a pre-check's instructions (callgrind, 新生儿出生一件事).
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) calendar: Arc<WorkingCalendar>,
    /// Present only when the matter was granted the `elicense` capability.
    pub(crate) elicense: Option<Arc<dyn ElicenseSource>>,
    /// Whose certificates this call may look up: the holders its application names (nobody's
    /// when the call has no application or no certificate source).
    pub(crate) elicense_holders: Option<Holders>,
    pub(crate) elicense_lookups: u32,
    pub(crate) max_elicense_lookups: u32,
    pub(crate) logs: Vec<LogLine>,
    max_log_lines: usize,
    pub(crate) stderr: MemoryOutputPipe,
}

impl CallState {
    pub fn new(imports: &super::Imports, memory_bytes: usize, config: &RuntimeConfig) -> CallState {
        CallState {
            wasi: None,
            table: ResourceTable::new(),
            limiter: MemoryLimiter {
                max_bytes: memory_bytes,
                denied: false,
                peak: 0,
            },
            calendar: imports.calendar.clone(),
            elicense: imports.elicense.clone(),
            elicense_holders: None,
            elicense_lookups: 0,
            max_elicense_lookups: config.max_elicense_lookups,
            logs: Vec::new(),
            max_log_lines: config.max_log_lines,
            stderr: MemoryOutputPipe::new(config.max_stderr_bytes),
        }
    }

    pub(crate) fn push_log(&mut self, level: &'static str, message: String) {
        if self.logs.len() < self.max_log_lines {
            // A single line is capped too, so a plugin cannot fill the host's memory by logging.
            let message = truncate(message, 2_000);
            self.logs.push(LogLine { level, message });
        }
    }

    /// The store's WASI resources (streams, pollables).
    pub(super) fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }

    /// Whether the guest still holds a host resource (a WASI stream, say). Such a handle lives
    /// in this store only, so a snapshot of the guest's memory would keep a dangling one.
    pub(crate) fn holds_resources(&self) -> bool {
        !self.table.is_empty()
    }

    /// Guest stderr as text (a Rust panic message lands here).
    pub(crate) fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let stderr = &self.stderr;
        WasiCtxView {
            ctx: self.wasi.get_or_insert_with(|| empty_wasi(stderr.clone())),
            table: &mut self.table,
        }
    }
}

/// The WASI context of a rules call. Rules are pure functions of their input: no files, no
/// network, no environment, and clocks and randomness that never change, so the same input
/// gives the same findings. Only stderr goes somewhere: to the pipe a panic message is read
/// from.
fn empty_wasi(stderr: MemoryOutputPipe) -> WasiCtx {
    WasiCtx::builder()
        .stderr(stderr)
        .wall_clock(FrozenClock)
        .monotonic_clock(FrozenClock)
        .secure_random(wasmtime_wasi::Deterministic::new(vec![0x5a]))
        .insecure_random(wasmtime_wasi::Deterministic::new(vec![0xa5]))
        .insecure_random_seed(0)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

/// Caps linear memory per instance, and remembers that it refused, so that the trap that
/// follows (a Rust guest aborts when allocation fails) is reported as out of memory.
pub struct MemoryLimiter {
    max_bytes: usize,
    pub(crate) denied: bool,
    /// Largest linear memory the instance reached, bytes.
    pub(crate) peak: usize,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.denied = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// A clock stopped at the Unix epoch.
struct FrozenClock;

impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}
