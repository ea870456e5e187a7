//! What one call into a rules component may consume.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Budgets for one plugin. The defaults suit a Rust rule of a few hundred kilobytes; a plugin
/// written in an interpreted language needs more memory and fuel, which is why every budget
/// can be set per plugin (see the registry) within the engine-wide ceilings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Limits {
    /// Linear memory of one instance, bytes.
    pub memory_bytes: usize,
    /// Instructions per export call (wasmtime fuel).
    pub fuel: u64,
    /// Wall time per export call, milliseconds.
    pub timeout_ms: u64,
    /// Bytes the host copies out of the guest per call (strings and lists of the result).
    pub output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory_bytes: 32 << 20,
            fuel: 500_000_000,
            timeout_ms: 1_000,
            output_bytes: 1 << 20,
        }
    }
}

impl Limits {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// Engine-wide settings, fixed when the process starts.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Budgets for plugins that have none of their own.
    pub default_limits: Limits,
    /// No plugin may be given more linear memory than this.
    pub max_memory_bytes: usize,
    /// Instances that may be alive at once (the pooling allocator's slots). Calls beyond this
    /// wait for a slot rather than fail.
    pub instance_slots: u32,
    /// Granularity of the wall-time deadline.
    pub epoch_tick: Duration,
    /// Take instances from a pre-reserved pool (fast) rather than mapping memory per instance.
    /// Off only where the process may not reserve much virtual memory.
    pub pooling: bool,
    /// Bytes at the start of each pooled linear memory that are reset in place between
    /// instances instead of being returned to the kernel. Where the kernel reports written
    /// pages (Linux ≥ 6.7, `PAGEMAP_SCAN`) only those are reset, so a generous value costs
    /// nothing for the pages a rule never touched; without that, this prefix is zeroed whole
    /// every time. Pages beyond it are handed back with `madvise`, which on a multi-core
    /// machine means a TLB shootdown per instance.
    pub keep_resident_bytes: usize,
    /// Diagnostic lines kept per call, and bytes of guest stderr.
    pub max_log_lines: usize,
    pub max_stderr_bytes: usize,
    /// Certificate lookups one call may make (rules API 0.2.0, `elicense`); one more fails the
    /// call as `rule_capability_denied`.
    pub max_elicense_lookups: u32,
    /// Longest a compile of an upload may take, pre-initialisation included; longer is refused
    /// as `plugin_compile_timeout`.
    pub compile_timeout: Duration,
    /// Components compiled at once. A compile that ran out of time still finishes in the
    /// background (a compiler cannot be stopped midway) and keeps its slot until it does, so
    /// this also bounds what abandoned compiles can take.
    pub compile_slots: u32,
}

impl Default for RuntimeConfig {
    fn default() -> RuntimeConfig {
        RuntimeConfig {
            default_limits: Limits::default(),
            max_memory_bytes: 256 << 20,
            instance_slots: 128,
            epoch_tick: Duration::from_millis(5),
            pooling: true,
            keep_resident_bytes: 16 << 20,
            max_log_lines: 64,
            max_stderr_bytes: 16 << 10,
            max_elicense_lookups: 8,
            compile_timeout: Duration::from_secs(60),
            compile_slots: 2,
        }
    }
}
