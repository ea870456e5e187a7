//! The generated application form as it is posted back: `f.<field key>` for the form's fields,
//! `m.<material code>.<part>` for each material on the checklist, `delivery.<part>` for how the
//! results go back. The same names carry a case's stored values into the form again (a
//! correction), so the clerk never types twice what the platform already holds.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// One posted form, every name to its last value.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    values: BTreeMap<String, String>,
}

/// Parts of a material a clerk records besides having it.
const MATERIAL_PARTS: [&str; 4] = ["form", "pages", "issued_on", "valid_until"];

impl Entry {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Entry {
        Entry {
            values: pairs.into_iter().collect(),
        }
    }

    pub fn get(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// A scan stored for material `code`: listed with its files, and the material counts as
    /// handed in.
    pub fn add_scan(&mut self, code: &str, sha256: &str) {
        let files = self.values.entry(format!("m.{code}.files")).or_default();
        if !files.split(',').any(|f| f == sha256) {
            if !files.is_empty() {
                files.push(',');
            }
            files.push_str(sha256);
        }
        self.values
            .insert(format!("m.{code}.received"), "on".to_owned());
    }

    /// The values as the template reads them back into the inputs.
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    /// The form's fields that were filled in, by dictionary key.
    pub fn fields(&self) -> Map<String, Value> {
        self.values
            .iter()
            .filter_map(|(name, value)| {
                let key = name.strip_prefix("f.")?;
                let value = value.trim();
                (!value.is_empty()).then(|| (key.to_owned(), Value::from(value)))
            })
            .collect()
    }

    fn material_codes(&self) -> Vec<&str> {
        self.values
            .iter()
            .filter_map(|(name, value)| {
                let code = name.strip_prefix("m.")?.strip_suffix(".received")?;
                (value == "on").then_some(code)
            })
            .collect()
    }

    /// The materials ticked as received, for a pre-check (`MaterialInput`).
    pub fn materials(&self) -> Vec<Value> {
        self.material_codes()
            .into_iter()
            .map(|code| {
                let mut m = Map::new();
                m.insert("code".into(), Value::from(code));
                let form = self.get(&format!("m.{code}.form"));
                m.insert(
                    "form".into(),
                    Value::from(if form.is_empty() { "original" } else { form }),
                );
                let pages = self.get(&format!("m.{code}.pages")).trim();
                // A page count that is not a number goes to the API as it is, so that the
                // API's message, not a silent zero, tells the clerk.
                m.insert(
                    "pages".into(),
                    pages.parse::<u32>().map(Value::from).unwrap_or_else(|_| {
                        if pages.is_empty() {
                            Value::from(1)
                        } else {
                            Value::from(pages)
                        }
                    }),
                );
                for part in ["issued_on", "valid_until"] {
                    let v = self.get(&format!("m.{code}.{part}")).trim();
                    if !v.is_empty() {
                        m.insert(part.into(), Value::from(v));
                    }
                }
                Value::Object(m)
            })
            .collect()
    }

    /// The materials as a case keeps them (`CaseMaterial`): the window keeps a paper original.
    pub fn case_materials(&self) -> Vec<Value> {
        self.materials()
            .into_iter()
            .map(|mut m| {
                let kept = m["form"] == "original";
                m["original_kept_at_window"] = Value::Bool(kept);
                // Scans stored with the case come back from its page unchanged.
                let code = m["code"].as_str().unwrap_or_default().to_owned();
                let files: Vec<&str> = self
                    .get(&format!("m.{code}.files"))
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .collect();
                if !files.is_empty() {
                    m["files"] = json!(files);
                }
                m
            })
            .collect()
    }

    pub fn applicant(&self) -> Value {
        json!({
            "name": self.get("f.applicant.name").trim(),
            "id_number": self.get("f.applicant.id-number").trim(),
            "mobile": self.get("f.applicant.mobile").trim(),
        })
    }

    pub fn delivery(&self) -> Value {
        match self.get("delivery.mode") {
            "mail" => json!({
                "mode": "mail",
                "address": self.get("delivery.address").trim(),
                "recipient": self.get("delivery.recipient").trim(),
                "mobile": self.get("delivery.mobile").trim(),
            }),
            "" => json!({ "mode": "together" }),
            mode => json!({ "mode": mode }),
        }
    }

    /// A case's stored application in the form's names (a correction starts from it).
    pub fn from_case(case: &Value) -> Entry {
        let mut values = BTreeMap::new();
        if let Some(fields) = case["fields"].as_object() {
            for (key, value) in fields {
                values.insert(
                    format!("f.{key}"),
                    value.as_str().unwrap_or_default().to_owned(),
                );
            }
        }
        for m in case["materials"].as_array().into_iter().flatten() {
            let Some(code) = m["code"].as_str() else {
                continue;
            };
            values.insert(format!("m.{code}.received"), "on".to_owned());
            let files: Vec<&str> = m["files"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !files.is_empty() {
                values.insert(format!("m.{code}.files"), files.join(","));
            }
            for part in MATERIAL_PARTS {
                let v = match &m[part] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                values.insert(format!("m.{code}.{part}"), v);
            }
        }
        if let Some(mode) = case["delivery"]["mode"].as_str() {
            values.insert("delivery.mode".into(), mode.to_owned());
            for part in ["address", "recipient", "mobile"] {
                if let Some(v) = case["delivery"][part].as_str() {
                    values.insert(format!("delivery.{part}"), v.to_owned());
                }
            }
        }
        Entry { values }
    }
}

/// Messages to show next to the inputs they concern, by input name: from a pre-check's
/// notice (a field or a material) or from the API's refusal of a value.
pub fn errors_by_input(
    report: Option<&Value>,
    failure: Option<&super::Failure>,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in report
        .and_then(|r| r["notice"].as_array())
        .into_iter()
        .flatten()
    {
        let key = item["subject"]["key"].as_str().unwrap_or_default();
        let name = match item["subject"]["kind"].as_str() {
            Some("field") => format!("f.{key}"),
            Some("material") => format!("m.{key}"),
            _ => continue,
        };
        let mut text = item["message"].as_str().unwrap_or_default().to_owned();
        if let Some(remedy) = item["remedy"].as_str() {
            text = format!("{text}（{remedy}）");
        }
        out.entry(name).or_default().push(text);
    }
    if let Some(f) = failure
        && let Some(name) = failed_input(&f.details)
    {
        out.entry(name).or_default().push(f.message.clone());
    }
    out
}

/// The input an API refusal names, when it names one: a field key, a material code, or a
/// JSON path into the request such as `applicant.id_number`.
fn failed_input(details: &Value) -> Option<String> {
    if let Some(key) = details["field"].as_str() {
        return Some(format!("f.{key}"));
    }
    if let Some(code) = details["material"].as_str() {
        return Some(format!("m.{code}"));
    }
    let path = details["path"].as_str()?;
    let name = match path {
        "applicant.name" => "f.applicant.name",
        "applicant.id_number" => "f.applicant.id-number",
        "applicant.mobile" => "f.applicant.mobile",
        p if p.starts_with("delivery.") => return Some(p.to_owned()),
        _ => return None,
    };
    Some(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pairs: &[(&str, &str)]) -> Entry {
        Entry::from_pairs(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn a_posted_form_becomes_an_application() {
        let e = entry(&[
            ("f.child.name", " 王小雨 "),
            ("f.child.sex", ""),
            ("m.birth-record.received", "on"),
            ("m.birth-record.form", "original"),
            ("m.birth-record.pages", "2"),
            ("m.birth-record.issued_on", "2026-11-22"),
            ("m.vaccination-record.form", "copy"),
            ("delivery.mode", "self_print"),
        ]);
        assert_eq!(
            e.fields(),
            json!({ "child.name": "王小雨" })
                .as_object()
                .cloned()
                .unwrap()
        );
        assert_eq!(
            e.case_materials(),
            vec![
                json!({ "code": "birth-record", "form": "original", "pages": 2,
                "issued_on": "2026-11-22", "original_kept_at_window": true })
            ]
        );
        assert_eq!(e.delivery(), json!({ "mode": "self_print" }));
    }

    #[test]
    fn a_case_comes_back_into_the_same_names() {
        let case = json!({
            "fields": { "child.name": "王小雨" },
            "materials": [{ "code": "birth-record", "form": "copy", "pages": 1, "issued_on": null, "files": ["ab12", "cd34"] }],
            "delivery": { "mode": "mail", "address": "向阳路 18 号", "recipient": "李芳", "mobile": "13812345678" }
        });
        let e = Entry::from_case(&case);
        assert_eq!(e.get("f.child.name"), "王小雨");
        assert_eq!(e.get("m.birth-record.received"), "on");
        assert_eq!(e.get("m.birth-record.form"), "copy");
        assert_eq!(e.get("m.birth-record.issued_on"), "");
        assert_eq!(e.delivery()["address"], "向阳路 18 号");
        // The stored scans go back with the corrected application.
        assert_eq!(e.case_materials()[0]["files"], json!(["ab12", "cd34"]));
    }

    #[test]
    fn a_scan_joins_its_material_once() {
        let mut e = entry(&[("m.birth-record.files", "ab12")]);
        e.add_scan("birth-record", "cd34");
        e.add_scan("birth-record", "cd34");
        e.add_scan("id-card", "ef56");
        assert_eq!(e.get("m.birth-record.files"), "ab12,cd34");
        assert_eq!(e.get("m.id-card.received"), "on");
        assert_eq!(e.case_materials()[1]["files"], json!(["ef56"]));
    }

    #[test]
    fn notices_land_next_to_their_inputs() {
        let report = json!({ "notice": [
            { "subject": { "kind": "field", "key": "child.name" }, "message": "缺少新生儿姓名", "remedy": null },
            { "subject": { "kind": "material", "key": "birth-record" }, "message": "缺少出生信息登记表", "remedy": "请到助产机构开具" },
            { "subject": { "kind": "application" }, "message": "整体问题" }
        ]});
        let errors = errors_by_input(Some(&report), None);
        assert_eq!(errors["f.child.name"], vec!["缺少新生儿姓名"]);
        assert_eq!(
            errors["m.birth-record"],
            vec!["缺少出生信息登记表（请到助产机构开具）"]
        );
        assert_eq!(errors.len(), 2);
    }
}
