//! What the demo prints when it starts.

use std::net::SocketAddr;
use std::path::Path;

use lianban::AppState;
use lianban::launch::{DemoPeople, DemoReport};

/// The demo's opening lines: what was set up, who to sign in as (with the demo identity
/// provider) or the tokens (without one), and where to look.
pub fn print(
    state: &AppState,
    data: &Path,
    listen: SocketAddr,
    plugins: &Path,
    report: &DemoReport,
    people: Option<&DemoPeople>,
) -> Result<(), String> {
    println!("红旗区“一件事一次办”演示平台");
    if report.seeded_catalog {
        println!("  已写入演示事项清单（两批，五件事）和基本目录");
    }
    if !report.activated.is_empty() {
        println!("  已上传并启用规则：{}", report.activated.join("、"));
    }
    let h = &report.history;
    if h.cases > 0 {
        println!(
            "  已生成最近几周的演示办件 {} 件（已送达 {} 件，评价 {} 条），可在“管理 › 统计通报”查看",
            h.cases, h.delivered, h.ratings
        );
    }
    if !report.missing.is_empty() {
        println!(
            "  未找到以下事项的规则组件（目录 {}）：{}",
            plugins.display(),
            report.missing.join("、")
        );
    }
    match people {
        Some(people) => {
            println!("  工作台（浏览器打开，用下列演示人员登录）：http://{listen}/console/");
            println!(
                "  工作人员登录（演示身份提供方，密码任意）：http://{listen}/api/v1/auth/staff/login"
            );
            for (login, person) in &people.staff {
                let roles: Vec<String> = person.roles.iter().map(ToString::to_string).collect();
                println!("    {login:<12} {:<6} {}", person.name, roles.join("、"));
            }
            if !people.citizens.is_empty() {
                println!("  群众登录：http://{listen}/api/v1/auth/citizens/login");
                for (login, person) in &people.citizens {
                    println!("    {login:<12} {}", person.name);
                }
            }
            println!("  登录后查看身份：http://{listen}/api/v1/session");
            // Scripts still need machine tokens; they go to a file only the owner reads.
            let file = data.join("demo-tokens.txt");
            let lines: String = report
                .tokens
                .iter()
                .map(|(role, token)| format!("{role} {token}\n"))
                .collect();
            write_private(&file, &lines)?;
            println!("  脚本用的机器令牌：{}", file.display());
        }
        None => {
            println!("  访问令牌（Authorization: Bearer <令牌>）：");
            for (role, token) in &report.tokens {
                println!("    {role:<32} {token}");
            }
        }
    }
    println!("  接口：http://{listen}/api/v1  文档：http://{listen}/api/v1/openapi.json");
    for ot in state.catalog.one_things().map_err(|e| e.to_string())? {
        println!(
            "  办事指南：{:<16} http://{listen}/api/v1/one-things/{}/guide.html",
            ot.name, ot.code
        );
    }
    Ok(())
}

fn write_private(file: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options
        .open(file)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", file.display()))
}
