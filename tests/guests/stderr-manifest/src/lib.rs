//! 出生医学证明签发 with a debugging line left in its manifest: the first write to stderr opens
//! the WASI stream, and the guest's C library keeps that handle for later writes. A snapshot
//! taken after `manifest` would copy the handle's number but not the stream it names, so the
//! host must refuse to pre-initialise this component and compile it as uploaded.

use lianban_sdk::dictionary::{field, material};
use lianban_sdk::prelude::*;

#[derive(Default)]
pub struct StderrManifest;

impl Rules for StderrManifest {
    fn manifest(&self) -> Manifest {
        eprintln!("building the manifest");
        Manifest {
            matter: "birth-medical-certificate".into(),
            name: "出生医学证明签发".into(),
            department: "health".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            legal_days: 5,
            promised_days: 1,
            fields: vec![field("child.name", Requirement::Always)],
            materials: vec![material("birth-record", Requirement::Always)],
            review_points: vec!["测试用组件".into()],
            basis: vec!["测试".into()],
        }
    }
}

lianban_world_v0_1::export_rules!(StderrManifest);
