//! The audit trail against someone who can write the database (`host/src/workflow/audit.rs`):
//! deleting a case's last events, or rewriting one with its hash recomputed the way anyone
//! without the audit key could, fails verification after a restart; and reads of a case's
//! personal data never make a command on it fail as contended.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lianban_e2e::{TestHost, received_case};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The database of a host that just stopped: sled lets go of its file lock a moment later.
fn open_db(dir: &tempfile::TempDir) -> sled::Db {
    for _ in 0..300 {
        match sled::open(dir.path()) {
            Ok(db) => return db,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
    sled::open(dir.path()).unwrap()
}

fn event_key(case: &str, seq: u64) -> Vec<u8> {
    let mut k = case.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// A case taken in at the window, its trail verified; the host is stopped and its data
/// directory returned with the case id and how many events the case has.
async fn case_on_disk() -> (tempfile::TempDir, String, u64) {
    let dir = tempfile::tempdir().unwrap();
    let host = TestHost::start_in(dir.path().to_path_buf(), None).await;
    host.install_demo_plugins().await;
    let id = received_case(&host, &host.tokens.clerk).await;
    let (s, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(audit["verified"], true, "{audit:#}");
    let count = audit["events"].as_array().unwrap().len() as u64;
    assert!(count >= 2, "{audit:#}");
    drop(host.stop().await);
    (dir, id, count)
}

async fn audit_after_restart(dir: &tempfile::TempDir, id: &str) -> Value {
    let host = TestHost::start_in(dir.path().to_path_buf(), None).await;
    let (s, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(s, StatusCode::OK, "{audit}");
    drop(host.stop().await);
    audit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_last_events_fails_verification() {
    let (dir, id, count) = case_on_disk().await;
    {
        let db = open_db(&dir);
        let events = db.open_tree("case_events").unwrap();
        events.remove(event_key(&id, count)).unwrap().unwrap();
        db.flush().unwrap();
    }
    let audit = audit_after_restart(&dir, &id).await;
    assert_eq!(audit["verified"], false, "{audit:#}");
    assert_eq!(audit["broken"]["problem"], "truncated", "{audit:#}");
    assert_eq!(audit["broken"]["seq"], count, "{audit:#}");
}

/// What a writer without the key can do at best: the event rewritten, its hash and every
/// later link recomputed with plain SHA-256 over the same parts, the head moved to match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewriting_an_event_with_a_recomputed_unkeyed_hash_fails_verification() {
    let (dir, id, count) = case_on_disk().await;
    {
        let db = open_db(&dir);
        let events = db.open_tree("case_events").unwrap();
        let heads = db.open_tree("case_heads").unwrap();
        let mut previous: Option<String> = None;
        for seq in 2..=count {
            let k = event_key(&id, seq);
            let mut e: Value = serde_json::from_slice(&events.get(&k).unwrap().unwrap()).unwrap();
            if seq == 2 {
                e["actor"] = "别人".into();
            }
            if let Some(p) = &previous {
                e["previous"] = p.clone().into();
            }
            let mut h = Sha256::new();
            for part in [
                e["seq"].to_string(),
                e["at"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
                e["role"].as_str().unwrap().to_owned(),
                e["command"].as_str().unwrap().to_owned(),
                e["matter"].as_str().unwrap_or("").to_owned(),
                e["reason"].as_str().unwrap_or("").to_owned(),
                e["before"].as_str().unwrap().to_owned(),
                e["after"].as_str().unwrap().to_owned(),
                e["previous"].as_str().unwrap().to_owned(),
            ] {
                h.update((part.len() as u64).to_be_bytes());
                h.update(part.as_bytes());
            }
            let hash = hex::encode(h.finalize());
            e["hash"] = hash.clone().into();
            previous = Some(hash);
            events.insert(&k, serde_json::to_vec(&e).unwrap()).unwrap();
        }
        let mut head: Value =
            serde_json::from_slice(&heads.get(id.as_bytes()).unwrap().unwrap()).unwrap();
        head["hash"] = previous.unwrap().into();
        heads
            .insert(id.as_bytes(), serde_json::to_vec(&head).unwrap())
            .unwrap();
        db.flush().unwrap();
    }
    let audit = audit_after_restart(&dir, &id).await;
    assert_eq!(audit["verified"], false, "{audit:#}");
    assert_eq!(audit["broken"]["problem"], "altered_event", "{audit:#}");
    assert_eq!(audit["broken"]["seq"], 2, "{audit:#}");
}

/// Departments reading a case while the window works on it: before reads had a chain of
/// their own, each read moved the case's head and the window's commands failed as contended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_never_make_a_command_fail_as_contended() {
    let host = TestHost::start().await;
    host.install_demo_plugins().await;
    let id = received_case(&host, &host.tokens.clerk).await;
    let health = host.tokens.department("health").to_owned();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let client = host.client.clone();
            let url = host.url(&format!("/api/v1/cases/{id}"));
            let token = health.clone();
            tokio::spawn(async move {
                for _ in 0..50 {
                    let s = client
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(s, StatusCode::OK);
                }
            })
        })
        .collect();
    // Meanwhile the departments confirm their items, one command after another.
    let (_, case) = host
        .get(&format!("/api/v1/cases/{id}"), &host.tokens.clerk)
        .await;
    for item in case["items"].as_array().unwrap() {
        let matter = item["matter"].as_str().unwrap();
        if item["status"] != "distributed" {
            continue;
        }
        let dept = lianban_e2e::department_of(matter);
        let (s, b) = host
            .post(
                &format!("/api/v1/cases/{id}/items/{matter}"),
                host.tokens.department(&dept),
                &serde_json::json!({ "action": "confirm_receipt" }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    for r in readers {
        r.await.unwrap();
    }
    let (_, audit) = host
        .get(&format!("/api/v1/cases/{id}/events"), &host.tokens.admin)
        .await;
    assert_eq!(audit["verified"], true, "{audit:#}");
    let reads = audit["reads"].as_array().unwrap();
    assert!(reads.len() >= 200, "{} reads recorded", reads.len());
    // None of them is on the command chain, whose head commands are checked against.
    assert!(
        audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["command"] != "read_personal_data"),
        "{audit:#}"
    );
    drop(host.stop().await);
}
