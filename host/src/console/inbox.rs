//! A department's inbox (第二十二条): its items with their clocks, the most urgent first.

use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use serde_json::Value;

use super::api::segment;
use super::render::page;
use super::{Api, Visitor, problem, signed_in};

#[derive(Deserialize)]
pub struct Filter {
    #[serde(default)]
    status: String,
}

pub async fn show(
    State(api): State<Api>,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
    let me = match signed_in(&api, visitor).await {
        Ok(me) => me,
        Err(to) => return to,
    };
    let Some(department) = me.department().map(str::to_owned) else {
        return me.refused("部门审批人员");
    };
    let mut path = format!("/departments/{}/items", segment(&department));
    if !filter.status.is_empty() {
        path.push_str(&format!("?status={}", segment(&filter.status)));
    }
    let mut items = match api.get(&me.visitor, &path).await {
        Ok(Value::Array(items)) => items,
        Ok(_) => Vec::new(),
        Err(f) => return problem(Some(&me), &f),
    };
    // Overdue first, then by the nearest due date; items without a running clock last.
    items.sort_by_key(|item| {
        let clocks = item["clocks"].as_array().cloned().unwrap_or_default();
        let overdue = clocks.iter().any(|c| c["state"] == "overdue");
        let due = clocks
            .iter()
            .filter_map(|c| c["due"].as_str().map(str::to_owned))
            .min()
            .unwrap_or_else(|| "9999-12-31".to_owned());
        (!overdue, due)
    });
    page(
        "inbox.html",
        context! { me => me.session, department => department, items => items, status => filter.status },
    )
}
