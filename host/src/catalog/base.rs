//! The provincial base catalog of matters (河南省政务服务事项基本目录): every matter of a
//! one-thing references one entry, so the district's list stays of the same source (同源,
//! 第九条) as the province's.
//!
//! The province publishes the whole catalog; an import replaces it and reports what changed,
//! and which one-things reference an entry that changed or disappeared. The import is never
//! refused for that — the province decides its catalog — but the lead departments concerned
//! see the report and must adjust their one-things (动态调整, 第九条).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Level, OneThing};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BaseEntry {
    /// 事项编码 in the base catalog.
    pub code: String,
    pub name: String,
    /// The department code that handles it here.
    pub department: String,
    pub level: Level,
    /// 法定时限, working days.
    pub legal_days: u32,
    /// 设定依据.
    pub basis: String,
}

/// What one field of an entry was and became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntryChange {
    pub code: String,
    pub changes: Vec<String>,
}

/// A one-thing that references an entry which changed or was removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Affected {
    pub one_thing: String,
    /// `published` or `draft`.
    pub stage: String,
    pub matter: String,
    pub base_code: String,
    /// What happened to the entry, in zh-CN.
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub imported_at: String,
    pub imported_by: String,
    pub entries: usize,
    pub added: Vec<String>,
    pub changed: Vec<EntryChange>,
    pub removed: Vec<String>,
    pub affected: Vec<Affected>,
}

fn parse_level(s: &str) -> Option<Level> {
    Some(match s.trim() {
        "province" | "省级" => Level::Province,
        "city" | "市级" => Level::City,
        "county" | "县级" | "区级" => Level::County,
        "township" | "乡级" | "乡镇级" | "街道" => Level::Township,
        _ => return None,
    })
}

/// Reads the catalog from CSV with the header `code,name,department,level,legal_days,basis`.
/// Levels may be written in English (`county`) or Chinese (`县级`). Every problem is reported
/// with its line, so the file can be fixed in one go.
pub fn parse_csv(text: &str) -> Result<Vec<BaseEntry>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let expected = ["code", "name", "department", "level", "legal_days", "basis"];
    match reader.headers() {
        Ok(h) if h.iter().eq(expected.iter().copied()) => {}
        _ => {
            return Err(vec![format!("第 1 行应为表头：{}", expected.join(","))]);
        }
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("第 {line} 行无法读取：{e}"));
                continue;
            }
        };
        let field = |k: usize| record.get(k).unwrap_or("").to_owned();
        let code = field(0);
        if code.is_empty() || field(1).is_empty() || field(2).is_empty() {
            problems.push(format!("第 {line} 行缺少事项编码、名称或部门"));
            continue;
        }
        let Some(level) = parse_level(&field(3)) else {
            problems.push(format!("第 {line} 行办理层级“{}”无法识别", field(3)));
            continue;
        };
        let Ok(legal_days) = field(4).parse::<u32>() else {
            problems.push(format!("第 {line} 行法定时限“{}”应为工作日数", field(4)));
            continue;
        };
        entries.push(BaseEntry {
            code,
            name: field(1),
            department: field(2),
            level,
            legal_days,
            basis: field(5),
        });
    }
    let mut seen = BTreeMap::new();
    for e in &entries {
        if seen.insert(e.code.as_str(), ()).is_some() {
            problems.push(format!("事项编码 {} 重复", e.code));
        }
    }
    if entries.is_empty() && problems.is_empty() {
        problems.push("文件中没有任何事项".into());
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

fn changes(old: &BaseEntry, new: &BaseEntry) -> Vec<String> {
    let mut out = Vec::new();
    if old.name != new.name {
        out.push(format!("名称：{} → {}", old.name, new.name));
    }
    if old.department != new.department {
        out.push(format!("部门：{} → {}", old.department, new.department));
    }
    if old.level != new.level {
        out.push(format!("层级：{:?} → {:?}", old.level, new.level));
    }
    if old.legal_days != new.legal_days {
        out.push(format!(
            "法定时限：{} → {} 个工作日",
            old.legal_days, new.legal_days
        ));
    }
    if old.basis != new.basis {
        out.push(format!("设定依据：{} → {}", old.basis, new.basis));
    }
    out
}

/// Compares a new catalog with the stored one and finds the one-things it affects.
/// `one_things` pairs each one-thing with its stage (`published` or `draft`).
pub fn compare(
    old: &BTreeMap<String, BaseEntry>,
    new: &[BaseEntry],
    one_things: &[(&str, &OneThing)],
) -> (Vec<String>, Vec<EntryChange>, Vec<String>, Vec<Affected>) {
    let new_map: BTreeMap<&str, &BaseEntry> = new.iter().map(|e| (e.code.as_str(), e)).collect();
    let added = new
        .iter()
        .filter(|e| !old.contains_key(&e.code))
        .map(|e| e.code.clone())
        .collect();
    let changed: Vec<EntryChange> = new
        .iter()
        .filter_map(|e| {
            let before = old.get(&e.code)?;
            let changes = changes(before, e);
            (!changes.is_empty()).then(|| EntryChange {
                code: e.code.clone(),
                changes,
            })
        })
        .collect();
    let removed: Vec<String> = old
        .keys()
        .filter(|c| !new_map.contains_key(c.as_str()))
        .cloned()
        .collect();
    let mut affected = Vec::new();
    for (stage, ot) in one_things {
        for m in &ot.matters {
            let what = if removed.contains(&m.base) {
                "已从基本目录中删除".to_owned()
            } else if let Some(c) = changed.iter().find(|c| c.code == m.base) {
                c.changes.join("；")
            } else {
                continue;
            };
            affected.push(Affected {
                one_thing: ot.code.clone(),
                stage: (*stage).to_owned(),
                matter: m.code.clone(),
                base_code: m.base.clone(),
                what,
            });
        }
    }
    (added, changed, removed, affected)
}

/// Whether each matter of `one_thing` agrees with its base entry: it exists, and department
/// and level are the base catalog's. One line per problem, in zh-CN.
pub fn check(one_thing: &OneThing, base: &BTreeMap<String, BaseEntry>) -> Vec<String> {
    let mut out = Vec::new();
    for m in &one_thing.matters {
        match base.get(&m.base) {
            None => out.push(format!(
                "事项 {} 引用的基本目录编码“{}”不存在",
                m.code, m.base
            )),
            Some(e) => {
                if e.department != m.department {
                    out.push(format!(
                        "事项 {} 的部门应与基本目录一致（{}）",
                        m.code, e.department
                    ));
                }
                if e.level != m.level {
                    out.push(format!(
                        "事项 {} 的办理层级应与基本目录一致（{:?}）",
                        m.code, e.level
                    ));
                }
            }
        }
    }
    out
}

/// The demo base catalog of 红旗区 (codes are demonstration codes, not the province's).
pub const DEMO_CSV: &str = include_str!("../../data/base-catalog-demo.csv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_parses() {
        let entries = parse_csv(DEMO_CSV).unwrap();
        assert_eq!(entries.len(), 22);
        assert_eq!(entries[2].code, "HQ-GA-001");
        assert_eq!(entries[2].legal_days, 10);
    }

    #[test]
    fn bad_lines_are_named() {
        let text = "code,name,department,level,legal_days,basis\nA,甲,d,县级,5,x\nB,乙,d,银河级,5,x\nC,丙,d,county,五,x\nA,甲,d,county,1,x\n";
        let problems = parse_csv(text).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("第 3 行"));
        assert!(problems[1].contains("第 4 行"));
        assert!(problems[2].contains("重复"));
        assert!(parse_csv("a,b\n1,2\n").unwrap_err()[0].contains("表头"));
    }
}
