//! The one place that configures wasmtime: component model, pooling allocator, fuel and epoch
//! interruption, the linker with an empty WASI context, and the calls into rules components
//! with their budgets.
//!
//! What a component may do, and how each edge is held:
//! - it runs within fuel, a wall-time deadline and a memory cap per call (`limits.rs`), and
//!   never waits on real time (`waits.rs`);
//! - everything it returns is checked before the host uses it (`output.rs`);
//! - it reaches certificates only when granted, only for holders named in the application being
//!   judged, and only a few times per call (`v0_2_0.rs`, `holders.rs`);
//! - it is compiled within a time limit, a few at a time (`compile.rs`), and a compiled artifact
//!   is loaded only if this host sealed it (`artifact.rs`);
//! - its rules API is read from the component itself (`detect.rs`).
//!
//! Each evaluation gets a fresh store and instance from a prepared template, so no state
//! survives between applications and a misbehaving call cannot affect the next one. The
//! template is the component as it stands after its `manifest` export ran once at compile time
//! (`preinit.rs`): state computed from no input at all, shared by every instance.

mod artifact;
mod compile;
mod core;
mod detect;
mod failure;
mod holders;
mod instantiate;
mod limits;
mod output;
mod preinit;
mod state;
mod v0_1_0;
mod v0_2_0;
mod waits;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use lianban_sdk::{
    Application, Capability, Date, Deadline, Exemption, Finding, Manifest, MaterialReview,
    RuleError, WorkingCalendar,
};
use wasmtime::Store;
use wasmtime::component::Component;

pub use artifact::ArtifactKey;
pub use detect::declared_api;
pub use failure::{FailureKind, InitFailure, PluginIdent, RuleFailure};
pub use limits::{Limits, RuntimeConfig};
pub use output::{MAX_FINDINGS, MAX_TEXT_CHARS};
pub use preinit::NotPreinitialized;
pub use state::LogLine;

use self::core::Core;
use holders::Holders;
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
///
/// It is shared with the calls that may look certificates up: the holders it names are the
/// only ones whose certificates the rules may ask for while judging it (`holders.rs`).
pub struct RulesInput {
    app: Arc<v0_1_0::WitApplication>,
}

impl RulesInput {
    pub fn new(app: Application) -> RulesInput {
        RulesInput {
            app: Arc::new(app.into()),
        }
    }

    /// The holders a call with `imports` may look up: none without a certificate source.
    fn holders(&self, imports: &Imports) -> Option<Holders> {
        imports.elicense.as_ref()?;
        Some(Holders::named_in(self.app.clone()))
    }

    /// The same application, addressed to `matter`. The calls that shared it have ended, so
    /// this changes it in place.
    pub fn set_matter(&mut self, matter: &str) {
        matter.clone_into(&mut Arc::make_mut(&mut self.app).matter);
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
    #[error("rules API {0} is not served by this host")]
    UnsupportedApi(String),
    #[error("the component does not match any rules world this host serves: {0}")]
    WrongWorld(String),
    #[error("the component says it was built for rules API {declared}, but it implements {found}")]
    ApiMismatch { declared: String, found: String },
    #[error("compilation failed: {0}")]
    Compile(String),
    #[error("compilation took longer than {}s", .0.as_secs())]
    CompileTimeout(std::time::Duration),
    #[error("{0} components are being compiled; try again shortly")]
    CompilerBusy(u32),
    /// The component's `manifest` failed when it ran at compile time (pre-initialisation).
    #[error("manifest failed at compile time: {} ({})", .0.kind.code(), .0.detail)]
    ManifestFailed(Box<InitFailure>),
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
    /// The legal time limit its manifest declares, working days: no deadline the rules give
    /// may go beyond it. `None` until the manifest is known (the upload's first call).
    pub legal_days: Option<u32>,
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
    core: Core,
    metrics: Arc<Metrics>,
    compiles: Arc<compile::Slots>,
    artifact_key: ArtifactKey,
    stop_ticker: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Runtime {
    /// A runtime whose artifacts are sealed with a key of its own, valid for this process only
    /// (see [`Runtime::with_artifact_key`]).
    pub fn new(config: RuntimeConfig) -> wasmtime::Result<Runtime> {
        let core = Core::new(config)?;

        // Wall-time deadlines are counted in epochs; one thread advances them for every store.
        let stop_ticker = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = core.engine.clone();
            let stop = stop_ticker.clone();
            let tick = core.config.epoch_tick;
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
            compiles: Arc::new(compile::Slots::new(core.config.compile_slots)),
            core,
            metrics: Arc::new(Metrics::new()),
            artifact_key: ArtifactKey::random(),
            stop_ticker,
            ticker: Some(ticker),
        })
    }

    /// Seals and checks compiled artifacts with `key` (the host's, kept outside the database),
    /// so that artifacts stored by an earlier run of the same host stay usable.
    pub fn with_artifact_key(mut self, key: ArtifactKey) -> Runtime {
        self.artifact_key = key;
        self
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.core.config
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

    /// Links a compiled component against the world of `api` and checks its exports: for a
    /// version whose API is already known (stored with it at upload). A new component's API is
    /// found with [`Runtime::prepare_detected`].
    pub fn prepare(
        &self,
        component: &Component,
        api: &str,
        ident: PluginIdent,
        limits: Limits,
    ) -> Result<Plugin, LoadError> {
        let pre = self.link(component, api)?;
        Ok(self.plugin(pre, api, ident, limits))
    }

    fn plugin(&self, pre: Api, api: &str, ident: PluginIdent, limits: Limits) -> Plugin {
        Plugin {
            series: self.metrics.rule_series(&ident),
            ident,
            api: api.to_owned(),
            limits: self.core.clamp(limits),
            legal_days: None,
            pre,
        }
    }

    /// Type-checks `component` against the world of `api`.
    fn link(&self, component: &Component, api: &str) -> Result<Api, LoadError> {
        let wrong_world = |e: wasmtime::Error| LoadError::WrongWorld(format!("{e:#}"));
        let instance_pre = || {
            self.core
                .linker
                .instantiate_pre(component)
                .map_err(wrong_world)
        };
        Ok(match api {
            v0_1_0::API_VERSION => {
                Api::V0_1_0(v0_1_0::RulesPre::new(instance_pre()?).map_err(wrong_world)?)
            }
            v0_2_0::API_VERSION => {
                Api::V0_2_0(v0_2_0::RulesPre::new(instance_pre()?).map_err(wrong_world)?)
            }
            other => return Err(LoadError::UnsupportedApi(other.to_owned())),
        })
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
        holders: Option<Holders>,
        body: impl FnOnce(&Instance, &mut Store<CallState>) -> wasmtime::Result<T>,
    ) -> (Result<T, Box<RuleFailure>>, Store<CallState>) {
        let started = Instant::now();
        let mut store = self.core.store(&plugin.limits, imports);
        store.data_mut().elicense_holders = holders;
        let result = self
            .core
            .arm(&mut store, &plugin.limits)
            .and_then(|()| match &plugin.pre {
                Api::V0_1_0(pre) => pre.instantiate_prechecked(&mut store).map(Instance::V0_1_0),
                Api::V0_2_0(pre) => pre.instantiate_prechecked(&mut store).map(Instance::V0_2_0),
            });
        let outcome = match result {
            Err(e) => Err(self.failure(plugin, "instantiate", &e, &store)),
            Ok(rules) => self
                .core
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
        self.call(plugin, imports, "manifest", None, |rules, store| {
            let described = match rules {
                Instance::V0_1_0(r) => v0_1_0::manifest(r, store)?,
                Instance::V0_2_0(r) => v0_2_0::manifest(r, store)?,
            };
            output::described(&described).map_err(wasmtime::Error::new)?;
            Ok(described)
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
        let wit_app = &input.app;
        let (outcome, mut store) = self.call(
            plugin,
            imports,
            "evaluate",
            input.holders(imports),
            |rules, store| {
                let checks = match rules {
                    Instance::V0_1_0(r) => v0_1_0::evaluate(r, store, wit_app, accepted_on)?,
                    Instance::V0_2_0(r) => v0_2_0::evaluate(r, store, wit_app, accepted_on)?,
                };
                let bounds = output::Bounds::new(plugin.legal_days, accepted_on, &imports.calendar);
                output::checks(checks, &bounds).map_err(wasmtime::Error::new)
            },
        );
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
        let wit_app = &input.app;
        // Both worlds share the 0.1.0 types, so the answer converts the same way.
        let day = accepted_on.into();
        self.call(
            plugin,
            imports,
            "deadline",
            input.holders(imports),
            |rules, store| {
                let answer = match rules {
                    Instance::V0_1_0(r) => r.call_deadline(store, wit_app, day)?,
                    Instance::V0_2_0(r) => r.call_deadline(store, wit_app, day)?,
                };
                let bounds = output::Bounds::new(plugin.legal_days, accepted_on, &imports.calendar);
                output::deadline(answer.map(Into::into).map_err(Into::into), &bounds)
                    .map_err(wasmtime::Error::new)
            },
        )
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
