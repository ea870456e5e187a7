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

/// Starts `lianban serve` on port 0 and returns it with its base URL.
fn start(data: &Path) -> (Child, String) {
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
    (child, base)
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
    child.kill().unwrap();
    child.wait().unwrap();
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
    child.kill().unwrap();
    child.wait().unwrap();
}
