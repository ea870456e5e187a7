//! Sanity of a manifest against the catalog and against itself, at upload.

use std::collections::BTreeSet;

use lianban_sdk::{FieldKind, Manifest};

use crate::catalog::MatterRef;
use crate::keys::is_key;

/// Everything wrong with a manifest, in zh-CN, one line each.
pub fn problems(manifest: &Manifest, matter: &MatterRef) -> Vec<String> {
    let mut out = Vec::new();
    if manifest.department != matter.department {
        out.push(format!(
            "清单中事项 {} 属于部门 {}，插件声明的部门是 {}",
            matter.code, matter.department, manifest.department
        ));
    }
    if !is_version(&manifest.version) {
        out.push(format!(
            "版本号“{}”应为 主.次.修订 格式，如 1.0.0",
            manifest.version
        ));
    }
    if manifest.name.trim().is_empty() {
        out.push("事项名称为空".into());
    }
    if manifest.promised_days > manifest.legal_days {
        out.push(format!(
            "承诺时限 {} 个工作日超过法定时限 {} 个工作日",
            manifest.promised_days, manifest.legal_days
        ));
    }
    if manifest.legal_days > 365 {
        out.push(format!("法定时限 {} 个工作日不合理", manifest.legal_days));
    }
    if manifest.basis.iter().all(|b| b.trim().is_empty()) {
        out.push("未写明设定依据".into());
    }
    let mut keys = BTreeSet::new();
    for f in &manifest.fields {
        if !is_key(&f.key) {
            out.push(format!(
                "字段键“{}”不合规：应为小写字母、数字、点和连字符",
                f.key
            ));
        }
        if !keys.insert(f.key.as_str()) {
            out.push(format!("字段“{}”重复声明", f.key));
        }
        if f.label.trim().is_empty() {
            out.push(format!("字段“{}”缺少名称", f.key));
        }
        if f.kind == FieldKind::Choice && f.choices.is_empty() {
            out.push(format!("选择型字段“{}”没有可选值", f.key));
        }
    }
    let mut codes = BTreeSet::new();
    for m in &manifest.materials {
        if !is_key(&m.code) {
            out.push(format!(
                "材料编码“{}”不合规：应为小写字母、数字、点和连字符",
                m.code
            ));
        }
        if !codes.insert(m.code.as_str()) {
            out.push(format!("材料“{}”重复声明", m.code));
        }
        if m.name.trim().is_empty() {
            out.push(format!("材料“{}”缺少名称", m.code));
        }
    }
    out
}

fn is_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_keys() {
        assert!(is_version("1.0.0"));
        assert!(is_version("10.20.300"));
        assert!(!is_version("1.0"));
        assert!(!is_version("v1.0.0"));
        assert!(!is_version("1.0.0-beta"));
    }
}
