//! Harness for the end-to-end tests: the built components, the fixtures, and a real host on a
//! port-0 listener driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod browser;
mod callers;
pub mod hall;
pub mod identity;

pub use callers::{APPLICANT_ID, OnlineService, issue_token};
pub mod journey;

use lianban::auth::Role;
use lianban::clock::FixedClock;
use lianban::runtime::{Limits, LoadError, Plugin, PluginIdent, Runtime, declared_api};
use lianban::{AppState, Config};
use lianban_sdk::Date;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The day the tests live on: Friday 27 November 2026, noon in China.
pub const TODAY: Date = Date {
    year: 2026,
    month: 11,
    day: 27,
};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where `cargo xtask test` puts the components (one cargo invocation builds them all).
pub fn guests_dir() -> PathBuf {
    std::env::var_os("LIANBAN_GUESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/wasm32-wasip2/guest"))
}

/// A built component by crate name, e.g. `lianban-guest-hostile`.
pub fn component(crate_name: &str) -> Vec<u8> {
    let path = guests_dir().join(format!("{}.wasm", crate_name.replace('-', "_")));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Build the components first: `cargo xtask test` does, or \
             `cargo xtask guests`",
            path.display()
        )
    })
}

/// The hostile guest with a `manifest` that misbehaves as `mode` says (`loop`, `sleep`, `poll`,
/// `memory`): the guest's marker patched in its built bytes (see `tests/guests/hostile`).
pub fn hostile_with_manifest(mode: &str) -> Vec<u8> {
    const MARKER: &[u8] = b"lianban-hostile-manifest:none            ";
    let mode = format!("{mode:<16}");
    assert_eq!(mode.len(), 16, "a manifest mode is at most 16 bytes");
    let mut bytes = component("lianban-guest-hostile");
    let at = bytes
        .windows(MARKER.len())
        .position(|w| w == MARKER)
        .expect("the hostile guest carries its manifest marker");
    let start = at + MARKER.len() - 16;
    bytes[start..at + MARKER.len()].copy_from_slice(mode.as_bytes());
    assert!(
        !bytes.windows(MARKER.len()).any(|w| w == MARKER),
        "the marker appears twice"
    );
    bytes
}

/// Compiles a component and prepares it for the rules API it implements, as an upload does,
/// named as a version of `matter` (department `dept`, version `9.9.9`).
pub fn load(rt: &Runtime, bytes: &[u8], matter: &str, limits: Limits) -> Result<Plugin, LoadError> {
    let (component, _artifact) = rt.compile(bytes)?;
    let ident = PluginIdent {
        matter: matter.into(),
        department: "dept".into(),
        version: "9.9.9".into(),
        sha256: lianban::registry::sha256_hex(bytes),
    };
    rt.prepare_detected(&component, declared_api(bytes)?.as_deref(), ident, limits)
}

/// The demo plugin of a matter.
pub fn plugin(matter: &str) -> Vec<u8> {
    component(&format!("lianban-plugin-{matter}"))
}

pub const NEWBORN: &[&str] = &[
    "birth-medical-certificate",
    "vaccination-certificate",
    "birth-registration",
    "resident-medical-insurance",
    "social-security-card",
];

pub const BUSINESS: &[&str] = &[
    "company-registration",
    "seal-engraving-filing",
    "tax-invoice-setup",
    "employer-social-insurance",
    "housing-fund-employer",
];

/// A fixture from `plugins/fixtures`, as JSON.
pub fn fixture(name: &str) -> Value {
    let path = workspace_root().join(format!("plugins/fixtures/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

pub const RESTAURANT: &[&str] = &[
    "company-registration",
    "food-business-license",
    "outdoor-signboard",
    "fire-safety-inspection",
];

pub const RETIREMENT: &[&str] = &[
    "pension-benefit-approval",
    "employee-medical-retirement",
    "housing-fund-retirement",
];

pub const BEREAVEMENT: &[&str] = &[
    "death-medical-certificate",
    "cremation-certificate",
    "household-cancellation",
    "survivor-benefits",
    "medical-account-inheritance",
    "housing-fund-inheritance",
];

/// The department that owns a matter, as the demo catalog says.
/// Built once: the benchmarks ask on every command, and building the demo catalog each time
/// cost the client a share of the two cores the server is measured on.
pub fn department_of(matter: &str) -> String {
    static OWNERS: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    OWNERS
        .get_or_init(|| {
            lianban::catalog::demo::demo_one_things()
                .iter()
                .flat_map(|o| o.matters.iter())
                .map(|m| (m.code.clone(), m.department.clone()))
                .collect()
        })
        .get(matter)
        .cloned()
        .unwrap_or_else(|| panic!("no department for {matter}"))
}

pub struct Tokens {
    pub admin: String,
    pub clerk: String,
    pub departments: BTreeMap<String, String>,
}

impl Tokens {
    pub fn department(&self, code: &str) -> &str {
        &self.departments[code]
    }
}

/// A host serving on 127.0.0.1:0 over a data directory, with the demo catalog and tokens.
pub struct TestHost {
    pub base: String,
    pub client: reqwest::Client,
    pub tokens: Tokens,
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub data: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _tempdir: Option<tempfile::TempDir>,
}

impl TestHost {
    pub async fn start() -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let mut host = TestHost::start_in(dir.path().to_path_buf(), None).await;
        host._tempdir = Some(dir);
        host
    }

    /// A fresh host over a temporary directory, its configuration changed by `edit`.
    pub async fn start_with(edit: impl FnOnce(&mut Config)) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path());
        edit(&mut config);
        let mut host = TestHost::start_in(dir.path().to_path_buf(), Some(config)).await;
        host._tempdir = Some(dir);
        host
    }

    /// Opens (or reopens) `data`; tokens are issued anew.
    pub async fn start_in(data: PathBuf, config: Option<Config>) -> TestHost {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        TestHost::start_on(listener, data, config).await
    }

    /// A fresh host serving on `listener`, bound beforehand so that its address can go into
    /// the configuration (an identity provider's callbacks) before the host starts.
    pub async fn start_listening(
        listener: tokio::net::TcpListener,
        edit: impl FnOnce(&mut Config),
    ) -> TestHost {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path());
        edit(&mut config);
        let mut host = TestHost::start_on(listener, dir.path().to_path_buf(), Some(config)).await;
        host._tempdir = Some(dir);
        host
    }

    async fn start_on(
        listener: tokio::net::TcpListener,
        data: PathBuf,
        config: Option<Config>,
    ) -> TestHost {
        let clock = Arc::new(FixedClock::at_noon(TODAY));
        let config = config.unwrap_or_else(|| Config::new(&data));
        let state = tokio::task::spawn_blocking({
            let clock = clock.clone();
            move || lianban::open(config, clock).unwrap()
        })
        .await
        .unwrap();
        lianban::catalog::seed_demo(state.store.as_ref()).unwrap();
        // The hostile guest's switch is a field like any other: the bureau registers it before
        // the tests upload that guest.
        state
            .catalog
            .put_dictionary_field(&lianban::catalog::FieldEntry {
                key: "hostile.mode".into(),
                label: "测试模式".into(),
                kind: lianban_sdk::FieldKind::Text,
                choices: Vec::new(),
                help: None,
            })
            .unwrap();
        let issue = |name: &str, role: Role| issue_token(&state, name, role);
        let mut departments = BTreeMap::new();
        for m in NEWBORN
            .iter()
            .chain(BUSINESS)
            .chain(RESTAURANT)
            .chain(RETIREMENT)
            .chain(BEREAVEMENT)
        {
            let d = department_of(m);
            departments
                .entry(d.clone())
                .or_insert_with(|| issue("部门测试", Role::Department(d.to_owned())));
        }
        let tokens = Tokens {
            admin: issue("管理员", Role::Admin),
            clerk: issue("窗口人员", Role::Clerk),
            departments,
        };
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(lianban::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        TestHost {
            base,
            client: reqwest::Client::new(),
            tokens,
            state,
            clock,
            data,
            shutdown: Some(tx),
            task: Some(task),
            _tempdir: None,
        }
    }

    /// Stops serving and releases the database; returns the data directory (kept alive).
    pub async fn stop(mut self) -> (PathBuf, Option<tempfile::TempDir>) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        let data = self.data.clone();
        let dir = self._tempdir.take();
        // `serve` returns once every connection has closed, but a connection's task may still
        // be dropping its handle on the services (and so on the database) a moment later; a
        // test that reopens the directory waits for the last one.
        let services = Arc::downgrade(&self.state);
        drop(self);
        for _ in 0..1_000 {
            if services.strong_count() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(
            services.strong_count(),
            0,
            "the services outlived the server"
        );
        (data, dir)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    /// Every message the outbox holds or has sent, oldest first.
    pub fn outbox(&self) -> Vec<lianban::workflow::outbox::Message> {
        use lianban::store::OutboxStore;
        let pending = self.state.store.due_messages(i64::MAX, 1000).unwrap();
        let sent = self.state.store.sent_messages(1000).unwrap();
        let mut all: Vec<_> = pending.into_iter().chain(sent).collect();
        all.sort_by_key(|m| m.id);
        all.into_iter().map(|m| m.message).collect()
    }

    /// A GET whose answer is bytes: its status, content type and body.
    pub async fn get_bytes(&self, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
        send_for_bytes(self.client.get(self.url(path)).bearer_auth(token)).await
    }

    /// A GET that must answer 200; its body.
    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> (StatusCode, Value) {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn upload(&self, matter: &str, token: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.send(
            self.client
                .post(self.url(&format!("/api/v1/matters/{matter}/versions")))
                .bearer_auth(token)
                .header("content-type", "application/wasm")
                .body(bytes),
        )
        .await
    }

    pub async fn activate(&self, matter: &str, sha256: &str) -> (StatusCode, Value) {
        self.put(
            &format!("/api/v1/matters/{matter}/active"),
            &self.tokens.admin,
            &serde_json::json!({ "sha256": sha256 }),
        )
        .await
    }

    /// Uploads (as the owning department) and activates (as administrator) a component;
    /// returns its sha256.
    pub async fn install(&self, matter: &str, bytes: Vec<u8>) -> String {
        let (status, body) = self
            .upload(
                matter,
                self.tokens.department(&department_of(matter)),
                bytes,
            )
            .await;
        assert!(status.is_success(), "upload {matter}: {status} {body}");
        let sha = body["sha256"].as_str().unwrap().to_owned();
        self.grant_declared(matter, &body).await;
        let (status, body) = self.activate(matter, &sha).await;
        assert_eq!(status, StatusCode::OK, "activate {matter}: {body}");
        sha
    }

    /// Like an administrator: grants `matter` the capabilities an uploaded `version` declares
    /// (the 0.2.0 plugins' `elicense`), so that it can be activated.
    pub async fn grant_declared(&self, matter: &str, version: &Value) {
        let wanted = version["capabilities"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !wanted.is_empty() {
            let (status, body) = self
                .put(
                    &format!("/api/v1/matters/{matter}/capabilities"),
                    &self.tokens.admin,
                    &json!({ "capabilities": wanted }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "grant {matter}: {body}");
        }
    }

    /// Installs every demo plugin of both one-things.
    /// The plugins of the first two one-things, which most tests use.
    pub async fn install_demo_plugins(&self) {
        self.install_plugins(NEWBORN.iter().chain(BUSINESS)).await;
    }

    pub async fn install_plugins(&self, matters: impl IntoIterator<Item = &&'static str>) {
        for m in matters {
            if self.state.registry.active(m).is_none() {
                self.install(m, plugin(m)).await;
            }
        }
    }

    /// Uploads [`PDF`] as `token` and returns its sha256, for a material's `files`.
    pub async fn scan(&self, token: &str) -> String {
        let (s, file) = upload_file(self, token, PDF).await;
        assert_eq!(s, StatusCode::CREATED, "{file}");
        file["sha256"].as_str().unwrap().to_owned()
    }

    pub async fn precheck(&self, body: &Value) -> (StatusCode, Value) {
        self.post("/api/v1/prechecks", &self.tokens.clerk, body)
            .await
    }
}

/// One matter's part of a pre-check report.
pub fn matter<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["matters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["matter"] == code)
        .unwrap_or_else(|| panic!("no matter {code} in {report}"))
}

/// Sets a form field of a fixture.
pub fn set_field(app: &mut Value, key: &str, value: &str) {
    app["fields"][key] = Value::String(value.to_owned());
}

/// Removes a material from a fixture.
pub fn drop_material(app: &mut Value, code: &str) {
    app["materials"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["code"] != code);
}

/// A numeric benchmark option `--name N` from the command line.
pub fn bench_arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The part of `cargo xtask bench` named by `--only=PART`, if any; every benchmark binary gets
/// the same arguments, and each runs only its own parts.
pub fn bench_only() -> Option<String> {
    std::env::args().find_map(|a| a.strip_prefix("--only=").map(str::to_owned))
}

/// CPU time this process has used so far, all threads, user and system (`/proc/self/stat`).
///
/// Benchmarks report CPU per operation beside throughput: on a shared machine throughput moves
/// with the neighbours' load, CPU spent per operation much less. Clock-tick resolution (10 ms at
/// the usual 100 Hz), so only differences over seconds mean anything; `None` off Linux.
pub fn process_cpu() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the numbers start after its closing ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5), counted from the state field (3).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux this runs on (the kernel fixes it for userspace).
    Some(std::time::Duration::from_millis(ticks * 10))
}

/// The `q` quantile of sorted samples (0.5: median, 0.99: p99).
/// The runtime a benchmark drives its host or its clients on: two workers, as this machine
/// has two cores.
pub fn bench_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn percentile(sorted: &[std::time::Duration], q: f64) -> std::time::Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// A scan as the window uploads it.
pub const PDF: &[u8] = b"%PDF-1.7\n% scanned at the window\n";

pub async fn upload_file(host: &TestHost, token: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let r = host
        .client
        .post(host.url("/api/v1/files"))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// The newborn fixture as an intake body: applicant, delivery, and a scan on each material.
pub fn intake(channel: &str, delivery: Value, scan: &str) -> Value {
    let mut app = fixture("newborn-window-complete");
    for m in app["materials"].as_array_mut().unwrap() {
        m["files"] = json!([scan]);
        m["original_kept_at_window"] = json!(channel == "window" && m["form"] == "original");
        if channel == "online" {
            m["form"] = json!("scan");
        }
    }
    json!({
        "one_thing": "newborn",
        "channel": channel,
        "applicant": { "name": "李芳", "id_number": APPLICANT_ID, "mobile": "13812345678" },
        "fields": app["fields"],
        "materials": app["materials"],
        "delivery": delivery,
    })
}

/// A newborn case taken in at the window, complete, distributed to the departments.
pub async fn received_case(host: &TestHost, clerk: &str) -> String {
    let scan = host.scan(clerk).await;
    let (s, case) = host
        .post(
            "/api/v1/cases",
            clerk,
            &intake("window", json!({ "mode": "together" }), &scan),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{case}");
    assert_eq!(case["status"], "in_progress", "{case:#}");
    case["id"].as_str().unwrap().to_owned()
}

/// Sends `request` and reads the answer as bytes: its status, content type and body.
pub async fn send_for_bytes(request: reqwest::RequestBuilder) -> (StatusCode, String, Vec<u8>) {
    let r = request.send().await.unwrap();
    let status = r.status();
    let kind = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

/// Noon of `day` (`2026-09-30`) in China time, for the test clock.
pub fn noon(day: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&format!("{day}T12:00:00+08:00"))
        .unwrap_or_else(|e| panic!("{day}: {e}"))
        .with_timezone(&chrono::Utc)
}
