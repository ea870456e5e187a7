//! The guide (办事指南, 第八条) of a one-thing, generated from the catalog and from the
//! manifests of the rules that will judge the application — so what the applicant is told to
//! bring is exactly what the departments check, and a new rules version changes the guide.
//!
//! One model, three renderings: JSON (this module), a printable zh-CN page (`html`) and the
//! flow chart as SVG (`svg`).

mod html;
mod svg;

use std::collections::BTreeMap;

use serde::Serialize;

pub use html::page as html_page;
pub use svg::flow_chart as flow_svg;

use crate::catalog::{ApplyAt, Department, Dictionary, Level, MatterRef, OneThing, dag};
use crate::precheck::merge_manifests;
use crate::precheck::merged::{Conflict, MergedField, MergedMaterial};
use crate::registry::PluginVersion;

/// Working days the window and the departments have around each decision (第十四条、第十五条、
/// 第十七条): acceptance after distribution, and the result back to the window.
const ACCEPTANCE_DAYS: u32 = 1;
const RESULT_BACK_DAYS: u32 = 1;
/// An online application is confirmed by the window within this many working days (第十四条).
const ONLINE_INTAKE_DAYS: u32 = 1;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DepartmentRef {
    pub code: String,
    pub name: String,
}

/// A rules version the guide was generated from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RulesRef {
    pub matter: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MatterText {
    pub matter: String,
    pub name: String,
    pub lines: Vec<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GuideMaterial {
    #[serde(flatten)]
    pub material: MergedMaterial,
    /// Names of the matters that need it.
    pub needed_by: Vec<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MatterTime {
    pub matter: String,
    pub name: String,
    pub department: DepartmentRef,
    pub level: Level,
    /// `None` while the matter has no active rules.
    pub promised_days: Option<u32>,
    pub legal_days: Option<u32>,
    pub prerequisites: Vec<String>,
}

/// 办理时限, all in working days.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TimeLimits {
    pub matters: Vec<MatterTime>,
    /// The matters on the longest chain of promised times, first to last.
    pub critical_path: Vec<String>,
    /// Sum of promised times along that chain.
    pub critical_path_promised_days: u32,
    /// From intake at the window to the last result back at the window: along the critical
    /// path, each matter's acceptance and promised time, then the result's way back. An online
    /// application adds [`ONLINE_INTAKE_DAYS`]. `None` while some matter has no rules.
    pub whole_promised_days: Option<u32>,
    pub online_intake_days: u32,
    /// The same chain computed with legal instead of promised times.
    pub whole_legal_days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub title: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Intake,
    Matter,
    Delivery,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlowNode {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    pub department: Option<String>,
    pub promised_days: Option<u32>,
    /// Left to right; nodes in one column can run in parallel.
    pub column: usize,
    pub row: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Arrow {
    pub from: String,
    pub to: String,
}

/// 流程图: intake, the matters by their prerequisites, delivery.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Flow {
    pub nodes: Vec<FlowNode>,
    pub arrows: Vec<Arrow>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Guide {
    pub code: String,
    pub name: String,
    pub description: String,
    pub lead_department: DepartmentRef,
    /// Which rules versions this text comes from; it changes when they do.
    pub generated_from: Vec<RulesRef>,
    /// Matters without active rules: their part of the guide is incomplete.
    pub missing_rules: Vec<String>,
    /// 申请条件.
    pub conditions: Vec<String>,
    /// 申请方式.
    pub apply: ApplyAt,
    /// 收费标准.
    pub fees: String,
    /// 设定依据, per matter.
    pub basis: Vec<MatterText>,
    /// 申报材料: one set, each material once.
    pub materials: Vec<GuideMaterial>,
    /// 一表申请: the one form.
    pub form: Vec<MergedField>,
    /// 办理时限.
    pub time_limits: TimeLimits,
    /// 办理流程.
    pub process: Vec<Step>,
    /// 审查要点, per matter.
    pub review_points: Vec<MatterText>,
    pub flow: Flow,
    /// Differences between the matters' rules that the departments must settle.
    pub conflicts: Vec<Conflict>,
}

fn department(departments: &BTreeMap<String, Department>, code: &str) -> DepartmentRef {
    DepartmentRef {
        code: code.to_owned(),
        name: departments
            .get(code)
            .map_or_else(|| code.to_owned(), |d| d.name.clone()),
    }
}

/// Builds the guide of `one_thing` from the rules now active for its matters (`rules[i]`
/// belongs to `one_thing.matters[i]`, `None` where a matter has none).
pub fn build(
    one_thing: &OneThing,
    departments: &BTreeMap<String, Department>,
    rules: &[Option<&PluginVersion>],
    dictionary: &Dictionary,
) -> Guide {
    let matters = &one_thing.matters;
    let rules_of = |i: usize| rules.get(i).copied().flatten();
    let name_of: BTreeMap<&str, &str> = matters
        .iter()
        .map(|m| (m.code.as_str(), m.name.as_str()))
        .collect();

    let mut merged = merge_manifests(rules.iter().flatten().map(|v| &v.manifest));
    // The dictionary's wording wins: the one form shows one label per field everywhere.
    for f in &mut merged.fields {
        if let Some(d) = dictionary.fields.get(&f.key) {
            f.label.clone_from(&d.label);
        }
    }
    let materials = merged
        .materials
        .into_iter()
        .map(|mut m| {
            if let Some(d) = dictionary.materials.get(&m.code) {
                m.name.clone_from(&d.name);
            }
            let needed_by = m
                .matters
                .iter()
                .map(|c| name_of.get(c.as_str()).copied().unwrap_or(c).to_owned())
                .collect();
            GuideMaterial {
                material: m,
                needed_by,
            }
        })
        .collect();

    let per_matter = |pick: fn(&PluginVersion) -> Vec<String>| -> Vec<MatterText> {
        matters
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                rules_of(i).map(|v| MatterText {
                    matter: m.code.clone(),
                    name: m.name.clone(),
                    lines: pick(v),
                })
            })
            .collect()
    };

    Guide {
        code: one_thing.code.clone(),
        name: one_thing.name.clone(),
        description: one_thing.description.clone(),
        lead_department: department(departments, &one_thing.lead_department),
        generated_from: (0..matters.len())
            .filter_map(|i| {
                rules_of(i).map(|v| RulesRef {
                    matter: v.matter.clone(),
                    version: v.version.clone(),
                    sha256: v.sha256.clone(),
                })
            })
            .collect(),
        missing_rules: matters
            .iter()
            .enumerate()
            .filter(|(i, _)| rules_of(*i).is_none())
            .map(|(_, m)| m.code.clone())
            .collect(),
        conditions: one_thing.conditions.clone(),
        apply: one_thing.apply.clone(),
        fees: one_thing.fees.clone(),
        basis: per_matter(|v| v.manifest.basis.clone()),
        materials,
        form: merged.fields,
        time_limits: time_limits(matters, departments, &rules_of),
        process: process(one_thing),
        review_points: per_matter(|v| v.manifest.review_points.clone()),
        flow: flow(matters, departments, &rules_of),
        conflicts: merged.conflicts,
    }
}

fn time_limits<'a>(
    matters: &[MatterRef],
    departments: &BTreeMap<String, Department>,
    rules_of: &dyn Fn(usize) -> Option<&'a PluginVersion>,
) -> TimeLimits {
    let at: BTreeMap<&str, usize> = matters
        .iter()
        .enumerate()
        .map(|(i, m)| (m.code.as_str(), i))
        .collect();
    let at = &at;
    let days = |pick: fn(&PluginVersion) -> u32| {
        move |m: &MatterRef| {
            at.get(m.code.as_str())
                .and_then(|&i| rules_of(i))
                .map_or(0, pick)
        }
    };
    let promised = days(|v| v.manifest.promised_days);
    let legal = days(|v| v.manifest.legal_days);
    let complete = (0..matters.len()).all(|i| rules_of(i).is_some());

    let (path_days, path) = dag::critical_path(matters, promised);
    // Each matter on the chain is accepted, then decided; the last result goes back.
    let whole = |per: &dyn Fn(&MatterRef) -> u32| {
        let (total, _) = dag::critical_path(matters, |m| ACCEPTANCE_DAYS + per(m));
        total + RESULT_BACK_DAYS
    };
    TimeLimits {
        matters: matters
            .iter()
            .enumerate()
            .map(|(i, m)| MatterTime {
                matter: m.code.clone(),
                name: m.name.clone(),
                department: department(departments, &m.department),
                level: m.level,
                promised_days: rules_of(i).map(|v| v.manifest.promised_days),
                legal_days: rules_of(i).map(|v| v.manifest.legal_days),
                prerequisites: m.prerequisites.clone(),
            })
            .collect(),
        critical_path: path.iter().map(|&i| matters[i].code.clone()).collect(),
        critical_path_promised_days: path_days,
        whole_promised_days: complete.then(|| whole(&promised)),
        online_intake_days: ONLINE_INTAKE_DAYS,
        whole_legal_days: complete.then(|| whole(&legal)),
    }
}

/// 办理流程 as the procedure lays it down (第十四条–第十八条), with this one-thing's own
/// parallel and serial stages.
fn process(one_thing: &OneThing) -> Vec<Step> {
    let depths = dag::depths(&one_thing.matters);
    let stages = depths.iter().max().map_or(0, |d| d + 1);
    let mut decide = Vec::new();
    for stage in 0..stages {
        let names: Vec<&str> = one_thing
            .matters
            .iter()
            .zip(&depths)
            .filter(|(_, d)| **d == stage)
            .map(|(m, _)| m.name.as_str())
            .collect();
        let how = if names.len() > 1 {
            "并联办理"
        } else {
            "办理"
        };
        let when = if stage == 0 {
            "收件后".to_owned()
        } else {
            "前置事项办结、结果自动流转后".to_owned()
        };
        decide.push(format!("{when}{how}：{}", names.join("、")));
    }
    let online = if one_thing.apply.online.is_some() {
        "，或通过网上“一件事一次办”专栏在线提交"
    } else {
        ""
    };
    vec![
        Step {
            title: "申请".into(),
            detail: format!("申请人到“一件事一次办”综合窗口提交一张申请表和一套材料{online}。"),
        },
        Step {
            title: "收件".into(),
            detail: format!(
                "窗口人员进行形式审查：材料齐全、符合法定形式的，当场出具收件回执（网上申报的在{ONLINE_INTAKE_DAYS}个工作日内确认）；不齐全的，一次性告知需补齐补正的全部内容（第十四条）。"
            ),
        },
        Step {
            title: "受理".into(),
            detail: format!(
                "办事要件经联办平台分发至各联办部门，各部门在{ACCEPTANCE_DAYS}个工作日内作出受理或不予受理决定，并短信告知（第十五条）。"
            ),
        },
        Step {
            title: "审批".into(),
            detail: format!(
                "受理后开始计时，各部门在承诺时限内作出决定（第十六条）。{}。",
                decide.join("；")
            ),
        },
        Step {
            title: "送达".into(),
            detail: format!(
                "各部门在决定后{RESULT_BACK_DAYS}个工作日内将结果反馈窗口；申请人可选择统一领取、分别领取、邮寄送达或自助打印（第十七条）。"
            ),
        },
        Step {
            title: "归档".into(),
            detail: "申报材料原件由窗口统一留存，各部门使用电子材料审批（第十八条）。".into(),
        },
    ]
}

/// Nodes and arrows of the flow chart: intake in the first column, each matter one column
/// after its latest prerequisite, delivery last.
fn flow<'a>(
    matters: &[MatterRef],
    departments: &BTreeMap<String, Department>,
    rules_of: &dyn Fn(usize) -> Option<&'a PluginVersion>,
) -> Flow {
    const INTAKE: &str = "intake";
    const DELIVERY: &str = "delivery";
    let depths = dag::depths(matters);
    let last = depths.iter().max().map_or(1, |d| d + 2);
    let mut rows_used = vec![0usize; last + 1];
    let mut nodes = vec![FlowNode {
        id: INTAKE.into(),
        kind: NodeKind::Intake,
        label: "综合窗口统一收件".into(),
        department: None,
        promised_days: None,
        column: 0,
        row: 0,
    }];
    rows_used[0] = 1;
    let mut arrows = Vec::new();
    for (i, m) in matters.iter().enumerate() {
        let column = depths[i] + 1;
        nodes.push(FlowNode {
            id: m.code.clone(),
            kind: NodeKind::Matter,
            label: m.name.clone(),
            department: Some(department(departments, &m.department).name),
            promised_days: rules_of(i).map(|v| v.manifest.promised_days),
            column,
            row: rows_used[column],
        });
        rows_used[column] += 1;
        if m.prerequisites.is_empty() {
            arrows.push(Arrow {
                from: INTAKE.into(),
                to: m.code.clone(),
            });
        }
        for p in &m.prerequisites {
            arrows.push(Arrow {
                from: p.clone(),
                to: m.code.clone(),
            });
        }
    }
    // Matters no other matter waits for end the flow.
    for m in matters {
        if !matters.iter().any(|o| o.prerequisites.contains(&m.code)) {
            arrows.push(Arrow {
                from: m.code.clone(),
                to: DELIVERY.into(),
            });
        }
    }
    nodes.push(FlowNode {
        id: DELIVERY.into(),
        kind: NodeKind::Delivery,
        label: "窗口统一送达".into(),
        department: None,
        promised_days: None,
        column: last,
        row: 0,
    });
    Flow { nodes, arrows }
}

#[cfg(test)]
mod tests;
