//! Compiling components: bounded in time and in how many run at once, and artifacts sealed.
//!
//! Cranelift cannot be interrupted, and a crafted component can make it work for a long time.
//! So each compile runs on a thread of its own while the caller waits at most
//! `compile_timeout` for it (`plugin_compile_timeout` after that). A compile that ran out of
//! time still runs to its end in the background and holds its slot until then; with at most
//! `compile_slots` compiles at once, neither abandoned nor concurrent uploads can take more of
//! the machine than that. Pre-initialisation (`preinit.rs`) is part of the compile, so the same
//! limit covers it; its run of `manifest` has the evaluation budgets besides.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use wasmtime::component::Component;

use super::core::Core;
use super::preinit::{self, NotPreinitialized};
use super::{LoadError, Runtime};

/// Compiles running now, and how many may.
pub(super) struct Slots {
    running: Mutex<u32>,
    freed: Condvar,
    max: u32,
}

/// One compile's slot, given back when the compile ends (not when its caller stops waiting).
struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self
            .0
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *running = running.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

impl Slots {
    pub(super) fn new(max: u32) -> Slots {
        Slots {
            running: Mutex::new(0),
            freed: Condvar::new(),
            max: max.max(1),
        }
    }

    /// Waits for a free slot until `deadline`.
    fn take(self: &Arc<Slots>, deadline: Instant) -> Result<Slot, LoadError> {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while *running >= self.max {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(LoadError::CompilerBusy(self.max));
            }
            running = self
                .freed
                .wait_timeout(running, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        *running += 1;
        Ok(Slot(self.clone()))
    }
}

impl Runtime {
    /// Identifies the compiler settings and how components are prepared before compiling; a
    /// precompiled artifact is only valid for the same fingerprint, so artifacts are keyed by it
    /// and rebuilt from the original when it changes.
    pub fn fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.core
            .engine
            .precompile_compatibility_hash()
            .hash(&mut h);
        // Artifacts compiled before pre-initialisation are rebuilt once, so that versions
        // already active benefit from it too.
        preinit::PREPARATION.hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// Compiles a component, pre-initialised where possible (see `runtime/preinit.rs`), within
    /// the compile time limit, and returns it with its serialized artifact (not yet sealed:
    /// see [`Runtime::seal_artifact`]).
    pub fn compile(&self, bytes: &[u8]) -> Result<(Component, Vec<u8>), LoadError> {
        let started = Instant::now();
        let limit = self.core.config.compile_timeout;
        let slot = self.compiles.take(started + limit)?;
        let core = self.core.clone();
        let bytes = bytes.to_vec();
        let (tx, rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("lianban-compile".into())
            .spawn(move || {
                let _slot = slot;
                // The receiver is gone when the caller stopped waiting; nothing is owed then.
                let _ = tx.send(core.compile(&bytes));
            })
            .map_err(|e| LoadError::Compile(format!("no compiler thread: {e}")))?;
        match rx.recv_timeout(limit.saturating_sub(started.elapsed())) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(LoadError::CompileTimeout(limit)),
            Err(RecvTimeoutError::Disconnected) => Err(LoadError::Compile(
                "the compiler stopped without an answer".into(),
            )),
        }
    }

    /// Compiles a component exactly as it was uploaded, without pre-initialisation and without
    /// the time limit: for tools and tests that compare the two.
    pub fn compile_as_uploaded(&self, bytes: &[u8]) -> Result<Component, LoadError> {
        self.core.compile_as_uploaded(bytes)
    }

    /// The artifact of component `sha256`, sealed with this host's key for the store.
    pub fn seal_artifact(&self, sha256: &str, artifact: &[u8]) -> Vec<u8> {
        self.artifact_key.seal(sha256, artifact)
    }

    /// Loads an artifact of component `sha256` that [`Runtime::seal_artifact`] sealed with this
    /// host's key; anything else is refused before wasmtime sees it.
    pub fn load_artifact(&self, sha256: &str, sealed: &[u8]) -> Result<Component, LoadError> {
        let artifact = self.artifact_key.open(sha256, sealed).ok_or_else(|| {
            LoadError::Artifact("its seal does not verify with this host's key".into())
        })?;
        // SAFETY: the seal proves this host serialized these bytes with `Component::serialize`
        // for this component (see `artifact.rs`); wasmtime additionally checks the header and
        // the engine compatibility before using them.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.core.engine, artifact) };
        component.map_err(|e| LoadError::Artifact(format!("{e:#}")))
    }

    /// The component compiled with its `manifest` already run, or why it could not be.
    pub fn preinitialized(&self, bytes: &[u8]) -> Result<Component, NotPreinitialized> {
        self.core.preinitialized(bytes)
    }
}

impl Core {
    fn compile(&self, bytes: &[u8]) -> Result<(Component, Vec<u8>), LoadError> {
        let component = match self.preinitialized(bytes) {
            Ok(component) => component,
            Err(NotPreinitialized::Failed(failure)) => {
                return Err(LoadError::ManifestFailed(failure));
            }
            Err(NotPreinitialized::Unsuitable(why)) => {
                tracing::debug!(%why, "component compiled as uploaded, without pre-initialisation");
                self.compile_as_uploaded(bytes)?
            }
        };
        let artifact = component
            .serialize()
            .map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        Ok((component, artifact))
    }

    fn compile_as_uploaded(&self, bytes: &[u8]) -> Result<Component, LoadError> {
        Component::new(&self.engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))
    }
}
