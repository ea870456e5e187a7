//! `cargo xtask <command>`: what a fresh clone needs, in one place.
//!
//! - `demo`  builds the rule components and runs the platform with the demo catalog.
//! - `test`  builds the components and runs formatting, lints and every test.
//! - `bench` builds the components and runs the benchmarks (release profile).
//! - `guests` only builds the components.
//!
//! Every component (demo plugins, examples, test guests) is built by one cargo invocation
//! for `wasm32-wasip2`, so CI compiles the guest dependencies once.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    // `cargo xtask demo -- --listen …` and `cargo xtask demo --listen …` mean the same.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--").collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("guests") => guests(),
        _ => {
            eprintln!("usage: cargo xtask <demo|test|bench|guests> [args]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn run(mut cmd: Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("+ {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

/// Installs the component target when rustup is there; a toolchain without rustup must
/// already have it.
fn ensure_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out) if String::from_utf8_lossy(&out.stdout).contains("wasm32-wasip2") => Ok(()),
        Ok(_) => {
            let mut c = Command::new("rustup");
            c.args(["target", "add", "wasm32-wasip2"]);
            run(c)
        }
        Err(_) => {
            eprintln!("rustup not found; assuming the wasm32-wasip2 target is installed");
            Ok(())
        }
    }
}

/// Workspace packages that build a component: every `cdylib` under plugins/, examples/ and
/// tests/guests/.
fn guest_packages() -> Result<Vec<String>, String> {
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let root = root();
    let mut names = Vec::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        let manifest = PathBuf::from(pkg["manifest_path"].as_str().unwrap_or_default());
        let rel = manifest.strip_prefix(&root).unwrap_or(&manifest);
        let is_guest_dir = ["plugins", "examples", "tests/guests"]
            .iter()
            .any(|d| rel.starts_with(d));
        let is_cdylib = pkg["targets"].as_array().into_iter().flatten().any(|t| {
            t["crate_types"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"))
        });
        if is_guest_dir
            && is_cdylib
            && let Some(name) = pkg["name"].as_str()
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn guests() -> Result<(), String> {
    ensure_target()?;
    let mut c = cargo();
    c.args(["build", "--profile", "guest", "--target", "wasm32-wasip2"]);
    for p in guest_packages()? {
        c.args(["-p", &p]);
    }
    run(c)?;
    python_example()
}

/// A Python tool in a virtual environment of its own under `target/python/<name>`, installed
/// from `xtask/python/<name>.lock`: every package pinned with its hashes (made from
/// `<name>.in` with `pip-compile --generate-hashes`). Reinstalled when the lock changes.
/// Needs `python3` (3.10 or later; `PYTHON` overrides) with `venv`. Returns the `bin` folder.
fn python_tool(name: &str) -> Result<PathBuf, String> {
    let root = root();
    let lock = root.join(format!("xtask/python/{name}.lock"));
    let venv = root.join(format!("target/python/{name}"));
    let installed = venv.join("installed.lock");
    let wanted = std::fs::read(&lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    if std::fs::read(&installed).ok().as_deref() == Some(wanted.as_slice()) {
        return Ok(venv.join("bin"));
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let mut c = Command::new(&python);
    c.args(["-m", "venv", "--clear"]).arg(&venv);
    run(c).map_err(|e| format!("{name} needs python3 with venv ({python}): {e}"))?;
    let mut c = Command::new(venv.join("bin/pip"));
    c.args(["install", "--quiet", "--require-hashes", "--no-deps", "-r"])
        .arg(&lock);
    run(c)?;
    std::fs::write(&installed, wanted).map_err(|e| format!("{}: {e}", installed.display()))?;
    Ok(venv.join("bin"))
}

/// The OpenID provider the sign-in tests and the demo run (`tests/oidc`): `oidc-provider` from
/// the npm registry, installed with `npm ci` from the committed `package-lock.json` (every
/// package pinned with its integrity hash). Reinstalled when the lock changes. Needs `node`
/// and `npm` (Node.js 20 or later).
fn identity_provider() -> Result<(), String> {
    let dir = root().join("tests/oidc");
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.installed.lock");
    let wanted = std::fs::read(&lock).map_err(|e| format!("{}: {e}", lock.display()))?;
    if std::fs::read(&installed).ok().as_deref() == Some(wanted.as_slice()) {
        return Ok(());
    }
    let mut c = Command::new("npm");
    c.args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&dir);
    run(c).map_err(|e| format!("the test identity provider needs Node.js with npm: {e}"))?;
    std::fs::write(&installed, wanted).map_err(|e| format!("{}: {e}", installed.display()))
}

/// Debian's `chromium`, its WebDriver (`chromium-driver`) and CJK fonts (`fonts-noto-cjk`, so
/// that screenshots show Chinese), for the console's browser tests (`tests/tests/console.rs`).
/// Installed with apt when one is missing, which needs root (or sudo) once.
fn browser() -> Result<(), String> {
    let needed = [
        "/usr/bin/chromium",
        "/usr/bin/chromedriver",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ];
    if needed.iter().all(|p| Path::new(p).exists()) {
        return Ok(());
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = if root_user {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        c
    };
    let install = [
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
        "fonts-noto-cjk",
    ];
    // A machine whose package lists are stale gets them refreshed once.
    run(apt(&install))
        .or_else(|_| run(apt(&["update"])).and_then(|()| run(apt(&install))))
        .map_err(|e| format!("the browser tests need Debian's chromium: {e}"))
}

/// The Python example (`examples/senior-card-py`), built with componentize-py from PyPI
/// (`python_tool`). Rebuilt only when its source or the WIT changed.
fn python_example() -> Result<(), String> {
    let root = root();
    let src = root.join("examples/senior-card-py");
    let wit = root.join("wit/v0.1.0");
    let out = root.join("target/wasm32-wasip2/guest/lianban_example_senior_card_py.wasm");
    if is_newer(&out, &[&src.join("app.py"), &wit.join("rules.wit")]) {
        return Ok(());
    }
    let tool = python_tool("componentize-py")?.join("componentize-py");
    // Exactly what componentize-py makes of it: the host tells the rules API from the
    // component itself, as it would for any vendor's toolchain.
    let mut c = Command::new(&tool);
    c.arg("-d")
        .arg(&wit)
        .args(["-w", "rules", "componentize", "app", "-p"]);
    c.arg(&src).arg("-o").arg(&out);
    run(c)
}

fn is_newer(out: &Path, inputs: &[&Path]) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match modified(out) {
        Some(built) => inputs
            .iter()
            .all(|i| modified(i).is_some_and(|m| m <= built)),
        None => false,
    }
}

fn demo(extra: &[String]) -> Result<(), String> {
    guests()?;
    identity_provider()?;
    let listen = extra
        .windows(2)
        .find(|w| w[0] == "--listen")
        .map_or("127.0.0.1:8080", |w| w[1].as_str());
    let mut c = cargo();
    c.args(["run", "--package", "lianban", "--", "demo"]);
    c.args([
        "--data",
        "demo-data",
        "--plugins",
        "target/wasm32-wasip2/guest",
    ]);
    // People sign in through the bundled OpenID provider; only on the loopback address,
    // where the host may run without HTTPS.
    let provider = if listen.starts_with("127.0.0.1:") || listen.starts_with("localhost:") {
        let base = format!("http://{listen}");
        let provider = DemoProvider::start(&base)?;
        let dir = root().join("target/demo");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for kind in ["staff", "citizens"] {
            let file = dir.join(format!("{kind}.secret"));
            std::fs::write(&file, format!("lianban-{kind}-secret")).map_err(|e| e.to_string())?;
            c.arg(format!("--{kind}-client-secret-file")).arg(file);
        }
        c.args(["--public-url", &base]);
        c.args(["--staff-issuer", &provider.staff]);
        c.args(["--citizens-issuer", &provider.citizens]);
        c.args(["--demo-people", "tests/oidc/demo-people.json"]);
        Some(provider)
    } else {
        None
    };
    c.args(extra);
    let result = run(c);
    drop(provider);
    result
}

/// The demo's identity provider (`tests/oidc/provider.mjs` with the demo people), stopped
/// when dropped.
struct DemoProvider {
    child: std::process::Child,
    staff: String,
    citizens: String,
}

impl DemoProvider {
    fn start(host_base: &str) -> Result<DemoProvider, String> {
        use std::io::BufRead;
        let dir = root().join("tests/oidc");
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .arg(host_base)
            .arg(dir.join("demo-people.json"))
            .env("LIANBAN_EXIT_WITH_STDIN", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("the demo identity provider needs Node.js: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let issuers = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(json) = line.strip_prefix("LIANBAN_ISSUERS ") {
                        break json.to_owned();
                    }
                }
                _ => return Err("the demo identity provider stopped before it listened".into()),
            }
        };
        // Its notices keep coming; read them so its pipe never fills.
        std::thread::spawn(move || lines.for_each(drop));
        let issuers: serde_json::Value =
            serde_json::from_str(&issuers).map_err(|e| format!("{issuers}: {e}"))?;
        let field = |name: &str| {
            issuers[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no {name} issuer in {issuers}"))
        };
        Ok(DemoProvider {
            staff: field("staff")?,
            citizens: field("citizens")?,
            child,
        })
    }
}

impl Drop for DemoProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn test() -> Result<(), String> {
    guests()?;
    // The contract test (`tests/tests/contract.rs`) runs schemathesis from here, and the
    // sign-in tests a real OpenID provider.
    python_tool("schemathesis")?;
    identity_provider()?;
    browser()?;
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run(fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy)?;
    let mut t = cargo();
    t.args(["test", "--workspace"]);
    run(t)
}

fn bench(extra: &[String]) -> Result<(), String> {
    guests()?;
    identity_provider()?;
    for bench in ["precheck", "lifecycle", "sign_in", "console", "figures"] {
        let mut c = cargo();
        c.args(["bench", "--package", "lianban-e2e", "--bench", bench]);
        if !extra.is_empty() {
            c.arg("--");
            c.args(extra);
        }
        run(c)?;
    }
    Ok(())
}
