//! One manifest per rules type, built on first use.

use std::any::TypeId;
use std::cell::RefCell;

use crate::{Manifest, Rules};

thread_local! {
    /// Leaked on purpose: a handful of manifests per thread, alive as long as the rules.
    static MANIFESTS: RefCell<Vec<(TypeId, &'static Manifest)>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn manifest_of<R: Rules + ?Sized>(rules: &R) -> &'static Manifest {
    let id = TypeId::of::<R>();
    if let Some(m) =
        MANIFESTS.with_borrow(|all| all.iter().find(|(t, _)| *t == id).map(|(_, m)| *m))
    {
        return m;
    }
    let built: &'static Manifest = Box::leak(Box::new(rules.manifest()));
    MANIFESTS.with_borrow_mut(|all| all.push((id, built)));
    built
}
