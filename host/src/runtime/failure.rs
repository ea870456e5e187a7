//! Why a call into a rules component produced no answer.
//!
//! A business outcome is a finding and a `rule-error` is the rule saying it cannot decide; both
//! are answers. A failure is the host stopping the guest (or the guest crashing): it names the
//! plugin so administrators know whose rule to fix, and it never takes the host down.

use std::fmt;

use serde::Serialize;
use wasmtime::Trap;

use super::state::{CallState, LogLine};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The wall-time deadline passed (an epoch interruption).
    Timeout,
    /// The instruction budget ran out.
    BudgetExceeded,
    /// The guest asked for more linear memory than its cap.
    OutOfMemory,
    StackOverflow,
    /// The guest panicked; its message is in `stderr`.
    Panic,
    /// The result was larger than the output cap.
    OutputTooLarge,
    /// Any other trap.
    Trap,
    /// The component could not be instantiated.
    Instantiation,
    /// The rules called a host import whose capability is not granted for the matter.
    CapabilityDenied,
    /// The rules waited on something that was not ready (see `runtime/waits.rs`).
    WouldBlock,
    /// The rules answered with a value out of bounds (see `runtime/output.rs`); the detail
    /// names the field.
    InvalidOutput,
}

impl FailureKind {
    /// The stable error code clients see.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Timeout => "rule_timeout",
            FailureKind::BudgetExceeded => "rule_budget_exceeded",
            FailureKind::OutOfMemory => "rule_out_of_memory",
            FailureKind::StackOverflow => "rule_stack_overflow",
            FailureKind::Panic => "rule_panic",
            FailureKind::OutputTooLarge => "rule_output_too_large",
            FailureKind::Trap => "rule_trap",
            FailureKind::Instantiation => "rule_instantiation_failed",
            FailureKind::CapabilityDenied => "rule_capability_denied",
            FailureKind::WouldBlock => "rule_would_block",
            FailureKind::InvalidOutput => "rule_invalid_output",
        }
    }
}

/// Which plugin failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PluginIdent {
    pub matter: String,
    pub department: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleFailure {
    pub kind: FailureKind,
    pub plugin: PluginIdent,
    /// Which export was running.
    pub export: &'static str,
    /// The host's description of the trap.
    pub detail: String,
    /// What the guest wrote to stderr (a Rust panic message lands here).
    pub stderr: String,
    pub logs: Vec<LogLine>,
}

impl fmt::Display for RuleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in {} of {} {} ({}): {}",
            self.kind.code(),
            self.export,
            self.plugin.matter,
            self.plugin.version,
            self.plugin.department,
            self.detail
        )
    }
}

impl std::error::Error for RuleFailure {}

/// A failure of a component's `manifest` while it was being compiled (pre-initialisation), when
/// no plugin exists yet to name.
#[derive(Clone, Debug, Serialize)]
pub struct InitFailure {
    pub kind: FailureKind,
    pub detail: String,
    pub stderr: String,
    pub logs: Vec<LogLine>,
}

/// Sorts a wasmtime error from a call into a failure kind, using what the store saw.
pub(crate) fn classify(err: &wasmtime::Error, state: &CallState) -> (FailureKind, String) {
    let detail = format!("{err:#}");
    let stderr = state.stderr_text();
    if err
        .downcast_ref::<super::v0_2_0::CapabilityDenied>()
        .is_some()
    {
        return (FailureKind::CapabilityDenied, detail);
    }
    if err.downcast_ref::<super::waits::WouldBlock>().is_some() {
        return (FailureKind::WouldBlock, detail);
    }
    if let Some(invalid) = err.downcast_ref::<super::output::InvalidOutput>() {
        return (FailureKind::InvalidOutput, invalid.to_string());
    }
    let kind = match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => FailureKind::Timeout,
        Some(Trap::OutOfFuel) => FailureKind::BudgetExceeded,
        _ if state.limiter.denied => FailureKind::OutOfMemory,
        Some(Trap::StackOverflow) => FailureKind::StackOverflow,
        _ if stderr.contains("panicked at") => FailureKind::Panic,
        // wasmtime's "hostcall fuel" bounds what the host copies out of the guest; the error
        // type is private, so it is recognised by its message.
        _ if detail.contains("too much data is being copied") => FailureKind::OutputTooLarge,
        _ => FailureKind::Trap,
    };
    (kind, detail)
}
