//! Instantiation without the second type check.
//!
//! `bindgen!`'s `RulesPre::instantiate` type-checks every export again on every instance
//! (wasmtime documents this on the generated `RulesIndices::load`). Our exports take the whole
//! application, so that walk over five function types — field names compared one by one — cost
//! more per pre-check than copying a small application in. The same checks already ran once,
//! when the plugin was prepared: `RulesPre::new` builds the indices with `RulesIndices::new`,
//! which type-checks each export against the component's own types. An instance of that
//! component has exactly those exports, so looking them up by index is all that is left.

/// Adds `RulesPre::instantiate_prechecked` to a `bindgen!` module. It must be invoked inside that
/// module: the generated structs' fields are private to it.
macro_rules! instantiate_prechecked {
    () => {
        impl<T: 'static> RulesPre<T> {
            /// Instantiates the component and looks its exports up by the indices that were
            /// type-checked when this `RulesPre` was built (see `runtime/instantiate.rs`).
            pub(crate) fn instantiate_prechecked(
                &self,
                mut store: impl wasmtime::AsContextMut<Data = T>,
            ) -> wasmtime::Result<Rules> {
                let mut store = store.as_context_mut();
                let instance = self.instance_pre.instantiate(&mut store)?;
                let mut export = |index: &wasmtime::component::ComponentExportIndex| {
                    instance.get_func(&mut store, index).ok_or_else(|| {
                        wasmtime::format_err!("an export checked at upload is missing")
                    })
                };
                let i = &self.indices;
                Ok(Rules {
                    manifest: export(&i.manifest)?,
                    check_materials: export(&i.check_materials)?,
                    review_form: export(&i.review_form)?,
                    deadline: export(&i.deadline)?,
                    evaluate: export(&i.evaluate)?,
                })
            }
        }
    };
}

pub(super) use instantiate_prechecked;
