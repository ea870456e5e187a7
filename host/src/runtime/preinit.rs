//! Pre-initialisation: a component's `manifest` export runs once, when the component is
//! compiled, and the memory it leaves behind becomes the starting memory of every instance.
//!
//! Why: the SDK's checks consult the manifest on every call. Natively it is built once per
//! thread; in a fresh instance it was built again for every evaluation, every label allocated
//! and every dictionary entry looked up. Profiled on the pre-check of 新生儿出生一件事, that was
//! about a quarter of the time spent inside the rules.
//!
//! What does not change: every evaluation still gets a fresh instance, now started from the
//! snapshot. The snapshot holds only what the component computed with no input at all, so no
//! applicant's data can be in it. The same input always gives the same findings (the WIT's
//! `application.today`), so having built the manifest earlier cannot change what rules say;
//! the host still checks that the snapshot declares exactly the manifest the original declares,
//! and `tests/preinit.rs` that every demo plugin judges as it did before.
//!
//! It is an optimisation, with one exception. When `manifest` itself fails here — traps, loops
//! past its fuel or deadline, asks for too much memory, waits — that is the component's
//! failure, reported as such at once ([`NotPreinitialized::Failed`]) with the budgets every
//! evaluation has: compiling it again only to watch the same call fail would double the cost of
//! a hostile upload. Anything else leaves the original component in use, and the upload's own
//! validation reports whatever is wrong with it: a component that the pre-initialiser cannot
//! take apart, a `manifest` that still holds a host resource when it returns (the snapshot
//! copies memory, not the store's handles), a different manifest after the snapshot.
//! Components larger than [`MAX_BYTES`] are left as they are: those are interpreters
//! (componentize-py), which their toolchain already pre-initialises, and compiling them twice
//! would double a long upload.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use std::fmt;

use wasmtime::Store;
use wasmtime::component::{Component, ComponentType, Instance, Lift, Val, WasmList};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use super::core::Core;
use super::failure::{self, InitFailure};
use super::state::CallState;

/// Components above this size are not pre-initialised (see the module docs).
pub const MAX_BYTES: usize = 4 << 20;

/// Names how components are prepared before compiling; part of the artifact fingerprint.
pub(super) const PREPARATION: &str = "preinit:manifest:1";

/// The export run before the snapshot. It is kept: the snapshot is still a rules component.
const INIT_EXPORT: &str = "manifest";

/// Why a component was not pre-initialised.
#[derive(Debug)]
pub enum NotPreinitialized {
    /// It cannot be snapshotted, or is not worth it; it is compiled as uploaded instead.
    Unsuitable(String),
    /// Its `manifest` failed within the evaluation budgets: the component is refused.
    Failed(Box<InitFailure>),
}

impl fmt::Display for NotPreinitialized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotPreinitialized::Unsuitable(why) => f.write_str(why),
            NotPreinitialized::Failed(failure) => write!(
                f,
                "`{INIT_EXPORT}` failed: {} ({})",
                failure.kind.code(),
                failure.detail
            ),
        }
    }
}

impl From<String> for NotPreinitialized {
    fn from(why: String) -> NotPreinitialized {
        NotPreinitialized::Unsuitable(why)
    }
}

impl From<&str> for NotPreinitialized {
    fn from(why: &str) -> NotPreinitialized {
        NotPreinitialized::Unsuitable(why.to_owned())
    }
}

impl Core {
    /// The component compiled with its `manifest` already run, or why it could not be.
    pub(super) fn preinitialized(&self, bytes: &[u8]) -> Result<Component, NotPreinitialized> {
        if bytes.len() > MAX_BYTES {
            return Err(format!("larger than {MAX_BYTES} bytes").into());
        }
        let mut wizer = Wizer::new();
        wizer.init_func(INIT_EXPORT).keep_init_func(true);
        let (cx, instrumented) = wizer
            .instrument_component(bytes)
            .map_err(|e| format!("instrument: {e:#}"))?;
        let (_, mut store, instance) = self.started(&instrumented, "the instrumented component")?;
        let declared = call_manifest(&mut store, &instance)?;
        if store.data().holds_resources() {
            return Err(
                "`manifest` left a host resource open; its handle would not survive".into(),
            );
        }
        // The accessors copy whole linear memories out, which the memory limiter has already
        // capped; the per-call output cap is for answers, not for this.
        store.set_hostcall_fuel(usize::MAX);

        let mut access = Access {
            store: &mut store,
            instance,
            failed: None,
        };
        let snapshot = now(wizer.snapshot_component(&cx, &mut access))?
            .map_err(|e| format!("snapshot: {e:#}"))?;
        if let Some(why) = access.failed {
            return Err(format!("snapshot: {why}").into());
        }

        // The snapshot must declare what the original declares, from a fresh instance of it.
        let (snapshot, mut store, instance) = self.started(&snapshot, "the snapshot")?;
        if call_manifest(&mut store, &instance)? != declared {
            return Err("the snapshot declares a different manifest".into());
        }
        Ok(snapshot)
    }

    /// Compiles `bytes` and instantiates them in a store of their own.
    fn started(
        &self,
        bytes: &[u8],
        what: &str,
    ) -> Result<(Component, Store<CallState>, Instance), String> {
        let component =
            Component::new(&self.engine, bytes).map_err(|e| format!("compile {what}: {e:#}"))?;
        let mut store = self.init_store();
        let instance = self
            .linker
            .instantiate(&mut store, &component)
            .map_err(|e| format!("instantiate {what}: {e:#}"))?;
        Ok((component, store, instance))
    }
}

/// Calls the `manifest` export, whatever the world, and returns its answer as values. A
/// failure of the call is the component's ([`NotPreinitialized::Failed`]).
fn call_manifest(
    store: &mut Store<CallState>,
    instance: &Instance,
) -> Result<Vec<Val>, NotPreinitialized> {
    let func = instance
        .get_func(&mut *store, INIT_EXPORT)
        .ok_or_else(|| format!("no `{INIT_EXPORT}` export"))?;
    let mut results = vec![Val::Bool(false); func.ty(&*store).results().len()];
    if let Err(e) = func.call(&mut *store, &[], &mut results) {
        let (kind, detail) = failure::classify(&e, store.data());
        return Err(NotPreinitialized::Failed(Box::new(InitFailure {
            kind,
            detail,
            stderr: store.data().stderr_text(),
            logs: store.data().logs.clone(),
        })));
    }
    Ok(results)
}

/// Completes a future that never waits: the pre-initialiser's interface is async, but every
/// call below is a plain synchronous call into the instance.
fn now<F: Future>(future: F) -> Result<F::Output, String> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => Ok(out),
        Poll::Pending => {
            Err("the pre-initialiser waited, which a synchronous call never does".into())
        }
    }
}

/// Lets the pre-initialiser read an instance's memories and globals through the accessor
/// exports it added. Its interface cannot report an error, so the first one is kept here and
/// a neutral value returned; [`Runtime::preinitialized`] then discards the snapshot.
struct Access<'a> {
    store: &'a mut Store<CallState>,
    instance: Instance,
    failed: Option<String>,
}

impl Access<'_> {
    fn call<R: ComponentType + Lift + Send + Sync + 'static>(
        &mut self,
        instance: &str,
        func: &str,
    ) -> Option<R> {
        let result = (|| {
            let (_, parent) = self
                .instance
                .get_export(&mut *self.store, None, instance)
                .ok_or("no accessor instance")?;
            let (_, index) = self
                .instance
                .get_export(&mut *self.store, Some(&parent), func)
                .ok_or("no accessor function")?;
            let typed = self
                .instance
                .get_typed_func::<(), (R,)>(&mut *self.store, index)
                .map_err(|e| format!("{e:#}"))?;
            typed
                .call(&mut *self.store, ())
                .map(|(r,)| r)
                .map_err(|e| format!("{e:#}"))
        })();
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                self.failed
                    .get_or_insert_with(|| format!("{instance}#{func}: {e}"));
                None
            }
        }
    }
}

impl ComponentInstanceState for Access<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        match self.call::<WasmList<u8>>(instance, func) {
            Some(list) => contents(list.as_le_slice(&*self.store)),
            None => contents(&[]),
        }
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func).unwrap_or(0)
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func).unwrap_or(0)
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call::<f32>(instance, func).map_or(0, f32::to_bits)
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call::<f64>(instance, func).map_or(0, f64::to_bits)
    }
}
