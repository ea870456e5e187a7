//! Full lifecycles of 新生儿出生一件事 through the HTTP API with durable commits: intake at the
//! window (pre-check, receipt, distribution), then for each matter in dependency order the
//! department's read of the case, accept, decide, return and window receipt, then delivery and
//! archive — 23 commands and 5 reads per case, each flushed before its reply (a read appends to
//! the case's chain of reads). Reports lifecycles/s, requests/s, p50/p99 per kind (`read` beside
//! the commands, in the same run), the store's size on disk per archived case, and what sealing
//! a case's personal values costs beside the median command.
//!
//! `cargo xtask bench` runs it after the pre-check benchmark; options: `--cases N` (default
//! 200), `--clients C` (default 16); `--only=lifecycle` runs it alone, any other `--only` skips it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lianban::auth::Role;
use lianban::clock::FixedClock;
use lianban::workflow::Case;
use lianban_e2e::{
    NEWBORN, TODAY, bench_arg, bench_only, department_of, fixture, guests_dir, percentile,
    process_cpu,
};
use serde_json::{Value, json};

fn intake_body() -> Value {
    let app = fixture("newborn-window-complete");
    json!({
        "one_thing": "newborn",
        "channel": "window",
        "applicant": { "name": "李芳", "id_number": "410702199205050027", "mobile": "13812345678" },
        "fields": app["fields"],
        "materials": app["materials"],
        "delivery": { "mode": "together" },
    })
}

#[derive(serde::Deserialize)]
struct Created {
    id: String,
}

type Timings = Vec<(&'static str, Duration)>;

async fn lifecycle(
    client: &reqwest::Client,
    base: &str,
    tokens: &BTreeMap<String, String>,
) -> Timings {
    let mut t: Timings = Vec::new();
    // A command is a POST of its body; `Value::Null` is a read (GET), which is durable too: it
    // appends to the case's chain of reads.
    let send = |kind: &'static str, token: String, path: String, body: Value| {
        let client = client.clone();
        async move {
            let start = Instant::now();
            let request = if body.is_null() {
                client.get(path)
            } else {
                client.post(path).json(&body)
            };
            let r = request.bearer_auth(token).send().await.unwrap();
            let status = r.status();
            let body = r.bytes().await.unwrap();
            assert!(
                status.is_success(),
                "{kind}: {status} {}",
                String::from_utf8_lossy(&body)
            );
            // The client checks the answer is JSON without building a tree of it: the client
            // shares the two cores with the server it measures.
            serde_json::from_slice::<serde::de::IgnoredAny>(&body).unwrap();
            (kind, start.elapsed(), body)
        }
    };
    let clerk = tokens["clerk"].clone();
    let (k, d, case) = send(
        "intake",
        clerk.clone(),
        format!("{base}/api/v1/cases"),
        intake_body(),
    )
    .await;
    t.push((k, d));
    let id = serde_json::from_slice::<Created>(&case).unwrap().id;
    // Dependency order: the birth certificate, then 出生登记 and 预防接种证, then the rest.
    for matter in NEWBORN {
        let dept = tokens[&format!("department:{}", department_of(matter))].clone();
        let item = format!("{base}/api/v1/cases/{id}/items/{matter}");
        // The department opens the case before it accepts its item.
        let (k, d, _) = send(
            "read",
            dept.clone(),
            format!("{base}/api/v1/cases/{id}"),
            Value::Null,
        )
        .await;
        t.push((k, d));
        for (kind, body) in [
            ("accept", json!({ "action": "accept" })),
            (
                "decide",
                json!({ "action": "decide", "outcome": "approve", "documents": [{ "name": "结果", "elicense_number": "E" }] }),
            ),
            ("return_result", json!({ "action": "return_result" })),
        ] {
            let (k, d, _) = send(kind, dept.clone(), item.clone(), body).await;
            t.push((k, d));
        }
        let (k, d, _) = send(
            "receive_result",
            clerk.clone(),
            format!("{base}/api/v1/cases/{id}/window"),
            json!({ "action": "receive_result", "matter": matter }),
        )
        .await;
        t.push((k, d));
    }
    for action in ["deliver", "archive"] {
        let kind: &'static str = if action == "deliver" {
            "deliver"
        } else {
            "archive"
        };
        let (k, d, _) = send(
            kind,
            clerk.clone(),
            format!("{base}/api/v1/cases/{id}/window"),
            json!({ "action": action }),
        )
        .await;
        t.push((k, d));
    }
    t
}

fn main() {
    // `--only=PART` picks one part of `cargo xtask bench`; this benchmark is the part named
    // `lifecycle`.
    if bench_only().is_some_and(|o| o != "lifecycle") {
        return;
    }
    let cases = bench_arg("--cases", 200) as usize;
    let clients = bench_arg("--clients", 16) as usize;
    let Run {
        timings,
        elapsed,
        cpu,
        sample,
        before,
        after,
    } = run(true, cases, clients);
    let commands = timings.len();
    println!(
        "# lianban workflow benchmark ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    println!("\n## Full lifecycles over HTTP, durable commits, {clients} concurrent clients");
    println!(
        "| cases | requests | seconds | lifecycles/s | durable requests/s | CPU ms per request |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    // Server and client together: they share the process and the two cores.
    let cpu_per_command = cpu.map_or("n/a".to_owned(), |c| {
        format!("{:.2}", c.as_secs_f64() * 1e3 / commands as f64)
    });
    println!(
        "| {cases} | {commands} | {:.1} | {:.1} | {:.0} | {cpu_per_command} |",
        elapsed.as_secs_f64(),
        cases as f64 / elapsed.as_secs_f64(),
        commands as f64 / elapsed.as_secs_f64()
    );
    let mut by_kind: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for (k, d) in &timings {
        by_kind.entry(k).or_default().push(*d);
    }
    let mut all: Vec<Duration> = timings.iter().map(|(_, d)| *d).collect();
    all.sort();
    println!("\n| command | count | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|");
    for (k, mut v) in by_kind {
        v.sort();
        println!(
            "| {k} | {} | {:.2} | {:.2} |",
            v.len(),
            percentile(&v, 0.5).as_secs_f64() * 1e3,
            percentile(&v, 0.99).as_secs_f64() * 1e3
        );
    }
    println!(
        "| all | {} | {:.2} | {:.2} |",
        all.len(),
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "\nstore on disk: {} KiB before, {} KiB after → {:.1} KiB per archived case (sled, before compaction)",
        before / 1024,
        after / 1024,
        (after.saturating_sub(before)) as f64 / 1024.0 / cases as f64
    );
    sealing_cost(&sample, percentile(&all, 0.5));
    figures_cost(&timings, cpu, cases, clients);
}

/// The same lifecycles with the supervision figures off, beside the run above (figures on):
/// what keeping them as commands commit adds to a durable command.
fn figures_cost(with: &Timings, with_cpu: Option<Duration>, cases: usize, clients: usize) {
    let without = run(false, cases, clients);
    println!("\n## The supervision figures' cost: the same lifecycles with them on and off");
    println!("| figures | commands | p50 ms | p99 ms | CPU ms per request |");
    println!("|---|---:|---:|---:|---:|");
    let mut medians = Vec::new();
    for (label, timings, cpu) in [
        ("on", with, with_cpu),
        ("off", &without.timings, without.cpu),
    ] {
        let mut all: Vec<Duration> = timings.iter().map(|(_, d)| *d).collect();
        all.sort();
        let p50 = percentile(&all, 0.5);
        medians.push(p50);
        let cpu = cpu.map_or("n/a".to_owned(), |c| {
            format!("{:.2}", c.as_secs_f64() * 1e3 / all.len() as f64)
        });
        println!(
            "| {label} | {} | {:.2} | {:.2} | {cpu} |",
            all.len(),
            p50.as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3
        );
    }
    println!(
        "\nmedian command with figures / without: {:.3}",
        medians[0].as_secs_f64() / medians[1].as_secs_f64()
    );
}

/// What one run measured.
struct Run {
    timings: Timings,
    elapsed: Duration,
    cpu: Option<Duration>,
    sample: lianban::workflow::Case,
    before: u64,
    after: u64,
}

/// `cases` lifecycles over HTTP against a fresh host, with the supervision figures kept as
/// commands commit or not.
fn run(figures: bool, cases: usize, clients: usize) -> Run {
    let server_rt = lianban_e2e::bench_runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut config = lianban::Config::new(dir.path());
    config.figures = figures;
    let state = lianban::open(config, Arc::new(FixedClock::at_noon(TODAY))).unwrap();
    let demo = lianban::launch::prepare_demo(&state, &guests_dir()).unwrap();
    assert!(demo.missing.is_empty(), "{:?}", demo.missing);
    let tokens: BTreeMap<String, String> = demo
        .tokens
        .iter()
        .filter(|(r, _)| !matches!(r, Role::Admin))
        .map(|(r, t)| (r.to_string(), t.clone()))
        .collect();
    let store = state.store.clone();
    let before = store.size_on_disk().unwrap();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    server_rt.spawn(lianban::serve(listener, state, std::future::pending()));

    let client_rt = lianban_e2e::bench_runtime();
    let clerk = tokens["clerk"].clone();
    let (timings, elapsed, cpu, sample) = client_rt.block_on(async move {
        let client = reqwest::Client::new();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let cpu_before = process_cpu();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (client, base, tokens, next) =
                (client.clone(), base.clone(), tokens.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut all = Vec::new();
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < cases {
                    all.extend(lifecycle(&client, &base, &tokens).await);
                }
                all
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let cpu = cpu_before
            .zip(process_cpu())
            .map(|(a, b)| b.saturating_sub(a));
        let elapsed = started.elapsed();
        // One more case, after the clock stopped, to time the sealing of a real case on.
        let created: Created = client
            .post(format!("{base}/api/v1/cases"))
            .bearer_auth(&clerk)
            .json(&intake_body())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (all, elapsed, cpu, created.id)
    });
    let after = store.size_on_disk().unwrap();
    let sample = lianban::store::CaseStore::case(store.as_ref(), &sample)
        .unwrap()
        .unwrap();

    let sample = Case::clone(&sample);
    server_rt.shutdown_background();
    Run {
        timings,
        elapsed,
        cpu,
        sample,
        before,
        after,
    }
}

/// What sealing the personal values costs a command, measured here beside the commands above:
/// every command seals its case once as it writes it (reads come from the store's cache, and
/// open a case only after a restart or an eviction).
fn sealing_cost(case: &lianban::workflow::Case, command_p50: Duration) {
    use lianban::privacy::{Algorithm, Keyring};
    use lianban::workflow::personal::{open_case, seal_case};
    const BATCH: u32 = 100;
    println!("\n## Sealing a case's personal values (beside the commands above)");
    println!("| algorithm | seal µs p50 | open µs p50 | seal per command p50 |");
    println!("|---|---:|---:|---:|");
    for algorithm in [Algorithm::Aes256Gcm, Algorithm::Sm4Gcm] {
        let keys = Keyring::ephemeral(algorithm);
        let sealed = seal_case(&keys, case);
        let mut seal = Vec::new();
        let mut open = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            for _ in 0..BATCH {
                std::hint::black_box(seal_case(&keys, std::hint::black_box(case)));
            }
            seal.push(started.elapsed() / BATCH);
            let started = Instant::now();
            for _ in 0..BATCH {
                std::hint::black_box(open_case(&keys, sealed.clone()).unwrap());
            }
            open.push(started.elapsed() / BATCH);
        }
        seal.sort();
        open.sort();
        let seal = percentile(&seal, 0.5);
        println!(
            "| {algorithm} | {:.1} | {:.1} | {:.1} % |",
            seal.as_secs_f64() * 1e6,
            percentile(&open, 0.5).as_secs_f64() * 1e6,
            seal.as_secs_f64() / command_p50.as_secs_f64() * 100.0
        );
    }
}
