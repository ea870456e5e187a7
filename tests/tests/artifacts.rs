//! Compiled artifacts are trusted only if this host made them (`host/src/runtime/artifact.rs`).
//! An artifact changed in the database — bytes flipped, or another component's genuine
//! artifact put in its place — is refused before wasmtime sees it, and the component is
//! compiled again from its original bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::{NEWBORN, TestHost, fixture, matter};
use reqwest::StatusCode;
use serde_json::Value;

/// What each matter of a pre-check said: status, findings, deadline.
fn judgement(report: &Value) -> Vec<(String, String)> {
    NEWBORN
        .iter()
        .map(|m| {
            let r = matter(report, m);
            (
                (*m).to_owned(),
                format!("{} {} {}", r["status"], r["findings"], r["deadline"]),
            )
        })
        .collect()
}

/// The sealed artifacts in the store, by component sha256.
fn artifacts(data: &std::path::Path) -> (sled::Db, Vec<(sled::IVec, String)>) {
    // The stopped host's lock can outlive it for a moment.
    let db = lianban::store::open_waiting_for_lock(data).unwrap();
    let tree = db.open_tree("plugin_artifacts").unwrap();
    let keys = tree
        .iter()
        .keys()
        .map(|k| {
            let k = k.unwrap();
            let sha = String::from_utf8_lossy(k.rsplit(|b| *b == 0).next().unwrap()).into_owned();
            (k, sha)
        })
        .collect();
    (db, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_artifact_is_compiled_again_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let host = TestHost::start_in(dir.path().to_path_buf(), None).await;
    host.install_plugins(NEWBORN).await;
    let vaccination = host
        .state
        .registry
        .active("vaccination-certificate")
        .unwrap()
        .version
        .sha256
        .clone();
    let bmc = host
        .state
        .registry
        .active("birth-medical-certificate")
        .unwrap()
        .version
        .sha256
        .clone();
    let (status, before) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK);
    let (data, _) = host.stop().await;

    // The key is kept beside the database, not in it, readable by its owner only.
    let key = data.join("keys/artifact.key");
    assert_eq!(std::fs::read(&key).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Someone with write access to the database: 预防接种证办理 gets 出生医学证明's genuine
    // artifact, and 出生医学证明's own gets a flipped byte.
    let (tampered_vac, tampered_bmc) = {
        let (db, keys) = artifacts(&data);
        let tree = db.open_tree("plugin_artifacts").unwrap();
        let key_of = |sha: &str| keys.iter().find(|(_, s)| s == sha).unwrap().0.clone();
        let bmc_artifact = tree.get(key_of(&bmc)).unwrap().unwrap().to_vec();
        tree.insert(key_of(&vaccination), bmc_artifact.clone())
            .unwrap();
        let mut flipped = bmc_artifact;
        let last = flipped.len() - 1;
        flipped[last] ^= 0x55;
        tree.insert(key_of(&bmc), flipped.clone()).unwrap();
        let swapped = tree.get(key_of(&vaccination)).unwrap().unwrap().to_vec();
        db.flush().unwrap();
        (swapped, flipped)
    };

    let host = TestHost::start_in(data.clone(), None).await;
    let (_, health) = host.get("/healthz", "").await;
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["load_failures"], serde_json::json!([]), "{health}");
    let (status, after) = host.precheck(&fixture("newborn-window-complete")).await;
    assert_eq!(status, StatusCode::OK);
    // Each matter judges as itself, exactly as before.
    assert_eq!(judgement(&after), judgement(&before));
    let (data, _) = host.stop().await;

    // And the refused artifacts were replaced by freshly compiled, freshly sealed ones.
    let (db, keys) = artifacts(&data);
    let tree = db.open_tree("plugin_artifacts").unwrap();
    let stored = |sha: &str| {
        let k = &keys.iter().find(|(_, s)| s == sha).unwrap().0;
        tree.get(k).unwrap().unwrap().to_vec()
    };
    assert_ne!(stored(&vaccination), tampered_vac);
    assert_ne!(stored(&bmc), tampered_bmc);
    drop(dir);
}
