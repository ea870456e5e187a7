//! Benchmarks, measured side by side in one run (the machine is shared; absolute times alone
//! mean little):
//!
//! 1. one pre-check of 新生儿出生一件事 (five plugins) in-process: the plugin crates linked
//!    natively, the same plugins as components in the host runtime, and the host's whole
//!    pre-check (components + notice merge);
//! 2. pre-checks over HTTP on loopback with concurrent clients: throughput, p50, p99;
//! 3. resident memory with every demo plugin active (twenty-two; the figure was for the
//!    first ten), and upload-to-active time of one plugin.
//!
//! Run with `cargo xtask bench` (release build). Arguments: `--iterations N` (default 3000),
//! `--seconds S` for the HTTP phase (default 10), `--clients C` (default 32), `--only=PART` for
//! one of `memory`, `precheck`, `http`, or `host-loop` (the host's pre-check alone, for `perf`),
//! `--slots N` for the instance pool of the in-process host (default as in production).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use lianban::clock::FixedClock;
use lianban::elicense::{InMemory, demo_certificates};
use lianban::runtime::{Imports, Limits, Plugin, RulesInput, Runtime, RuntimeConfig};
use lianban_e2e::{
    NEWBORN, TODAY, bench_arg, bench_only, fixture, guests_dir, load, percentile, plugin,
    process_cpu,
};
use lianban_sdk::testing::official_calendar;
use lianban_sdk::{Date, MergedApplication, Rules};

struct Stats {
    median: Duration,
    p99: Duration,
    mean: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let pick = |q: f64| percentile(&samples, q);
    let total: Duration = samples.iter().sum();
    Stats {
        median: pick(0.5),
        p99: pick(0.99),
        mean: total / samples.len() as u32,
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn native_rules() -> Vec<Box<dyn Rules>> {
    vec![
        Box::new(lianban_plugin_birth_medical_certificate::BirthMedicalCertificate),
        Box::new(lianban_plugin_vaccination_certificate::VaccinationCertificate),
        Box::new(lianban_plugin_birth_registration::BirthRegistration),
        Box::new(lianban_plugin_resident_medical_insurance::ResidentMedicalInsurance),
        Box::new(lianban_plugin_social_security_card::SocialSecurityCard),
    ]
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The host as in production — registry, calendar, the demo catalog and its plugins — on a
/// store of its own, ready to pre-check 新生儿出生一件事.
struct DemoHost {
    state: lianban::AppState,
    one_thing: lianban::catalog::OneThing,
    _dir: tempfile::TempDir,
}

impl DemoHost {
    fn open() -> DemoHost {
        let dir = tempfile::tempdir().unwrap();
        let mut config = lianban::Config::new(dir.path());
        // `--slots N`: under valgrind (`--only=host-loop` counted with callgrind where the
        // machine has no instruction counters) the default pool's address space is refused.
        let slots = bench_arg("--slots", config.runtime.instance_slots.into());
        config.runtime.instance_slots = u32::try_from(slots).unwrap();
        let state = lianban::open(config, Arc::new(FixedClock::at_noon(TODAY))).unwrap();
        lianban::launch::prepare_demo(&state, &guests_dir()).unwrap();
        let one_thing = state.catalog.one_thing("newborn").unwrap().unwrap();
        DemoHost {
            state,
            one_thing,
            _dir: dir,
        }
    }

    fn precheck(&self, merged: &MergedApplication) -> lianban::precheck::PrecheckReport {
        lianban::precheck::run(
            &self.state.registry,
            &self.state.calendar,
            &self.one_thing,
            merged,
            TODAY,
            false,
        )
    }
}

fn in_process(iterations: u64) {
    let merged: MergedApplication =
        serde_json::from_value(fixture("newborn-window-complete")).unwrap();
    let cal = Arc::new(official_calendar());
    // As in service: the calendar, and the certificates for the 0.2.0 plugins granted them.
    let imports = Imports {
        calendar: cal.clone(),
        elicense: Some(Arc::new(InMemory::new(demo_certificates()))),
    };
    let accepted = Date::ymd(2026, 11, 30);

    let native = native_rules();
    let rt = Runtime::new(RuntimeConfig::default()).unwrap();
    let plugins: Vec<Plugin> = NEWBORN
        .iter()
        .map(|m| load(&rt, &plugin(m), m, Limits::default()).unwrap())
        .collect();

    // The host's own pre-check, with the registry and calendar it uses in production.
    let host = DemoHost::open();

    // Where the time goes: a component whose rules do nothing (the hostile guest, behaving),
    // instantiated and called the same way five times, is the host's own overhead.
    let hostile = lianban_e2e::component("lianban-guest-hostile");
    let empty = load(&rt, &hostile, "vaccination-certificate", Limits::default()).unwrap();
    let mut empty_t = Vec::new();
    let mut manifest_t = Vec::new();
    let mut bare_t = Vec::new();
    let mut unpooled_t = Vec::new();
    let unpooled_rt = Runtime::new(RuntimeConfig {
        pooling: false,
        ..RuntimeConfig::default()
    })
    .unwrap();
    let unpooled_empty = load(
        &unpooled_rt,
        &hostile,
        "vaccination-certificate",
        Limits::default(),
    )
    .unwrap();

    let mut native_t = Vec::new();
    let mut wasm_t = Vec::new();
    let mut host_t = Vec::new();
    for i in 0..iterations + 100 {
        let t = Instant::now();
        for (m, rules) in NEWBORN.iter().zip(&native) {
            let app = merged.for_matter(m, TODAY);
            let a = rules.check_materials(&app, cal.as_ref()).unwrap();
            let b = rules.review_form(&app, cal.as_ref()).unwrap();
            let d = rules.deadline(&app, accepted, cal.as_ref()).unwrap();
            std::hint::black_box((a, b, d));
        }
        let native_elapsed = t.elapsed();

        // As the host does it: the application in the components' form once, then only the
        // matter's code changes.
        let t = Instant::now();
        let mut input = RulesInput::new(merged.for_matter("", TODAY));
        for (m, p) in NEWBORN.iter().zip(&plugins) {
            input.set_matter(m);
            std::hint::black_box(rt.evaluate_input(p, &input, accepted, &imports).unwrap());
        }
        let wasm_elapsed = t.elapsed();

        let t = Instant::now();
        let report = host.precheck(&merged);
        let host_elapsed = t.elapsed();
        assert!(report.ready);

        let t = Instant::now();
        let mut input = RulesInput::new(merged.for_matter("", TODAY));
        for m in NEWBORN {
            input.set_matter(m);
            std::hint::black_box(
                rt.evaluate_input(&empty, &input, accepted, &imports)
                    .unwrap(),
            );
        }
        let empty_elapsed = t.elapsed();

        let t = Instant::now();
        for p in &plugins {
            std::hint::black_box(rt.manifest(p, &imports).unwrap());
        }
        let manifest_elapsed = t.elapsed();

        let t = Instant::now();
        for _ in NEWBORN {
            std::hint::black_box(rt.manifest(&empty, &imports).unwrap());
        }
        let bare_elapsed = t.elapsed();

        let t = Instant::now();
        for _ in NEWBORN {
            std::hint::black_box(unpooled_rt.manifest(&unpooled_empty, &imports).unwrap());
        }
        let unpooled_elapsed = t.elapsed();

        // The first hundred rounds warm caches and the instance pool.
        if i >= 100 {
            empty_t.push(empty_elapsed);
            manifest_t.push(manifest_elapsed);
            bare_t.push(bare_elapsed);
            unpooled_t.push(unpooled_elapsed);
            native_t.push(native_elapsed);
            wasm_t.push(wasm_elapsed);
            host_t.push(host_elapsed);
        }
    }
    let (n, w, h) = (stats(native_t), stats(wasm_t), stats(host_t));
    let (e, m) = (stats(empty_t), stats(manifest_t));
    let (b, u) = (stats(bare_t), stats(unpooled_t));
    println!(
        "\n## 1. One pre-check of 新生儿出生一件事 (5 plugins), in-process, {iterations} rounds interleaved"
    );
    println!("| path | median µs | p99 µs | mean µs |");
    println!("|---|---:|---:|---:|");
    println!(
        "| native (plugin crates linked in) | {:.1} | {:.1} | {:.1} |",
        us(n.median),
        us(n.p99),
        us(n.mean)
    );
    println!(
        "| WASM (5 × fresh instance + `evaluate`) | {:.1} | {:.1} | {:.1} |",
        us(w.median),
        us(w.p99),
        us(w.mean)
    );
    println!(
        "| host pre-check (WASM + notice) | {:.1} | {:.1} | {:.1} |",
        us(h.median),
        us(h.p99),
        us(h.mean)
    );
    println!(
        "| breakdown: 5 × instance + `evaluate` of a component with no rules | {:.1} | {:.1} | {:.1} |",
        us(e.median),
        us(e.p99),
        us(e.mean)
    );
    println!(
        "| breakdown: 5 × instance + `manifest` call | {:.1} | {:.1} | {:.1} |",
        us(m.median),
        us(m.p99),
        us(m.mean)
    );
    println!(
        "| breakdown: 5 × instance + `manifest` of a component with no rules | {:.1} | {:.1} | {:.1} |",
        us(b.median),
        us(b.p99),
        us(b.mean)
    );
    println!(
        "| … the same without the pooling allocator | {:.1} | {:.1} | {:.1} |",
        us(u.median),
        us(u.p99),
        us(u.mean)
    );
    println!(
        "ratio WASM / native, median: {:.1}×; host pre-check / native: {:.1}×",
        us(w.median) / us(n.median),
        us(h.median) / us(n.median)
    );
}

fn over_http(seconds: u64, clients: u64) {
    let server_rt = lianban_e2e::bench_runtime();
    let dir = tempfile::tempdir().unwrap();
    let state = lianban::open(
        lianban::Config::new(dir.path()),
        Arc::new(FixedClock::at_noon(TODAY)),
    )
    .unwrap();
    let demo = lianban::launch::prepare_demo(&state, &guests_dir()).unwrap();
    let clerk = demo
        .tokens
        .iter()
        .find(|(r, _)| *r == lianban::auth::Role::Clerk)
        .unwrap()
        .1
        .clone();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/api/v1/prechecks", listener.local_addr().unwrap());
    server_rt.spawn(lianban::serve(listener, state, std::future::pending()));

    // The load generator has its own runtime on the same two cores: the numbers include
    // the client's cost.
    let client_rt = lianban_e2e::bench_runtime();
    let body = serde_json::to_vec(&fixture("newborn-window-complete")).unwrap();
    let (latencies, errors, elapsed, cpu) = client_rt.block_on(async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(clients as usize)
            .build()
            .unwrap();
        // Warm up connections and the pool.
        for _ in 0..50 {
            client
                .post(&url)
                .bearer_auth(&clerk)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let cpu_before = process_cpu();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (client, url, clerk, body) =
                (client.clone(), url.clone(), clerk.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let r = client
                        .post(&url)
                        .bearer_auth(&clerk)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            lat.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (lat, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (lat, e) = t.await.unwrap();
            all.extend(lat);
            errors += e;
        }
        let cpu = cpu_before
            .zip(process_cpu())
            .map(|(a, b)| b.saturating_sub(a));
        (all, errors, started.elapsed(), cpu)
    });
    let count = latencies.len();
    // Server and client together: they share the process and the two cores.
    let cpu_per_check = cpu.map_or("n/a".to_owned(), |c| {
        format!("{:.0}", c.as_secs_f64() * 1e6 / count.max(1) as f64)
    });
    let s = stats(latencies);
    println!("\n## 2. Pre-checks over HTTP on loopback, {clients} concurrent clients, {seconds} s");
    println!("| pre-checks | errors | throughput /s | p50 ms | p99 ms | CPU µs per pre-check |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {count} | {errors} | {:.0} | {:.2} | {:.2} | {cpu_per_check} |",
        count as f64 / elapsed.as_secs_f64(),
        s.median.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3
    );
    drop(server_rt);
}

fn memory_and_upload() {
    let before = rss_kib();
    let dir = tempfile::tempdir().unwrap();
    let state = lianban::open(
        lianban::Config::new(dir.path()),
        Arc::new(FixedClock::at_noon(TODAY)),
    )
    .unwrap();
    let opened = rss_kib();
    let demo = lianban::launch::prepare_demo(&state, &guests_dir()).unwrap();
    let plugins = demo.activated.len();
    assert!(demo.missing.is_empty(), "{:?}", demo.missing);
    let loaded = rss_kib();

    // Upload-to-active of one plugin into a fresh store: validate, compile, smoke, store,
    // activate. Several runs, each on its own directory.
    let mut times = Vec::new();
    for _ in 0..7 {
        let d = tempfile::tempdir().unwrap();
        let s = lianban::open(
            lianban::Config::new(d.path()),
            Arc::new(FixedClock::at_noon(TODAY)),
        )
        .unwrap();
        lianban::catalog::seed_demo(s.store.as_ref()).unwrap();
        let bytes = plugin("birth-registration");
        let t = Instant::now();
        let up = s
            .registry
            .upload(
                "birth-registration",
                "public-security",
                &bytes,
                "bench",
                "now",
                TODAY,
            )
            .unwrap();
        // 出生登记 declares `elicense`: granted as an administrator would, inside the timing.
        s.registry
            .grant(
                "birth-registration",
                up.version.capabilities.iter().copied().collect(),
                "bench",
                "now",
                None,
            )
            .unwrap();
        s.registry
            .activate(
                "birth-registration",
                &up.version.sha256,
                "bench",
                "now",
                None,
            )
            .unwrap();
        times.push(t.elapsed());
    }
    // Restart: load every active plugin from its precompiled artifact.
    let path = dir.path().to_path_buf();
    drop(state);
    let t = Instant::now();
    let state = lianban::open(
        lianban::Config::new(&path),
        Arc::new(FixedClock::at_noon(TODAY)),
    )
    .unwrap();
    let reload = t.elapsed();
    assert_eq!(state.registry.active_count(), plugins);
    let up = stats(times);
    println!("\n## 3. Memory and upload");
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| resident memory before opening the host | {} MiB |",
        before / 1024
    );
    println!(
        "| … after opening (engine, pool, store) | {} MiB |",
        opened / 1024
    );
    println!(
        "| … with all {plugins} demo plugins active | {} MiB |",
        loaded / 1024
    );
    println!(
        "| upload-to-active, one plugin (median of 7) | {:.1} ms |",
        up.median.as_secs_f64() * 1e3
    );
    println!(
        "| restart with {plugins} active plugins (open + load artifacts) | {:.1} ms |",
        reload.as_secs_f64() * 1e3
    );
    println!(
        "| component size, 出生登记 | {} KiB |",
        plugin("birth-registration").len() / 1024
    );
}

fn main() {
    // `cargo bench` passes `--bench`; other flags are ours.
    let iterations = bench_arg("--iterations", 3_000);
    let seconds = bench_arg("--seconds", 10);
    let clients = bench_arg("--clients", 32);
    println!(
        "# lianban benchmarks ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    let only = bench_only();
    let run = |part: &str| only.as_deref().is_none_or(|o| o == part);
    if run("memory") {
        memory_and_upload();
    }
    if run("precheck") {
        in_process(iterations);
    }
    if run("http") {
        over_http(seconds, clients);
    }
    // Not part of the default run: only the host's pre-check, over and over, so that `perf`
    // sees that path alone (`--only=host-loop --iterations N`).
    if only.as_deref() == Some("host-loop") {
        host_loop(iterations);
    }
}

fn host_loop(iterations: u64) {
    let merged: MergedApplication =
        serde_json::from_value(fixture("newborn-window-complete")).unwrap();
    let host = DemoHost::open();
    let mut times = Vec::new();
    for _ in 0..iterations {
        let t = Instant::now();
        let report = host.precheck(&merged);
        times.push(t.elapsed());
        assert!(report.ready);
    }
    let s = stats(times);
    println!(
        "host pre-check, {iterations} in a row: median {:.1} µs, p99 {:.1} µs",
        us(s.median),
        us(s.p99)
    );
}
