//! The service hall the console's browser tests work in: a host with the newborn rules and its
//! people, signed in through the real identity provider — the window's clerk, an administrator,
//! one handler per newborn department (`h.<code>`), and the mother as a citizen.

use serde_json::{Map, Value, json};

use crate::identity::{IdentityProvider, host_with_provider};
use crate::{APPLICANT_ID, NEWBORN, TestHost, department_of, fixture};

pub const CLERK: &str = "wang.min";
pub const APPLICANT: &str = "li.fang";

/// The window's clerk, an administrator, one handler for each newborn department (`h.<code>`),
/// and the mother as a citizen.
pub async fn hall() -> (TestHost, IdentityProvider) {
    let mut staff: Vec<(String, String, Vec<String>)> = vec![
        (CLERK.into(), "王敏".into(), vec!["clerk".into()]),
        ("chen.jing".into(), "陈静".into(), vec!["admin".into()]),
    ];
    for m in NEWBORN {
        let d = department_of(m);
        staff.push((
            format!("h.{d}"),
            format!("{d}审批"),
            vec![format!("department:{d}")],
        ));
    }
    let mut people = json!({ "staff": {}, "citizens": {
        APPLICANT: { "name": "李芳", "id_number": APPLICANT_ID } } });
    for (login, name, _) in &staff {
        people["staff"][login] = json!({ "name": name });
    }
    let roles: Vec<Vec<&str>> = staff
        .iter()
        .map(|(_, _, r)| r.iter().map(String::as_str).collect())
        .collect();
    let directory: Vec<(&str, &str, &[&str])> = staff
        .iter()
        .zip(&roles)
        .map(|((l, n, _), r)| (l.as_str(), n.as_str(), r.as_slice()))
        .collect();
    let (host, provider) = host_with_provider(&people, &directory, |_, _| {}).await;
    host.install_plugins(NEWBORN).await;
    (host, provider)
}

/// The newborn fixture in the form's names: every field, and every material but the
/// vaccination record (which the pre-check then asks for).
pub fn newborn_form() -> Value {
    let app = fixture("newborn-window-complete");
    let mut values = Map::new();
    for (key, value) in app["fields"].as_object().unwrap() {
        values.insert(format!("f.{key}"), value.clone());
    }
    for m in app["materials"].as_array().unwrap() {
        let code = m["code"].as_str().unwrap();
        if code == "vaccination-record" {
            continue;
        }
        values.insert(format!("m.{code}.received"), json!("on"));
        values.insert(format!("m.{code}.form"), m["form"].clone());
        values.insert(format!("m.{code}.pages"), json!(m["pages"].to_string()));
        for part in ["issued_on", "valid_until"] {
            if let Some(v) = m[part].as_str() {
                values.insert(format!("m.{code}.{part}"), json!(v));
            }
        }
    }
    Value::Object(values)
}

pub async fn case_status(host: &TestHost, id: &str) -> Value {
    host.get_ok(&format!("/api/v1/cases/{id}"), &host.tokens.admin)
        .await
}
