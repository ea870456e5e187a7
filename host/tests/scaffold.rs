//! A department with nothing but the `lianban` binary and a Rust toolchain goes from an empty
//! folder to an uploaded rule: `plugin new` → `cargo test` → component build → `plugin test`
//! → `plugin push`. The binary is run from a copy outside this repository, and the new crate
//! must not reach into the tree the binary was built from: every package cargo resolves for it
//! lives in the new folder or in cargo's own registry, and where the machine allows user and
//! mount namespaces (`unshare`), every step runs with an empty folder mounted over this
//! repository, so that the tree is not there at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_lianban");

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

/// Whether commands can be run with the repository hidden (`unshare`, user and mount
/// namespaces).
fn can_hide() -> bool {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `program args…` to be run, where possible, with `empty` mounted over the repository.
fn hidden(program: &Path, args: &[&str], empty: &Path) -> Command {
    if !can_hide() {
        eprintln!("unshare is not available here: running without hiding the repository");
        let mut c = Command::new(program);
        c.args(args);
        return c;
    }
    let mut c = Command::new("unshare");
    c.args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(r#"mount --bind "$0" "$1" && shift && exec "$@""#)
        .arg(empty)
        .arg(repository())
        .arg(program)
        .args(args);
    c
}

fn run(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The demo platform without any rules installed, killed when dropped.
struct Platform(Child);

impl Drop for Platform {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `lianban demo` (catalog, tokens) with no plugins; returns its URL and the tokens of
/// `department:cdc` and `admin`.
fn platform(bin: &Path, work: &Path) -> (Platform, String, String, String) {
    let no_plugins = work.join("no-plugins");
    std::fs::create_dir_all(&no_plugins).unwrap();
    let mut child = Command::new(bin)
        .args([
            "demo",
            "--history-weeks",
            "0",
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(work.join("data"))
        .arg("--plugins")
        .arg(&no_plugins)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut cdc, mut admin) = (String::new(), String::new());
    let base = loop {
        let line = lines.next().expect("the demo exited early").unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["department:cdc", token] => cdc = (*token).to_owned(),
            ["admin", token] => admin = (*token).to_owned(),
            _ => {}
        }
        if let Some(url) = line.strip_prefix("lianban: listening on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Platform(child), base, cdc, admin)
}

#[test]
fn a_department_with_only_the_binary_builds_tests_and_pushes_a_rule() {
    let repo = repository();
    let work = tempfile::tempdir().unwrap();
    let work = work.path().canonicalize().unwrap();
    assert!(
        !work.starts_with(&repo),
        "the test folder must be outside the repository"
    );

    // The binary as a department receives it, apart from this repository.
    let bin = work.join("bin/lianban");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(BIN, &bin).unwrap();

    let crate_dir = work.join("vaccination");
    let empty = work.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let said = run(hidden(
        &bin,
        &[
            "plugin",
            "new",
            crate_dir.to_str().unwrap(),
            "--matter",
            "vaccination-certificate",
            "--department",
            "cdc",
            "--name",
            "预防接种证办理",
        ],
        &empty,
    )
    .current_dir(&work));
    assert!(said.contains("vendor/lianban"), "{said}");

    // Nothing written refers to the tree the binary was built from.
    let repo_text = repo.display().to_string();
    let mut stack = vec![crate_dir.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                assert!(
                    !text.contains(&repo_text),
                    "{} names {repo_text}",
                    path.display()
                );
            }
        }
    }

    let cargo = PathBuf::from(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    // Build output is kept between runs, outside the repository (which may be hidden).
    let target = std::env::temp_dir().join("lianban-scaffold-target");
    let cargo_in_crate = |args: &[&str]| {
        let mut all = args.to_vec();
        all.push("--offline");
        let mut c = hidden(&cargo, &all, &empty);
        c.env("CARGO_TARGET_DIR", &target).current_dir(&crate_dir);
        c
    };
    let metadata: serde_json::Value = serde_json::from_str(&run(&mut cargo_in_crate(&[
        "metadata",
        "--format-version",
        "1",
    ])))
    .unwrap();
    for package in metadata["packages"].as_array().unwrap() {
        let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
        assert!(
            manifest.starts_with(&crate_dir) || !manifest.starts_with(&repo),
            "{} comes from the platform's source tree",
            manifest.display()
        );
        if package["name"] == "lianban-sdk" {
            assert!(manifest.starts_with(crate_dir.join("vendor/lianban")));
        }
    }

    run(&mut cargo_in_crate(&["test", "--quiet"]));
    run(&mut cargo_in_crate(&[
        "build",
        "--quiet",
        "--release",
        "--target",
        "wasm32-wasip2",
    ]));
    let component =
        target.join("wasm32-wasip2/release/lianban_plugin_vaccination_certificate.wasm");
    // The hiding is real: inside, the repository is an empty folder.
    let listed = run(&mut hidden(
        Path::new("ls"),
        &["-A", repo.to_str().unwrap()],
        &empty,
    ));
    if can_hide() {
        assert_eq!(listed.trim(), "", "the repository was still visible");
    }
    let fixtures = crate_dir.join("fixtures");
    let tested = run(hidden(
        &bin,
        &[
            "plugin",
            "test",
            component.to_str().unwrap(),
            "--fixtures",
            fixtures.to_str().unwrap(),
        ],
        &empty,
    )
    .current_dir(&work));
    assert!(tested.contains("1 个样例，1 个通过"), "{tested}");

    let (_platform, base, cdc, admin) = platform(&bin, &work);
    assert!(!cdc.is_empty() && !admin.is_empty());
    let pushed = run(hidden(
        &bin,
        &[
            "plugin",
            "push",
            component.to_str().unwrap(),
            "--host",
            &base,
        ],
        &empty,
    )
    // From the environment: a token on the command line would show in `ps`.
    .env("LIANBAN_TOKEN", &cdc)
    .current_dir(&work));
    let version: serde_json::Value = serde_json::from_str(&pushed).unwrap();
    assert_eq!(version["matter"], "vaccination-certificate", "{version}");
    assert_eq!(version["api"], "0.2.0", "{version}");
}
