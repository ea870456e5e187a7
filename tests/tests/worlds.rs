//! Any component that implements a published world is accepted (`host/src/runtime/detect.rs`):
//! components built with stock `wit-bindgen` from `wit/v0.1.0` and from `wit/v0.2.0`, with no
//! lianban SDK and no custom section, upload, activate and judge. A component of neither world
//! is refused, and so is one whose custom section contradicts what it implements.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use lianban::runtime::{Imports, Limits, LoadError, Runtime, RuntimeConfig, declared_api};
use lianban_e2e::{NEWBORN, TODAY, TestHost, component, fixture, matter, set_field};
use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Application, Channel, Severity, Subject};
use reqwest::StatusCode;

/// The plain guests: crate, API it implements, matter it claims.
const PLAIN: [(&str, &str, &str); 2] = [
    (
        "lianban-guest-plain-v0-1",
        "0.1.0",
        "vaccination-certificate",
    ),
    ("lianban-guest-plain-v0-2", "0.2.0", "social-security-card"),
];

/// `bytes` with a custom section appended at the component's top level.
fn with_section(mut bytes: Vec<u8>, name: &str, payload: &[u8]) -> Vec<u8> {
    fn leb128(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
    let mut content = Vec::new();
    leb128(name.len(), &mut content);
    content.extend_from_slice(name.as_bytes());
    content.extend_from_slice(payload);
    bytes.push(0);
    leb128(content.len(), &mut bytes);
    bytes.extend_from_slice(&content);
    bytes
}

#[test]
fn plain_wit_bindgen_components_of_both_worlds_are_recognised_and_judge() {
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    let imports = Imports::calendar(Arc::new(official_calendar()));
    for (crate_name, api, matter) in PLAIN {
        let bytes = component(crate_name);
        assert_eq!(declared_api(&bytes).unwrap(), None, "{crate_name}");
        let plugin = lianban_e2e::load(&rt, &bytes, matter, Limits::default()).unwrap();
        assert_eq!(plugin.api, api, "{crate_name}");

        let described = rt.manifest(&plugin, &imports).unwrap();
        assert_eq!(described.manifest.matter, matter);

        let unnamed = Application::new("newborn", matter, Channel::Window, TODAY);
        let eval = rt.evaluate(&plugin, &unnamed, TODAY, &imports).unwrap();
        let form = eval.form.unwrap();
        assert_eq!(form.len(), 1, "{crate_name}: {form:?}");
        assert_eq!(form[0].severity, Severity::Blocking);
        assert_eq!(form[0].subject, Subject::Field("child.name".into()));
        assert!(eval.deadline.is_ok(), "{crate_name}");

        let named = unnamed.with_field("child.name", "张小雨");
        let eval = rt.evaluate(&plugin, &named, TODAY, &imports).unwrap();
        assert_eq!(eval.form.unwrap(), vec![]);

        // A section that agrees is accepted; one that contradicts the component, or names an
        // API this host does not serve, is refused.
        let agreeing = with_section(bytes.clone(), "lianban-rules-api", api.as_bytes());
        assert!(lianban_e2e::load(&rt, &agreeing, matter, Limits::default()).is_ok());
        let other = if api == "0.1.0" { "0.2.0" } else { "0.1.0" };
        let lying = with_section(bytes.clone(), "lianban-rules-api", other.as_bytes());
        match lianban_e2e::load(&rt, &lying, matter, Limits::default()) {
            Err(LoadError::ApiMismatch { declared, found }) => {
                assert_eq!((declared.as_str(), found.as_str()), (other, api));
            }
            Err(e) => panic!("{crate_name}: expected a mismatch, got {e}"),
            Ok(_) => panic!("{crate_name}: a contradicting section was accepted"),
        }
        let future = with_section(bytes, "lianban-rules-api", b"9.0.0");
        assert!(matches!(
            lianban_e2e::load(&rt, &future, matter, Limits::default()),
            Err(LoadError::UnsupportedApi(v)) if v == "9.0.0"
        ));
    }

    // The SDK's components still say which API they implement, and it agrees.
    let sdk_built = lianban_e2e::plugin("birth-registration");
    assert_eq!(declared_api(&sdk_built).unwrap().as_deref(), Some("0.2.0"));
    let p = lianban_e2e::load(&rt, &sdk_built, "birth-registration", Limits::default()).unwrap();
    assert_eq!(p.api, "0.2.0");

    // A component of neither world is refused by type.
    let other = component("lianban-guest-wrong-world");
    assert!(matches!(
        lianban_e2e::load(&rt, &other, "vaccination-certificate", Limits::default()),
        Err(LoadError::WrongWorld(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_components_upload_activate_and_judge_over_http() {
    let host = TestHost::start().await;
    let plain: Vec<&str> = PLAIN.iter().map(|(_, _, m)| *m).collect();
    host.install_plugins(NEWBORN.iter().filter(|m| !plain.contains(*m)))
        .await;
    let mut shas = Vec::new();
    for (crate_name, api, matter) in PLAIN {
        let (status, version) = host
            .upload(
                matter,
                host.tokens.department(&lianban_e2e::department_of(matter)),
                component(crate_name),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{crate_name}: {version}");
        assert_eq!(version["api"], api, "{version}");
        let sha = version["sha256"].as_str().unwrap().to_owned();
        let (status, body) = host.activate(matter, &sha).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        shas.push(sha);
    }

    let (status, report) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["ready"], true, "{report:#}");
    for ((_, _, m), sha) in PLAIN.iter().zip(&shas) {
        assert_eq!(matter(&report, m)["status"], "checked");
        assert!(
            report["judged_by"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["sha256"] == sha.as_str()),
            "{m} not in judged_by: {report:#}"
        );
    }

    let mut unnamed = fixture("newborn-window-complete");
    set_field(&mut unnamed, "child.name", "");
    let (_, report) = host.precheck(&unnamed).await;
    assert_eq!(report["ready"], false);
    for (_, _, m) in PLAIN {
        let found = matter(&report, m)["findings"].to_string();
        assert!(found.contains("field.missing"), "{m}: {found}");
    }

    // Neither world: refused at upload with its code.
    let (status, body) = host
        .upload(
            "vaccination-certificate",
            host.tokens.department("cdc"),
            component("lianban-guest-wrong-world"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "plugin_wrong_world", "{body}");
}
