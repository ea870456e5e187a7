//! Example bodies for the OpenAPI document: what a real client sends, so that a client
//! generator, a reader, or the contract test (schemathesis) starts from a request the platform
//! would take — the newborn application from the plugins' own fixtures, the official calendar.

use serde_json::{Value, json};

/// 新生儿出生一件事, complete, as the window sends it.
const NEWBORN: &str = include_str!("../../../plugins/fixtures/newborn-window-complete.json");

fn newborn() -> Value {
    serde_json::from_str(NEWBORN).unwrap_or(Value::Null)
}

pub(super) fn precheck() -> Value {
    newborn()
}

pub(super) fn intake() -> Value {
    let app = newborn();
    json!({
        "one_thing": "newborn",
        "channel": "window",
        "applicant": { "name": "李芳", "id_number": "410702199205050027", "mobile": "13812345678" },
        "fields": app["fields"],
        "materials": app["materials"],
        "delivery": { "mode": "together" },
    })
}

pub(super) fn calendar_year() -> Value {
    serde_json::from_str(include_str!("../../data/holiday-cn/2026.json")).unwrap_or(Value::Null)
}

pub(super) fn certificate() -> Value {
    json!({
        "kind": "结婚证",
        "number": "J410702-2019-000123",
        "holder": "410702199205050027",
        "issuer": "新乡市红旗区民政局",
        "issued_on": "2019-05-20",
        "valid_until": null,
        "attributes": [{ "key": "spouse.id-number", "value": "410702199001010015" }],
    })
}

pub(super) fn proposal() -> Value {
    json!({
        "kind": "new_one_thing",
        "title": "子女入学一件事",
        "need": "孩子上小学要分别去教育、公安、住建部门开证明，希望一次办好。",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples are what the handlers take: each parses as its request type.
    #[test]
    fn every_example_is_a_request_the_api_takes() {
        let take = |v: Value| -> Value {
            assert!(!v.is_null(), "an example failed to load");
            v
        };
        serde_json::from_value::<crate::precheck::PrecheckRequest>(take(precheck())).unwrap();
        serde_json::from_value::<crate::workflow::service::IntakeRequest>(take(intake())).unwrap();
        serde_json::from_value::<crate::calendar::YearFile>(take(calendar_year())).unwrap();
        serde_json::from_value::<lianban_sdk::Certificate>(take(certificate())).unwrap();
        serde_json::from_value::<crate::consultation::NewProposal>(take(proposal())).unwrap();
    }
}
