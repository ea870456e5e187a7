//! Rules versions per matter (第十九条: the bureau keeps the rules in service): a department
//! uploads a version of its own matter; the bureau reads its manifest and what changed against
//! the version in service, replays it on recent inputs, marks the report read, grants what it
//! asks for, activates it (now or on a day) and rolls back.

use axum::Form;
use axum::extract::{Path, Query, State};

use super::posted::Posted;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};

use super::api::segment;
use super::render::{page, page_with};
use super::{Api, Done, Failure, Me, Visitor, problem, signed_in_as};

/// Every matter of every one-thing, with its rules in service; a department sees its own.
pub async fn list(State(api): State<Api>, visitor: Visitor) -> Response {
    let me = match rules_people(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let one_things = match api.get(&me.visitor, "/one-things").await {
        Ok(Value::Array(list)) => list,
        Ok(_) => Vec::new(),
        Err(f) => return problem(Some(&me), &f),
    };
    let mut groups = Vec::new();
    for ot in one_things {
        let code = segment(ot["code"].as_str().unwrap_or_default());
        let full = match api.get(&me.visitor, &format!("/one-things/{code}")).await {
            Ok(v) => v,
            Err(f) => return problem(Some(&me), &f),
        };
        let matters: Vec<Value> = full["matters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| me.department().is_none_or(|d| m["department"] == d))
            .cloned()
            .collect();
        if !matters.is_empty() {
            groups.push(json!({ "name": full["name"], "matters": matters }));
        }
    }
    page(
        "rules.html",
        context! { me => me.session, groups => groups },
    )
}

/// The bureau and the departments; the window has no business here.
async fn rules_people(api: &Api, visitor: Visitor) -> Result<Me, Response> {
    let may = |me: &Me| me.role() == "admin" || me.department().is_some();
    signed_in_as(api, visitor, may, "政务服务管理机构和部门").await
}

pub async fn matter(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let me = match rules_people(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    matter_page(&api, &me, &code, None, &done.done).await
}

async fn matter_page(
    api: &Api,
    me: &Me,
    code: &str,
    failure: Option<Failure>,
    done: &str,
) -> Response {
    let at = format!("/matters/{}", segment(code));
    let versions = match api.get(&me.visitor, &format!("{at}/versions")).await {
        Ok(Value::Array(v)) => v,
        Ok(_) => Vec::new(),
        Err(f) => return problem(Some(me), &f),
    };
    // No version in service yet is an answer, not a failure.
    let active = api.get(&me.visitor, &format!("{at}/active")).await.ok();
    let active_sha = active
        .as_ref()
        .and_then(|a| a["sha256"].as_str())
        .unwrap_or_default()
        .to_owned();
    let active_manifest = versions
        .iter()
        .find(|v| v["sha256"] == active_sha.as_str())
        .map(|v| v["manifest"].clone());
    let mut shown = Vec::new();
    for v in &versions {
        let sha = v["sha256"].as_str().unwrap_or_default();
        let replay = if me.role() == "admin" {
            api.get(
                &me.visitor,
                &format!("{at}/versions/{}/replay", segment(sha)),
            )
            .await
            .ok()
        } else {
            None
        };
        let changes = active_manifest
            .as_ref()
            .filter(|_| sha != active_sha)
            .map(|m| manifest_changes(m, &v["manifest"]));
        shown.push(json!({ "version": v, "replay": replay, "changes": changes, "active": sha == active_sha }));
    }
    let activations = api
        .get(&me.visitor, &format!("{at}/activations"))
        .await
        .unwrap_or(Value::Null);
    let schedules = api
        .get(&me.visitor, &format!("{at}/schedules"))
        .await
        .unwrap_or(Value::Null);
    let grant = api
        .get(&me.visitor, &format!("{at}/capabilities"))
        .await
        .unwrap_or(Value::Null);
    let status = failure
        .as_ref()
        .map_or(axum::http::StatusCode::OK, Failure::status);
    page_with(
        status,
        "matter.html",
        context! {
            me => me.session, code => code, versions => shown, active => active,
            activations => activations, schedules => schedules, grant => grant,
            failure => failure, done => done,
        },
    )
}

/// What a version's manifest changes against the one in service, in words.
pub fn manifest_changes(before: &Value, after: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (key, word) in [("legal_days", "法定时限"), ("promised_days", "承诺时限")] {
        if before[key] != after[key] {
            out.push(format!("{word}：{} → {} 个工作日", before[key], after[key]));
        }
    }
    for (list, id, word) in [("fields", "key", "表单项"), ("materials", "code", "材料")] {
        let items = |m: &Value| -> Vec<Value> { m[list].as_array().cloned().unwrap_or_default() };
        let (old, new) = (items(before), items(after));
        let name = |v: &Value| {
            v["label"]
                .as_str()
                .or(v["name"].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        for n in &new {
            match old.iter().find(|o| o[id] == n[id]) {
                None => out.push(format!("新增{word}：{}", name(n))),
                Some(o) if o != n => out.push(format!("修改{word}：{}", name(n))),
                Some(_) => {}
            }
        }
        for o in &old {
            if !new.iter().any(|n| n[id] == o[id]) {
                out.push(format!("删除{word}：{}", name(o)));
            }
        }
    }
    if before["review_points"] != after["review_points"] {
        out.push("审查要点有变化".to_owned());
    }
    if before["basis"] != after["basis"] {
        out.push("设定依据有变化".to_owned());
    }
    out
}

#[derive(Deserialize)]
pub struct Command {
    csrf: String,
    action: String,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    capabilities: Vec<String>,
}

/// The bureau's commands on a matter's rules.
pub async fn command(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let me = match rules_people(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let form = match parse_command(pairs) {
        Some(form) => form,
        None => return matter_page(&api, &me, &code, None, "").await,
    };
    let writer = me.writing(&form.csrf);
    let at = format!("/matters/{}", segment(&code));
    let version = format!("{at}/versions/{}", segment(&form.sha256));
    let reason = if form.reason.trim().is_empty() {
        Value::Null
    } else {
        Value::from(form.reason.trim())
    };
    let result = match form.action.as_str() {
        "replay" => {
            api.post(&writer, &format!("{version}/replay"), &Value::Null)
                .await
        }
        "review" => {
            api.post(&writer, &format!("{version}/replay/review"), &Value::Null)
                .await
        }
        "activate" => {
            api.put(
                &writer,
                &format!("{at}/active"),
                &json!({ "sha256": form.sha256, "reason": reason }),
            )
            .await
        }
        "schedule" => {
            api.post(
                &writer,
                &format!("{at}/schedules"),
                &json!({ "sha256": form.sha256, "on": form.on, "reason": reason }),
            )
            .await
        }
        "rollback" => {
            api.post(&writer, &format!("{at}/rollback"), &Value::Null)
                .await
        }
        "grant" => {
            api.put(
                &writer,
                &format!("{at}/capabilities"),
                &json!({ "capabilities": form.capabilities, "reason": reason }),
            )
            .await
        }
        _ => Err(Failure::new(400, "unknown_action", "不认识的操作")),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/console/rules/{}?done={}",
            segment(&code),
            segment(&form.action)
        ))
        .into_response(),
        Err(f) => matter_page(&api, &me, &code, Some(f), "").await,
    }
}

/// The form's pairs, with every ticked capability kept (a struct would keep only one).
fn parse_command(pairs: Vec<(String, String)>) -> Option<Command> {
    let mut capabilities = Vec::new();
    let mut rest = serde_json::Map::new();
    for (k, v) in pairs {
        if k == "capabilities" {
            capabilities.push(v);
        } else {
            rest.insert(k, Value::from(v));
        }
    }
    let mut form: Command = serde_json::from_value(Value::Object(rest)).ok()?;
    form.capabilities = capabilities;
    Some(form)
}

/// A department uploads a component for its own matter (`multipart/form-data`: `csrf`, `file`).
pub async fn upload(
    State(api): State<Api>,
    visitor: Visitor,
    Path(code): Path<String>,
    posted: Result<Posted, Failure>,
) -> Response {
    let me = match rules_people(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let mut posted = match posted {
        Ok(posted) => posted,
        Err(f) => return matter_page(&api, &me, &code, Some(f), "").await,
    };
    let csrf = posted.get("csrf").to_owned();
    let Some(bytes) = posted.take_file("file") else {
        let failure = Failure::new(400, "no_file", "请选择要上传的规则组件（.wasm 文件）");
        return matter_page(&api, &me, &code, Some(failure), "").await;
    };
    let at = format!("/matters/{}/versions", segment(&code));
    match api
        .post_bytes(&me.writing(&csrf), &at, bytes, "application/wasm")
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/console/rules/{}?done=upload", segment(&code))).into_response()
        }
        Err(f) => matter_page(&api, &me, &code, Some(f), "").await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_version_is_told_against_the_one_in_service() {
        let before = json!({ "legal_days": 10, "promised_days": 1,
            "fields": [{ "key": "child.name", "label": "新生儿姓名", "kind": "text" },
                       { "key": "child.sex", "label": "新生儿性别", "kind": "choice" }],
            "materials": [{ "code": "birth-record", "name": "出生信息登记表" }],
            "review_points": ["a"], "basis": ["b"] });
        let after = json!({ "legal_days": 10, "promised_days": 0,
            "fields": [{ "key": "child.name", "label": "新生儿姓名", "kind": "date" },
                       { "key": "child.nationality", "label": "国籍", "kind": "text" }],
            "materials": [{ "code": "birth-record", "name": "出生信息登记表" }],
            "review_points": ["a"], "basis": ["b"] });
        assert_eq!(
            manifest_changes(&before, &after),
            vec![
                "承诺时限：1 → 0 个工作日",
                "修改表单项：新生儿姓名",
                "新增表单项：国籍",
                "删除表单项：新生儿性别",
            ]
        );
        assert!(manifest_changes(&before, &before).is_empty());
    }
}
