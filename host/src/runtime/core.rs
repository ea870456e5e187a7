//! The engine, the linker and the budgets: everything a call into a component needs, and what a
//! compile takes along to its own thread (`compile.rs`). Cloning is cheap: the engine is shared,
//! the linker's definitions are reference-counted.

use std::sync::Arc;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

use super::state::CallState;
use super::{Imports, Limits, RuntimeConfig, v0_1_0, v0_2_0, waits};

#[derive(Clone)]
pub(super) struct Core {
    pub(super) engine: Engine,
    pub(super) linker: Linker<CallState>,
    pub(super) config: RuntimeConfig,
}

impl Core {
    pub(super) fn new(config: RuntimeConfig) -> wasmtime::Result<Core> {
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
        waits::add_to_linker(&mut linker)?;
        v0_1_0::add_to_linker(&mut linker)?;
        v0_2_0::add_to_linker(&mut linker)?;
        Ok(Core {
            engine,
            linker,
            config,
        })
    }

    /// Budgets never exceed the engine-wide ceilings.
    pub(super) fn clamp(&self, mut limits: Limits) -> Limits {
        limits.memory_bytes = limits.memory_bytes.min(self.config.max_memory_bytes);
        limits
    }

    pub(super) fn store(&self, limits: &Limits, imports: &Imports) -> Store<CallState> {
        let state = CallState::new(imports, limits.memory_bytes, &self.config);
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_hostcall_fuel(limits.output_bytes);
        store
    }

    /// Gives the next call its full budgets: fuel and a wall-time deadline.
    pub(super) fn arm(
        &self,
        store: &mut Store<CallState>,
        limits: &Limits,
    ) -> wasmtime::Result<()> {
        store.set_fuel(limits.fuel)?;
        let tick = self.config.epoch_tick.as_millis().max(1);
        let ticks = u64::try_from(u128::from(limits.timeout_ms).div_ceil(tick)).unwrap_or(u64::MAX);
        store.set_epoch_deadline(ticks.max(1));
        Ok(())
    }

    /// A store for running a component before any application exists (pre-initialisation): the
    /// budgets every evaluation gets, and an empty calendar (a manifest needs no working days).
    pub(super) fn init_store(&self) -> Store<CallState> {
        let limits = self.clamp(self.config.default_limits);
        let imports = Imports::calendar(Arc::new(lianban_sdk::WorkingCalendar::new()));
        let mut store = self.store(&limits, &imports);
        // Arming only fails when fuel is not configured, which `Core::new` always does; a
        // store that could not be armed would fail the first call with a clear error.
        let _ = self.arm(&mut store, &limits);
        store
    }
}
