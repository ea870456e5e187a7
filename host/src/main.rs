//! The `lianban` command: parses the command line and hands over to the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod cli;

use clap::{Args, Parser, Subcommand};
use lianban::auth::Role;
use lianban::clock::{Clock, ShiftedClock, SystemClock};
use lianban::{Config, launch};

#[derive(Parser)]
#[command(name = "lianban", version, about = "政务服务“一件事一次办”联办平台")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API on an existing data directory.
    Serve(ServeArgs),
    /// Seed the demo catalog, load the demo plugins, print tokens, and serve.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Directory with the built demo plugins (`lianban_plugin_<matter>.wasm`).
        #[arg(long, default_value = "target/wasm32-wasip2/guest")]
        plugins: PathBuf,
        /// The demo identity provider's people (`tests/oidc/demo-people.json`): its staff go
        /// into the directory, and the demo prints who to sign in as instead of tokens.
        #[arg(long)]
        demo_people: Option<PathBuf>,
        /// Weeks of generated history a fresh demo starts with, so the bureau's dashboard and
        /// reports show something (0: none).
        #[arg(long, default_value_t = 4)]
        history_weeks: i64,
    },
    /// Create the first administrator token (with the server stopped: one process owns the
    /// database). A running host issues, rotates and revokes tokens through `/api/v1/tokens`.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The keys that seal personal data at rest (with the server stopped).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The department developer kit: test a rule component, push it, replay it.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new data key current, re-encrypt every sealed value, retire the old keys.
    Rotate(cli::keys::RotateArgs),
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Start a plugin crate for a matter from the example: rules, native tests, a fixture.
    New {
        dir: PathBuf,
        /// The matter's code in the catalog.
        #[arg(long)]
        matter: String,
        /// The department that owns the matter.
        #[arg(long)]
        department: String,
        /// The matter's name as the catalog gives it.
        #[arg(long)]
        name: String,
        /// Path of a working copy of the lianban SDK crate. Without it, the SDK this binary
        /// carries is written into the new crate (`vendor/lianban/`).
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Run a component in the host's own runtime against JSON fixtures (see `lianban::devkit`)
    /// and print findings, deadline, fuel, peak memory, logs and any trap. Fails when a fixture
    /// does not give what it expects.
    Test {
        component: PathBuf,
        #[arg(long)]
        fixtures: PathBuf,
    },
    /// Upload a component as a new version of the matter its manifest names.
    Push {
        component: PathBuf,
        /// Base URL of the host, e.g. http://127.0.0.1:8080
        #[arg(long)]
        host: String,
        /// The department's token.
        #[command(flatten)]
        token: TokenSource,
    },
    /// Ask a host for a shadow replay of an uploaded version (administrator token).
    Replay {
        #[arg(long)]
        host: String,
        /// The administrator's token.
        #[command(flatten)]
        token: TokenSource,
        #[arg(long)]
        matter: String,
        #[arg(long)]
        sha256: String,
        /// Most recent inputs to use.
        #[arg(long)]
        limit: Option<usize>,
        /// Let both versions look up live electronic certificates (off: every lookup is
        /// answered "unavailable").
        #[arg(long)]
        live_elicense: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (it is shown only once).
    Create {
        #[arg(long, default_value = "lianban-data")]
        data: PathBuf,
        /// admin, clerk or department:<code>
        #[arg(long)]
        role: Role,
        /// Who will use the token.
        #[arg(long)]
        name: String,
        /// Days until the token expires (1 to 366).
        #[arg(long, default_value_t = lianban::auth::tokens::DEFAULT_LIFETIME_DAYS)]
        expires_in_days: u32,
    },
}

/// Where a client command finds its bearer token: never on the command line, where `ps` and
/// the shell's history would show it to others.
#[derive(Args)]
struct TokenSource {
    /// A file holding the token (one line). Without it, the LIANBAN_TOKEN variable is read.
    #[arg(long)]
    token_file: Option<PathBuf>,
}

impl TokenSource {
    fn read(&self) -> Result<String, String> {
        let token = match &self.token_file {
            Some(path) => {
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => std::env::var("LIANBAN_TOKEN").map_err(|_| {
                "no token: set LIANBAN_TOKEN or pass --token-file <file>".to_owned()
            })?,
        };
        let token = token.trim();
        if token.is_empty() {
            return Err("the token is empty".into());
        }
        Ok(token.to_owned())
    }
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, default_value = "lianban-data")]
    data: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Linear memory per plugin instance, MiB.
    #[arg(long, default_value_t = 32)]
    memory_mib: usize,
    /// Instructions per plugin call (wasmtime fuel).
    #[arg(long, default_value_t = 500_000_000)]
    fuel: u64,
    /// Wall time per plugin call, milliseconds.
    #[arg(long, default_value_t = 1_000)]
    timeout_ms: u64,
    /// Recent plugin inputs kept per matter for shadow replays (0: none).
    #[arg(long, default_value_t = 200)]
    replay_inputs: usize,
    /// Refuse to activate or schedule a version whose latest replay was not reviewed.
    #[arg(long)]
    require_replay_review: bool,
    /// Share of a clock's promised working days after which 电子监察 raises its yellow card,
    /// above 0 and at most 1.
    #[arg(long, default_value_t = 0.8, value_parser = share)]
    yellow_share: f64,
    /// Longest a component may take to compile at upload, seconds.
    #[arg(long, default_value_t = 60)]
    compile_timeout_secs: u64,
    /// Versions never put into service that one department may hold.
    #[arg(long, default_value_t = 20)]
    max_pending_versions: usize,
    /// Certificate lookups one rules call may make.
    #[arg(long, default_value_t = 8)]
    max_elicense_lookups: u32,
    /// A reverse proxy whose X-Forwarded-For header is believed for the client's address
    /// (repeat for several).
    #[arg(long = "trusted-proxy")]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Files one caller (token) may upload per day, MiB.
    #[arg(long, default_value_t = 2048)]
    file_quota_mib_per_day: u64,
    /// Let department webhooks point at loopback, private and link-local addresses (department
    /// systems on the platform's own network).
    #[arg(long)]
    allow_private_webhooks: bool,
    /// Longest a client may take to send a request's headers, and longest a kept-alive
    /// connection may wait idle for its next request, seconds.
    #[arg(long, default_value_t = 10)]
    header_read_timeout_secs: u64,
    /// Longest a client may take to send a request's body, seconds.
    #[arg(long, default_value_t = 120)]
    body_read_timeout_secs: u64,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// On a stop, how long requests in flight may take to finish before their connections are
    /// dropped, seconds.
    #[arg(long, default_value_t = 30)]
    shutdown_grace_secs: u64,
    /// The key that seals compiled artifacts (default: keys/artifact.key in the data folder;
    /// created on first start).
    #[arg(long)]
    artifact_key: Option<PathBuf>,
    /// A PEM file of certificate authorities trusted for HTTPS webhooks and the SMS gateway
    /// besides the public roots (repeat for several).
    #[arg(long = "delivery-ca")]
    delivery_ca: Vec<PathBuf>,
    /// The key of the audit trail's hashes (default: keys/audit.key in the data folder;
    /// created on first start). Keep a copy apart from the database's backups.
    #[arg(long)]
    audit_key: Option<PathBuf>,
    /// The keyring that seals personal data (default: keys/data.keys in the data folder;
    /// created on first start). Keep it on another volume, backed up apart from the database.
    #[arg(long)]
    data_key_file: Option<PathBuf>,
    /// The algorithm of the first data key: aes-256-gcm, or sm4-gcm where national
    /// cryptography is required. Later keys: `lianban keys rotate --algorithm`.
    #[arg(long, default_value = "aes-256-gcm")]
    data_key_algorithm: lianban::privacy::Algorithm,
    /// Days after archive before a case's personal values are anonymised (the archive record
    /// stays).
    #[arg(long, default_value_t = 3 * 365)]
    retain_personal_days: u32,
    /// Days a recorded rules input is kept for shadow replays.
    #[arg(long, default_value_t = 90)]
    retain_replay_input_days: u32,
    /// Days a delivered SMS or webhook stays in the sent log.
    #[arg(long, default_value_t = 180)]
    retain_sent_days: u32,
    #[command(flatten)]
    identity: cli::identity::IdentityArgs,
}

/// A share above 0 and at most 1 (`--yellow-share`).
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err(format!(
            "{text} is not a share above 0 and at most 1 (e.g. 0.8)"
        )),
    }
}

impl ServeArgs {
    fn config(&self) -> Config {
        let mut config = Config::new(&self.data);
        config.runtime.default_limits.memory_bytes = self.memory_mib << 20;
        config.runtime.default_limits.fuel = self.fuel;
        config.runtime.default_limits.timeout_ms = self.timeout_ms;
        config.replay_inputs = self.replay_inputs;
        config.require_replay_review = self.require_replay_review;
        config.yellow_share = self.yellow_share;
        config.runtime.compile_timeout = std::time::Duration::from_secs(self.compile_timeout_secs);
        config.runtime.max_elicense_lookups = self.max_elicense_lookups;
        config.max_pending_versions = self.max_pending_versions;
        config.allow_private_webhooks = self.allow_private_webhooks;
        config.file_quota_bytes_per_day = self.file_quota_mib_per_day << 20;
        config.trusted_proxies = self.trusted_proxies.clone();
        config.delivery_ca = self.delivery_ca.clone();
        config.http.header_read = std::time::Duration::from_secs(self.header_read_timeout_secs);
        config.http.body_read = std::time::Duration::from_secs(self.body_read_timeout_secs);
        config.http.max_connections = self.max_connections;
        config.http.shutdown_grace = std::time::Duration::from_secs(self.shutdown_grace_secs);
        if let Some(key) = &self.artifact_key {
            config.artifact_key = key.clone();
        }
        if let Some(key) = &self.audit_key {
            config.audit_key = key.clone();
        }
        if let Some(keys) = &self.data_key_file {
            config.data_keys = keys.clone();
        }
        config.data_key_algorithm = self.data_key_algorithm;
        config.retention.personal_days = self.retain_personal_days;
        config.retention.replay_input_days = self.retain_replay_input_days;
        config.retention.sent_message_days = self.retain_sent_days;
        config
    }
}

fn main() -> ExitCode {
    // Logs go to stderr: stdout carries what a command prints for a script to read (the token
    // of `token create`, the address `serve` listens on), and a log line there would corrupt it
    // (sled, for one, reports its recovery after a crash through the same subscriber).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,cranelift=warn,wasmtime=warn".into()),
        )
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lianban: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout, ignoring a closed pipe: `lianban plugin test … | head` must not panic
/// the way `println!` does when the reader goes away.
fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn plugin(command: PluginCommand) -> Result<(), String> {
    use lianban::devkit;
    let show = |v: serde_json::Value| {
        say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        ));
    };
    match command {
        PluginCommand::New {
            dir,
            matter,
            department,
            name,
            sdk,
        } => {
            let sdk = sdk.map_or(devkit::SdkSource::Embedded, devkit::SdkSource::Path);
            let scaffold = devkit::Scaffold {
                matter,
                department,
                name,
                sdk,
            };
            let vendored = dir.join(devkit::VENDOR_FOLDER);
            let written = scaffold.write(&dir).map_err(|e| e.to_string())?;
            for path in written.iter().filter(|p| !p.starts_with(&vendored)) {
                say(&format!("  {}\n", path.display()));
            }
            if written.iter().any(|p| p.starts_with(&vendored)) {
                say(&format!(
                    "  {}/（规则 SDK 与规则接口）\n",
                    vendored.display()
                ));
            }
            say(&format!(
                "下一步：cd {0} && cargo test && cargo build --release --target wasm32-wasip2，\n\
                 然后 lianban plugin test target/wasm32-wasip2/release/lianban_plugin_{1}.wasm --fixtures fixtures\n",
                dir.display(),
                scaffold.matter.replace('-', "_")
            ));
            Ok(())
        }
        PluginCommand::Test {
            component,
            fixtures,
        } => {
            let bytes =
                std::fs::read(&component).map_err(|e| format!("{}: {e}", component.display()))?;
            let run = devkit::test_component(&bytes, &fixtures).map_err(|e| e.to_string())?;
            say(&run.render());
            if run.passed() {
                Ok(())
            } else {
                Err("some fixtures did not give what they expect".into())
            }
        }
        PluginCommand::Push {
            component,
            host,
            token,
        } => {
            let token = token.read()?;
            let bytes =
                std::fs::read(&component).map_err(|e| format!("{}: {e}", component.display()))?;
            let version = runtime()?
                .block_on(devkit::push(&host, &token, bytes))
                .map_err(|e| e.to_string())?;
            show(version);
            Ok(())
        }
        PluginCommand::Replay {
            host,
            token,
            matter,
            sha256,
            limit,
            live_elicense,
        } => {
            let token = token.read()?;
            let report = runtime()?
                .block_on(devkit::replay(
                    &host,
                    &token,
                    &matter,
                    &sha256,
                    limit,
                    live_elicense,
                ))
                .map_err(|e| e.to_string())?;
            show(report);
            Ok(())
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Plugin { command } => plugin(command),
        Command::Keys {
            command: KeysCommand::Rotate(args),
        } => cli::keys::rotate(&args).map(|done| say(&done)),
        Command::Serve(args) => {
            let mut config = args.config();
            args.identity.apply(&mut config)?;
            let state = lianban::open(config, clock).map_err(|e| e.to_string())?;
            runtime()?
                .block_on(launch::serve_until_signalled(state, args.listen))
                .map_err(|e| e.to_string())
        }
        Command::Demo {
            serve,
            plugins,
            demo_people,
            history_weeks,
        } => {
            let mut config = serve.config();
            serve.identity.apply(&mut config)?;
            // The demo's clock is the system's, set back while it writes its history.
            let shifted = Arc::new(ShiftedClock::default());
            let state = lianban::open(config, shifted.clone()).map_err(|e| e.to_string())?;
            let mut report = launch::prepare_demo(&state, &plugins)?;
            report.history =
                launch::history::generate(&state, history_weeks, &|to| shifted.set(to))?;
            let people = demo_people
                .map(|file| launch::seed_demo_people(&state, &file))
                .transpose()?;
            cli::demo::print(
                &state,
                &serve.data,
                serve.listen,
                &plugins,
                &report,
                people.as_ref(),
            )?;
            runtime()?
                .block_on(launch::serve_until_signalled(state, serve.listen))
                .map_err(|e| e.to_string())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    data,
                    role,
                    name,
                    expires_in_days,
                },
        } => {
            let state =
                lianban::open(Config::new(&data), clock.clone()).map_err(|e| e.to_string())?;
            let issued = state
                .auth
                .issue(
                    lianban::auth::tokens::NewToken {
                        name,
                        role,
                        lifetime_days: expires_in_days,
                        created_by: "命令行".into(),
                    },
                    clock.now(),
                )
                .map_err(|e| e.to_string())?;
            println!("{}", issued.secret);
            Ok(())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's limits given on the command line are the ones it runs with.
    #[test]
    fn the_server_limits_flags_reach_the_config() {
        let cli = Cli::try_parse_from([
            "lianban",
            "serve",
            "--header-read-timeout-secs",
            "3",
            "--body-read-timeout-secs",
            "40",
            "--max-connections",
            "64",
            "--shutdown-grace-secs",
            "5",
        ]);
        let Ok(Cli {
            command: Command::Serve(args),
        }) = cli
        else {
            panic!("the flags do not parse");
        };
        let http = args.config().http;
        assert_eq!(http.header_read, std::time::Duration::from_secs(3));
        assert_eq!(http.body_read, std::time::Duration::from_secs(40));
        assert_eq!(http.max_connections, 64);
        assert_eq!(http.shutdown_grace, std::time::Duration::from_secs(5));
    }

    /// A client command takes its token from a file, trimmed; a token given as an argument is
    /// refused by the parser, so it never reaches `ps` or the shell's history.
    #[test]
    fn client_tokens_come_from_a_file_or_the_environment_never_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dept.token");
        std::fs::write(&file, "lb_secret\n").unwrap();
        let source = TokenSource {
            token_file: Some(file.clone()),
        };
        assert_eq!(source.read().unwrap(), "lb_secret");
        std::fs::write(&file, "  \n").unwrap();
        assert!(source.read().is_err());
        let missing = TokenSource {
            token_file: Some(dir.path().join("none")),
        };
        assert!(missing.read().is_err());
        let push = ["lianban", "plugin", "push", "x.wasm", "--host", "http://h"];
        let replay = [
            "lianban", "plugin", "replay", "--host", "http://h", "--matter", "m", "--sha256", "s",
        ];
        for args in [&push[..], &replay[..]] {
            assert!(Cli::try_parse_from(args).is_ok(), "{args:?}");
            let with_token = [args, &["--token", "lb_x"]].concat();
            assert!(Cli::try_parse_from(with_token).is_err(), "{args:?}");
        }
    }
}
