//! An acknowledged write survives the process being killed: the real binary is started,
//! loaded with concurrent writes, killed with SIGKILL mid-stream, and restarted; every write
//! it acknowledged must be there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_lianban");

fn token(data: &Path) -> String {
    let out = Command::new(BIN)
        .args([
            "token",
            "create",
            "--role",
            "admin",
            "--name",
            "压力测试",
            "--data",
        ])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A server process, killed when dropped: a failing test does not leave it running.
struct Server(Child);

impl Server {
    /// SIGKILL, no warning given.
    fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `lianban serve` on port 0 and returns it with its base URL.
fn start(data: &Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the server exited before listening")
            .unwrap();
        if let Some(url) = line.strip_prefix("lianban: listening on ") {
            break url.to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Server(child), base)
}

fn notice(year: u16, writer: usize) -> serde_json::Value {
    json!({
        "year": year,
        "papers": [format!("writer {writer}")],
        "days": [
            { "name": "元旦", "date": format!("{year}-01-01"), "isOffDay": true },
            { "name": "测试", "date": format!("{year}-03-0{}", 1 + writer), "isOffDay": true }
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let admin = token(dir.path());
    let (mut child, base) = start(dir.path());
    let client = reqwest::Client::new();

    // Four writers, each loading its own range of years, concurrently (so flushes are shared).
    let acknowledged: Arc<Mutex<Vec<(u16, usize)>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..4usize {
        let (client, base, admin, acked) = (
            client.clone(),
            base.clone(),
            admin.clone(),
            acknowledged.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0..60u16 {
                let year = 1950 + (w as u16) * 60 + i;
                let sent = client
                    .put(format!("{base}/api/v1/calendar/{year}"))
                    .bearer_auth(&admin)
                    .json(&notice(year, w))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push((year, w)),
                    // The process died under us: the request was never acknowledged.
                    _ => return,
                }
            }
        }));
    }

    // Kill without warning once a good number of writes is acknowledged and more are in flight.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if acknowledged.lock().unwrap().len() >= 60 {
            break;
        }
    }
    child.kill();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acknowledged.lock().unwrap().clone();
    assert!(acked.len() >= 60);
    assert!(
        acked.len() < 240,
        "the kill came after the load ended; nothing was in flight"
    );

    // Restart on the same directory: every acknowledged year is there, as written.
    let (mut child, base) = start(dir.path());
    for (year, writer) in &acked {
        let r = client
            .get(format!("{base}/api/v1/calendar/{year}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "acknowledged year {year} was lost");
        let body: serde_json::Value = r.json().await.unwrap();
        let days = body["days"].as_array().unwrap();
        assert_eq!(days.len(), 2, "{year}: {body}");
        assert_eq!(days[1]["date"], format!("{year}-03-0{}", 1 + writer));
    }
    child.kill();
}

/// Kills the server without warning once `acknowledged` reaches `at_least` while the clients
/// are still sending (or once they have all stopped), and waits for the clients to see it.
async fn kill_mid_load(
    server: &mut Server,
    clients: Vec<tokio::task::JoinHandle<()>>,
    acknowledged: impl Fn() -> usize,
    at_least: usize,
) {
    for _ in 0..6_000 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        if acknowledged() >= at_least || clients.iter().all(|c| c.is_finished()) {
            break;
        }
    }
    server.kill();
    for c in clients {
        c.await.unwrap();
    }
}

/// Starts `lianban demo` (catalog, the built plugins, fresh tokens, no generated history) on
/// port 0; returns it with its base URL and the tokens it printed, by role.
fn start_demo(data: &Path) -> (Server, String, std::collections::HashMap<String, String>) {
    let plugins = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/guest");
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--history-weeks",
            "0",
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(data)
        .arg("--plugins")
        .arg(&plugins)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut tokens = std::collections::HashMap::new();
    let base = loop {
        let line = lines
            .next()
            .expect("the demo exited before listening")
            .unwrap();
        let mut words = line.split_whitespace();
        if let (Some(role), Some(token)) = (words.next(), words.next())
            && token.starts_with("lb_")
        {
            tokens.insert(role.to_owned(), token.to_owned());
        }
        if let Some(url) = line.strip_prefix("lianban: listening on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Server(child), base, tokens)
}

fn intake_body() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/fixtures/newborn-window-complete.json");
    let app: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json!({
        "one_thing": "newborn",
        "channel": "window",
        "applicant": { "name": "李芳", "id_number": "410702199205050027", "mobile": "13812345678" },
        "fields": app["fields"],
        "materials": app["materials"],
        "delivery": { "mode": "together" },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_commands_survive_sigkill_and_none_is_half_applied() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, tokens) = start_demo(dir.path());
    let clerk = tokens["clerk"].clone();
    let health = tokens["department:health"].clone();
    let client = reqwest::Client::new();

    // Each client takes cases in through the window and has the health department accept
    // them; every acknowledged command is noted.
    let acknowledged: Arc<Mutex<Vec<(String, &'static str)>>> = Arc::default();
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (client, base, clerk, health, acked) = (
            client.clone(),
            base.clone(),
            clerk.clone(),
            health.clone(),
            acknowledged.clone(),
        );
        clients.push(tokio::spawn(async move {
            for _ in 0..200 {
                let r = client
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&clerk)
                    .json(&intake_body())
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() != reqwest::StatusCode::CREATED {
                    return;
                }
                let Ok(case) = r.json::<serde_json::Value>().await else {
                    return;
                };
                let id = case["id"].as_str().unwrap().to_owned();
                acked.lock().unwrap().push((id.clone(), "intake"));
                let r = client
                    .post(format!(
                        "{base}/api/v1/cases/{id}/items/birth-medical-certificate"
                    ))
                    .bearer_auth(&health)
                    .json(&json!({ "action": "accept" }))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push((id, "accept")),
                    _ => return,
                }
            }
        }));
    }
    kill_mid_load(
        &mut child,
        clients,
        || acknowledged.lock().unwrap().len(),
        40,
    )
    .await;
    let acked = acknowledged.lock().unwrap().clone();
    assert!(
        acked.len() >= 40,
        "only {} commands acknowledged: are the plugins built (cargo xtask guests)?",
        acked.len()
    );
    assert!(acked.len() < 1_600, "the kill came after the load ended");

    let admin = token(dir.path());
    let (mut child, base) = start(dir.path());
    let get = |path: String| {
        let (client, admin) = (client.clone(), admin.clone());
        async move {
            let r = client.get(path).bearer_auth(&admin).send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    for (id, command) in &acked {
        let case = get(format!("{base}/api/v1/cases/{id}")).await;
        let item = &case["items"][0];
        match *command {
            "intake" => assert_eq!(case["status"], "in_progress", "{id}"),
            _ => assert_eq!(
                item["status"], "accepted",
                "{id}: acknowledged acceptance lost"
            ),
        }
    }
    // Every case that exists — acknowledged or not — is whole: its audit trail verifies and
    // ends in the state the case is in.
    let ids: std::collections::BTreeSet<&String> = acked.iter().map(|(id, _)| id).collect();
    for id in ids {
        let audit = get(format!("{base}/api/v1/cases/{id}/events")).await;
        assert_eq!(audit["verified"], true, "{id}: {audit:#}");
        let case = get(format!("{base}/api/v1/cases/{id}")).await;
        let last = audit["events"].as_array().unwrap().last().unwrap();
        let status = case["status"].as_str().unwrap();
        assert!(
            last["after"]
                .as_str()
                .unwrap()
                .starts_with(&format!("case:{status}")),
            "{id}: {last} vs {status}"
        );
    }
    // The outbox resumes where it was: the SMS committed with each acknowledged command is
    // sent after the restart if the kill came first, and no message is sent twice.
    let intakes: std::collections::BTreeSet<&String> = acked
        .iter()
        .filter(|(_, c)| *c == "intake")
        .map(|(id, _)| id)
        .collect();
    let mut missing = intakes.len();
    for _ in 0..200 {
        let sent = get(format!("{base}/api/v1/outbox/sent?limit=1000")).await;
        let sent = sent.as_array().unwrap();
        let mut ids: Vec<u64> = sent.iter().map(|m| m["id"].as_u64().unwrap()).collect();
        let total = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), total, "a message was sent twice");
        missing = intakes
            .iter()
            .filter(|id| !sent.iter().any(|m| m["case_id"] == id.as_str()))
            .count();
        if missing == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        missing, 0,
        "acknowledged intakes whose receipt SMS never went out"
    );
    child.kill();
}

/// An intake retried with its `Idempotency-Key` after the host was killed is answered with the
/// case it made, never taken in a second time: the answer is committed with the case, so there
/// is no moment in which the case exists and its answer does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intakes_retried_after_sigkill_are_answered_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, tokens) = start_demo(dir.path());
    let clerk = tokens["clerk"].clone();
    let health = tokens["department:health"].clone();
    let client = reqwest::Client::new();
    let intake = {
        let (client, clerk) = (client.clone(), clerk.clone());
        move |base: String, key: String| {
            let (client, clerk) = (client.clone(), clerk.clone());
            async move {
                client
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&clerk)
                    .header("idempotency-key", key)
                    .json(&intake_body())
                    .send()
                    .await
            }
        }
    };

    // Every key sent, and the case each answered one was given.
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let answered: Arc<Mutex<std::collections::HashMap<String, String>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..4 {
        let (intake, base, sent, answered) =
            (intake.clone(), base.clone(), sent.clone(), answered.clone());
        clients.push(tokio::spawn(async move {
            for n in 0..200 {
                let key = format!("intake-{c}-{n}");
                sent.lock().unwrap().push(key.clone());
                let Ok(r) = intake(base.clone(), key.clone()).await else {
                    return;
                };
                if r.status() != reqwest::StatusCode::CREATED {
                    return;
                }
                let Ok(case) = r.json::<serde_json::Value>().await else {
                    return;
                };
                let id = case["id"].as_str().unwrap().to_owned();
                answered.lock().unwrap().insert(key, id);
            }
        }));
    }
    kill_mid_load(&mut child, clients, || answered.lock().unwrap().len(), 30).await;
    let sent = sent.lock().unwrap().clone();
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 30,
        "only {} intakes answered: are the plugins built (cargo xtask guests)?",
        answered.len()
    );
    assert!(answered.len() < 800, "the kill came after the load ended");

    // After the restart every key is sent again: an answered one gets its first answer back,
    // one that was in flight gets whatever was committed for it, or is taken in now.
    let (mut child, base) = start(dir.path());
    let mut cases = std::collections::BTreeSet::new();
    for key in &sent {
        let r = intake(base.clone(), key.clone()).await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{key}");
        let replayed = r.headers().get("idempotent-replayed").is_some();
        let case: serde_json::Value = r.json().await.unwrap();
        let id = case["id"].as_str().unwrap().to_owned();
        if let Some(first) = answered.get(key) {
            assert!(replayed, "{key}: answered before the kill, taken in again");
            assert_eq!(&id, first, "{key}");
        }
        assert!(cases.insert(id), "{key}: two keys answered with one case");
    }
    // One case per key and no more: the health department has exactly these in its queue.
    let queue: serde_json::Value = client
        .get(format!("{base}/api/v1/departments/health/items"))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let queued: std::collections::BTreeSet<String> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["case_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(queued, cases, "a retried intake made a second case");
    child.kill();
}
