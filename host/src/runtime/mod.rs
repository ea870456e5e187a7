//! The one place that configures wasmtime: component model, pooling allocator, fuel and epoch
//! interruption, the linker with an empty WASI context, and the calls into rules components
//! with their budgets.
//!
//! Each evaluation gets a fresh store and instance from a prepared template, so no state
//! survives between applications and a misbehaving call cannot affect the next one. The
//! template is the component as it stands after its `manifest` export ran once at compile time
//! (`preinit.rs`): state computed from no input at all, shared by every instance.

mod failure;
mod inspect;
mod instantiate;
mod limits;
mod preinit;
mod state;
mod v0_1_0;
mod v0_2_0;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use lianban_sdk::{
    Application, Capability, Date, Deadline, Exemption, Finding, Manifest, MaterialReview,
    RuleError, WorkingCalendar,
};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

pub use failure::{FailureKind, PluginIdent, RuleFailure};
pub use inspect::api_version;
pub use limits::{Limits, RuntimeConfig};
pub use state::LogLine;

use state::CallState;

use crate::elicense::ElicenseSource;
use crate::metrics::{Metrics, RuleSeries};

/// WIT versions this host serves, oldest first.
pub const SUPPORTED_APIS: &[&str] = &[v0_1_0::API_VERSION, v0_2_0::API_VERSION];

/// What a call may reach through its imports. The calendar always; certificates only when the
/// matter's administrators granted the `elicense` capability (else the import traps).
#[derive(Clone)]
pub struct Imports {
    pub calendar: Arc<WorkingCalendar>,
    pub elicense: Option<Arc<dyn ElicenseSource>>,
}

impl Imports {
    /// The calendar and nothing else.
    pub fn calendar(calendar: Arc<WorkingCalendar>) -> Imports {
        Imports {
            calendar,
            elicense: None,
        }
    }
}

/// An application as rules components receive it (the WIT `application` record).
///
/// Every matter of a one-thing is given the same form and materials (WIT 0.1.0 `application`),
/// so a pre-check builds this once and only changes the matter's code between the calls,
/// instead of copying the whole application again for each matter.
pub struct RulesInput(v0_1_0::WitApplication);

impl RulesInput {
    pub fn new(app: Application) -> RulesInput {
        RulesInput(app.into())
    }

    /// The same application, addressed to `matter`.
    pub fn set_matter(&mut self, matter: &str) {
        matter.clone_into(&mut self.0.matter);
    }
}

/// What a component says it is: the manifest, and the capabilities it asks for (none before
/// 0.2.0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    pub manifest: Manifest,
    pub capabilities: Vec<Capability>,
}

type Found = Result<Vec<Finding>, RuleError>;

/// The `evaluate` export's answer, whichever world the component is built for.
struct Checks {
    materials: Result<MaterialReview, RuleError>,
    form: Found,
    deadline: Result<Deadline, RuleError>,
}

/// Why a component could not be loaded or prepared.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    #[error("the component does not record which rules API it was built for")]
    MissingApiVersion,
    #[error("rules API {0} is not served by this host")]
    UnsupportedApi(String),
    #[error("the component does not match the rules world: {0}")]
    WrongWorld(String),
    #[error("compilation failed: {0}")]
    Compile(String),
    #[error("precompiled artifact unusable: {0}")]
    Artifact(String),
}

/// A rules component ready to be instantiated: compiled, type-checked against its world and
/// linked. Cloning is cheap; requests that hold one keep using it while a newer version is
/// activated.
#[derive(Clone)]
pub struct Plugin {
    pub ident: PluginIdent,
    pub api: String,
    pub limits: Limits,
    pre: Api,
    series: RuleSeries,
}

#[derive(Clone)]
enum Api {
    V0_1_0(v0_1_0::RulesPre<CallState>),
    V0_2_0(v0_2_0::RulesPre<CallState>),
}

/// A fresh instance of either world.
enum Instance {
    V0_1_0(v0_1_0::Rules),
    V0_2_0(v0_2_0::Rules),
}

/// Everything one matter's rules said about one application.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub materials: Result<Vec<Finding>, RuleError>,
    /// Materials an electronic certificate replaces (免提交); always empty before 0.2.0.
    pub exempt: Vec<Exemption>,
    /// How many certificate lookups the rules made.
    pub elicense_lookups: u32,
    pub form: Result<Vec<Finding>, RuleError>,
    pub deadline: Result<Deadline, RuleError>,
    pub logs: Vec<LogLine>,
    pub fuel_used: u64,
    /// Largest linear memory the instance reached, bytes.
    pub peak_memory_bytes: usize,
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    config: RuntimeConfig,
    metrics: Arc<Metrics>,
    stop_ticker: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> wasmtime::Result<Runtime> {
        let slots = config.instance_slots.max(1);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(slots)
            // A Rust component is its main module plus a few small shim modules.
            .total_core_instances(slots * 8)
            .max_core_instances_per_component(16)
            .total_memories(slots * 2)
            .max_memories_per_component(2)
            .total_tables(slots * 8)
            .max_tables_per_component(8)
            .total_stacks(slots)
            .max_memory_size(config.max_memory_bytes)
            // Memory an instance touched is zeroed and kept for the next instance rather than
            // handed back to the kernel and faulted in again (see `RuntimeConfig`).
            .linear_memory_keep_resident(config.keep_resident_bytes)
            .table_keep_resident(64 << 10)
            // Where the kernel can say which pages an instance wrote (Linux ≥ 6.7), only those
            // are reset, instead of zeroing the whole kept-resident prefix every time.
            .pagemap_scan(wasmtime::Enabled::Auto);

        let mut cfg = Config::new();
        cfg.wasm_component_model(true)
            .consume_fuel(true)
            .epoch_interruption(true)
            .max_wasm_stack(512 << 10)
            // Rules calls are synchronous. Without this, every store sets up the bookkeeping
            // for concurrent guest tasks, and every call into the guest — including each
            // `cabi_realloc` while an application's strings are copied in — registers a task.
            .concurrency_support(false);
        // `LIANBAN_WASM_PROFILER=perfmap` names the guests' compiled functions for `perf`.
        if std::env::var_os("LIANBAN_WASM_PROFILER").is_some_and(|v| v == "perfmap") {
            cfg.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if config.pooling {
            cfg.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&cfg)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        v0_1_0::add_to_linker(&mut linker)?;
        v0_2_0::add_to_linker(&mut linker)?;

        // Wall-time deadlines are counted in epochs; one thread advances them for every store.
        let stop_ticker = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = stop_ticker.clone();
            let tick = config.epoch_tick;
            std::thread::Builder::new()
                .name("lianban-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(tick);
                        engine.increment_epoch();
                    }
                })?
        };

        Ok(Runtime {
            engine,
            linker,
            config,
            metrics: Arc::new(Metrics::new()),
            stop_ticker,
            ticker: Some(ticker),
        })
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Calls, latency, fuel and failures per rules version (and, through the HTTP layer, the
    /// API's own figures).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Counts one call, whatever its outcome, and passes the outcome on.
    fn observed<T>(
        &self,
        plugin: &Plugin,
        export: &'static str,
        started: Instant,
        store: &Store<CallState>,
        outcome: Result<T, Box<RuleFailure>>,
    ) -> Result<T, Box<RuleFailure>> {
        let fuel = plugin
            .limits
            .fuel
            .saturating_sub(store.get_fuel().unwrap_or(0));
        let failure = outcome.as_ref().err().map(|f| f.kind);
        self.metrics.rule_call(
            &plugin.series,
            &plugin.ident,
            export,
            started.elapsed(),
            fuel,
            failure,
        );
        outcome
    }

    /// Identifies the compiler settings and how components are prepared before compiling; a
    /// precompiled artifact is only valid for the same fingerprint, so artifacts are keyed by it
    /// and rebuilt from the original when it changes.
    pub fn fingerprint(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut h);
        // Artifacts compiled before pre-initialisation are rebuilt once, so that versions
        // already active benefit from it too.
        preinit::PREPARATION.hash(&mut h);
        format!("{:016x}", h.finish())
    }

    /// Compiles a component, pre-initialised where possible (see `runtime/preinit.rs`), and
    /// returns it with its serialized artifact.
    pub fn compile(&self, bytes: &[u8]) -> Result<(Component, Vec<u8>), LoadError> {
        let component = match self.preinitialized(bytes) {
            Ok(component) => component,
            Err(why) => {
                tracing::debug!(%why, "component compiled as uploaded, without pre-initialisation");
                self.compile_as_uploaded(bytes)?
            }
        };
        let artifact = component
            .serialize()
            .map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        Ok((component, artifact))
    }

    /// Compiles a component exactly as it was uploaded: what [`Runtime::compile`] falls back to.
    pub fn compile_as_uploaded(&self, bytes: &[u8]) -> Result<Component, LoadError> {
        Component::new(&self.engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))
    }

    /// Loads an artifact produced by [`Runtime::compile`] with this same engine.
    pub fn load_artifact(&self, artifact: &[u8]) -> Result<Component, LoadError> {
        // SAFETY: artifacts are only ever produced by `compile` above and stored by the registry
        // under this engine's fingerprint, in the host's own database; wasmtime additionally
        // checks the header and the engine compatibility before using them.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.engine, artifact) };
        component.map_err(|e| LoadError::Artifact(format!("{e:#}")))
    }

    /// Links a compiled component against the world of `api` and checks its exports.
    pub fn prepare(
        &self,
        component: &Component,
        api: &str,
        ident: PluginIdent,
        limits: Limits,
    ) -> Result<Plugin, LoadError> {
        let limits = self.clamp(limits);
        let wrong_world = |e: wasmtime::Error| LoadError::WrongWorld(format!("{e:#}"));
        let instance_pre = || self.linker.instantiate_pre(component).map_err(wrong_world);
        let pre = match api {
            v0_1_0::API_VERSION => {
                Api::V0_1_0(v0_1_0::RulesPre::new(instance_pre()?).map_err(wrong_world)?)
            }
            v0_2_0::API_VERSION => {
                Api::V0_2_0(v0_2_0::RulesPre::new(instance_pre()?).map_err(wrong_world)?)
            }
            other => return Err(LoadError::UnsupportedApi(other.to_owned())),
        };
        Ok(Plugin {
            series: self.metrics.rule_series(&ident),
            ident,
            api: api.to_owned(),
            limits,
            pre,
        })
    }

    /// Budgets never exceed the engine-wide ceilings.
    fn clamp(&self, mut limits: Limits) -> Limits {
        limits.memory_bytes = limits.memory_bytes.min(self.config.max_memory_bytes);
        limits
    }

    fn store(&self, limits: &Limits, imports: &Imports) -> Store<CallState> {
        let state = CallState::new(
            imports,
            limits.memory_bytes,
            self.config.max_log_lines,
            self.config.max_stderr_bytes,
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_hostcall_fuel(limits.output_bytes);
        store
    }

    /// Gives the next call its full budgets: fuel and a wall-time deadline.
    fn arm(&self, store: &mut Store<CallState>, limits: &Limits) -> wasmtime::Result<()> {
        store.set_fuel(limits.fuel)?;
        let tick = self.config.epoch_tick.as_millis().max(1);
        let ticks = u64::try_from(u128::from(limits.timeout_ms).div_ceil(tick)).unwrap_or(u64::MAX);
        store.set_epoch_deadline(ticks.max(1));
        Ok(())
    }

    fn failure(
        &self,
        plugin: &Plugin,
        export: &'static str,
        err: &wasmtime::Error,
        store: &Store<CallState>,
    ) -> Box<RuleFailure> {
        let (mut kind, detail) = failure::classify(err, store.data());
        if export == "instantiate" && kind == FailureKind::Trap {
            kind = FailureKind::Instantiation;
        }
        Box::new(RuleFailure {
            kind,
            plugin: plugin.ident.clone(),
            export,
            detail,
            stderr: store.data().stderr_text(),
            logs: store.data().logs.clone(),
        })
    }

    /// One export call on a fresh instance: instantiate and call, each with full budgets, a
    /// trap turned into a `RuleFailure` naming the plugin, and the call counted in the
    /// metrics. The store comes back for what the caller reads from it afterwards.
    fn call<T>(
        &self,
        plugin: &Plugin,
        imports: &Imports,
        export: &'static str,
        body: impl FnOnce(&Instance, &mut Store<CallState>) -> wasmtime::Result<T>,
    ) -> (Result<T, Box<RuleFailure>>, Store<CallState>) {
        let started = Instant::now();
        let mut store = self.store(&plugin.limits, imports);
        let result = self
            .arm(&mut store, &plugin.limits)
            .and_then(|()| match &plugin.pre {
                Api::V0_1_0(pre) => pre.instantiate_prechecked(&mut store).map(Instance::V0_1_0),
                Api::V0_2_0(pre) => pre.instantiate_prechecked(&mut store).map(Instance::V0_2_0),
            });
        let outcome = match result {
            Err(e) => Err(self.failure(plugin, "instantiate", &e, &store)),
            Ok(rules) => self
                .arm(&mut store, &plugin.limits)
                .and_then(|()| body(&rules, &mut store))
                .map_err(|e| self.failure(plugin, export, &e, &store)),
        };
        let outcome = self.observed(plugin, export, started, &store, outcome);
        self.metrics
            .elicense_lookups(&plugin.ident, store.data().elicense_lookups);
        (outcome, store)
    }

    /// Asks the component for its manifest and the capabilities it declares.
    pub fn manifest(
        &self,
        plugin: &Plugin,
        imports: &Imports,
    ) -> Result<Described, Box<RuleFailure>> {
        self.call(plugin, imports, "manifest", |rules, store| match rules {
            Instance::V0_1_0(r) => v0_1_0::manifest(r, store),
            Instance::V0_2_0(r) => v0_2_0::manifest(r, store),
        })
        .0
    }

    /// Runs the three checks of one matter on one application — materials, form, and the
    /// deadline if the matter were accepted on `accepted_on` — in one call, so that the
    /// application is copied into the component once.
    pub fn evaluate(
        &self,
        plugin: &Plugin,
        app: &Application,
        accepted_on: Date,
        imports: &Imports,
    ) -> Result<Evaluation, Box<RuleFailure>> {
        self.evaluate_input(plugin, &RulesInput::new(app.clone()), accepted_on, imports)
    }

    /// [`Runtime::evaluate`] on an application already in the components' form.
    pub fn evaluate_input(
        &self,
        plugin: &Plugin,
        input: &RulesInput,
        accepted_on: Date,
        imports: &Imports,
    ) -> Result<Evaluation, Box<RuleFailure>> {
        let wit_app = &input.0;
        let (outcome, mut store) =
            self.call(plugin, imports, "evaluate", |rules, store| match rules {
                Instance::V0_1_0(r) => v0_1_0::evaluate(r, store, wit_app, accepted_on),
                Instance::V0_2_0(r) => v0_2_0::evaluate(r, store, wit_app, accepted_on),
            });
        let checks = outcome?;
        let (materials, exempt) = match checks.materials {
            Ok(review) => (Ok(review.findings), review.exempt),
            Err(e) => (Err(e), Vec::new()),
        };
        Ok(Evaluation {
            materials,
            exempt,
            elicense_lookups: store.data().elicense_lookups,
            form: checks.form,
            deadline: checks.deadline,
            logs: std::mem::take(&mut store.data_mut().logs),
            fuel_used: plugin
                .limits
                .fuel
                .saturating_sub(store.get_fuel().unwrap_or(0)),
            peak_memory_bytes: store.data().limiter.peak,
        })
    }

    /// When the decision is due if the matter is accepted on `accepted_on` (the `deadline`
    /// export alone; 第十六条).
    pub fn deadline(
        &self,
        plugin: &Plugin,
        app: &Application,
        accepted_on: Date,
        imports: &Imports,
    ) -> Result<Result<Deadline, RuleError>, Box<RuleFailure>> {
        let input = RulesInput::new(app.clone());
        let wit_app = &input.0;
        // Both worlds share the 0.1.0 types, so the answer converts the same way.
        let day = accepted_on.into();
        self.call(plugin, imports, "deadline", |rules, store| {
            let answer = match rules {
                Instance::V0_1_0(r) => r.call_deadline(store, wit_app, day)?,
                Instance::V0_2_0(r) => r.call_deadline(store, wit_app, day)?,
            };
            Ok(answer.map(Into::into).map_err(Into::into))
        })
        .0
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}
