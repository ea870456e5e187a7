//! What the `lianban` commands do, apart from parsing their arguments.

pub mod history;

use std::net::SocketAddr;
use std::path::Path;

use crate::app::AppState;
use crate::auth::Role;
use crate::auth::tokens::{DEFAULT_LIFETIME_DAYS, NewToken};
use crate::catalog::seed_demo;
use crate::store::ElicenseStore;

/// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
pub async fn serve_until_signalled(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tracing::info!(addr = %bound, "lianban listening");
    // A plain line on stdout for scripts and tests that start the binary on port 0.
    println!("lianban: listening on http://{bound}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    crate::serve(listener, state, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// File name of a matter's component as `cargo build --target wasm32-wasip2` names the demo
/// plugin crates (`plugins/<matter>` → `lianban_plugin_<matter>.wasm`).
pub fn plugin_file_name(matter: &str) -> String {
    format!("lianban_plugin_{}.wasm", matter.replace('-', "_"))
}

#[derive(Debug, Default)]
pub struct DemoReport {
    pub seeded_catalog: bool,
    pub activated: Vec<String>,
    pub missing: Vec<String>,
    pub tokens: Vec<(Role, String)>,
    /// What the generated history left (nothing on a demo that already has cases).
    pub history: history::History,
}

/// Seeds the demo catalog, uploads and activates every demo plugin found in `plugin_dir` as
/// its department would, and issues one token per role.
pub fn prepare_demo(state: &AppState, plugin_dir: &Path) -> Result<DemoReport, String> {
    let mut report = DemoReport {
        seeded_catalog: seed_demo(state.store.as_ref()).map_err(|e| e.to_string())?,
        ..DemoReport::default()
    };
    let now = state.clock.stamp();
    let today = state.clock.today();
    for c in crate::elicense::demo_certificates() {
        state.store.put_certificate(&c).map_err(|e| e.to_string())?;
    }
    let one_things = state
        .catalog
        .latest_published()
        .map_err(|e| e.to_string())?;
    let mut departments = Vec::new();
    for ot in &one_things {
        for m in &ot.matters {
            if !departments.contains(&m.department) {
                departments.push(m.department.clone());
            }
            if state.registry.active(&m.code).is_some() {
                continue;
            }
            let path = plugin_dir.join(plugin_file_name(&m.code));
            let Ok(bytes) = std::fs::read(&path) else {
                report.missing.push(m.code.clone());
                continue;
            };
            let uploaded = state
                .registry
                .upload(&m.code, &m.department, &bytes, "demo", &now, today)
                .map_err(|e| format!("{}: {e}", m.code))?;
            // The demo administrator grants what the demo rules declare (the e-license
            // lookups of the 0.2.0 plugins); on a real platform that is a separate decision.
            let wanted = &uploaded.version.capabilities;
            if !wanted.is_empty() {
                let mut granted = state.registry.granted(&m.code);
                granted.extend(wanted.iter().copied());
                state
                    .registry
                    .grant(
                        &m.code,
                        granted,
                        "demo",
                        &now,
                        Some("演示目录：按组件声明授权".into()),
                    )
                    .map_err(|e| format!("{}: {e}", m.code))?;
            }
            state
                .registry
                .activate(
                    &m.code,
                    &uploaded.version.sha256,
                    "demo",
                    &now,
                    Some("demo".into()),
                )
                .map_err(|e| format!("{}: {e}", m.code))?;
            report.activated.push(m.code.clone());
        }
    }
    let mut roles = vec![(Role::Admin, "演示管理员"), (Role::Clerk, "演示窗口人员")];
    roles.extend(
        departments
            .iter()
            .map(|d| (Role::Department(d.clone()), "演示部门")),
    );
    for (role, name) in roles {
        let issued = state
            .auth
            .issue(
                NewToken {
                    name: name.into(),
                    role: role.clone(),
                    lifetime_days: DEFAULT_LIFETIME_DAYS,
                    created_by: "演示".into(),
                },
                state.clock.now(),
            )
            .map_err(|e| e.to_string())?;
        report.tokens.push((role, issued.secret));
    }
    Ok(report)
}

/// The people of the demo's identity provider (`tests/oidc/demo-people.json`), as the demo
/// prints them and puts the staff among them into the directory.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DemoPeople {
    pub staff: std::collections::BTreeMap<String, DemoPerson>,
    #[serde(default)]
    pub citizens: std::collections::BTreeMap<String, DemoPerson>,
}

#[derive(Debug, serde::Deserialize)]
pub struct DemoPerson {
    pub name: String,
    #[serde(default)]
    pub roles: Vec<Role>,
}

/// Reads the demo's people and puts its staff into the directory, each under their login
/// (the demo provider's `sub`).
pub fn seed_demo_people(state: &AppState, file: &Path) -> Result<DemoPeople, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let people: DemoPeople =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    for (login, person) in &people.staff {
        state
            .identity
            .put_staff(&crate::identity::model::StaffMember {
                subject: login.clone(),
                name: person.name.clone(),
                roles: person.roles.clone(),
                updated_at: state.clock.now(),
                updated_by: "演示".into(),
            })
            .map_err(|e| e.to_string())?;
    }
    Ok(people)
}
