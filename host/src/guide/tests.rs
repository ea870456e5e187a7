//! The guide from hand-made manifests: materials merged, times along the critical path, the
//! flow chart's nodes and arrows, and both renderings.

use lianban_sdk::dictionary::{field, material};
use lianban_sdk::{Manifest, Requirement};

use super::*;
use crate::catalog::demo::demo_one_things;
use crate::runtime::Limits;

fn version(matter: &str, promised: u32, legal: u32, materials: &[&str]) -> PluginVersion {
    PluginVersion {
        matter: matter.into(),
        department: String::new(),
        version: "1.0.0".into(),
        sha256: format!("{matter:0<64}"),
        api: "0.1.0".into(),
        size: 0,
        uploaded_by: String::new(),
        uploaded_at: String::new(),
        limits: Limits::default(),
        manifest: Manifest {
            matter: matter.into(),
            name: matter.into(),
            department: String::new(),
            version: "1.0.0".into(),
            legal_days: legal,
            promised_days: promised,
            fields: vec![field("applicant.name", Requirement::Always)],
            materials: materials
                .iter()
                .map(|m| material(m, Requirement::Always))
                .collect(),
            review_points: vec![format!("{matter} 的要点")],
            basis: vec![format!("{matter} 的依据")],
        },
        capabilities: Vec::new(),
    }
}

fn newborn() -> OneThing {
    demo_one_things()
        .into_iter()
        .find(|o| o.code == "newborn")
        .unwrap()
}

#[test]
fn newborn_guide_merges_materials_and_follows_the_longest_chain() {
    let ot = newborn();
    // 出生医学证明(5) → 出生登记(1) → 医保(3) is longer than → 接种证(2) or → 社保卡(10)? No:
    // 社保卡 follows 出生登记 too, and 10 > 3, so the chain ends there.
    let versions = [
        version("birth-medical-certificate", 5, 20, &["mother-id-card"]),
        version("vaccination-certificate", 2, 5, &["mother-id-card"]),
        version(
            "birth-registration",
            1,
            10,
            &["mother-id-card", "household-register"],
        ),
        version("resident-medical-insurance", 3, 10, &[]),
        version("social-security-card", 10, 20, &["photo"]),
    ];
    let rules: Vec<Option<&PluginVersion>> = versions.iter().map(Some).collect();
    let g = build(&ot, &BTreeMap::new(), &rules, &Dictionary::builtin());

    let codes: Vec<&str> = g
        .materials
        .iter()
        .map(|m| m.material.code.as_str())
        .collect();
    assert_eq!(codes, ["mother-id-card", "household-register", "photo"]);
    assert_eq!(g.materials[0].needed_by.len(), 3);
    assert_eq!(g.form.len(), 1, "one field, asked once");

    let t = &g.time_limits;
    assert_eq!(
        t.critical_path,
        [
            "birth-medical-certificate",
            "birth-registration",
            "social-security-card"
        ]
    );
    assert_eq!(t.critical_path_promised_days, 16);
    // Three matters on the chain, each accepted within a day, plus the result's way back.
    assert_eq!(t.whole_promised_days, Some(16 + 3 + 1));
    assert_eq!(t.whole_legal_days, Some(20 + 10 + 20 + 3 + 1));
    assert_eq!(g.generated_from.len(), 5);
    assert!(g.missing_rules.is_empty());

    // Intake, five matters, delivery; an arrow per prerequisite plus intake and delivery ones.
    assert_eq!(g.flow.nodes.len(), 7);
    let arrow = |f: &str, t: &str| Arrow {
        from: f.into(),
        to: t.into(),
    };
    assert!(
        g.flow
            .arrows
            .contains(&arrow("intake", "birth-medical-certificate"))
    );
    assert!(
        g.flow
            .arrows
            .contains(&arrow("birth-registration", "social-security-card"))
    );
    assert!(
        g.flow
            .arrows
            .contains(&arrow("vaccination-certificate", "delivery"))
    );
    assert_eq!(g.flow.arrows.len(), 1 + 4 + 3);
    let column = |id: &str| g.flow.nodes.iter().find(|n| n.id == id).unwrap().column;
    assert_eq!(
        column("vaccination-certificate"),
        column("birth-registration")
    );
    assert_eq!(
        column("resident-medical-insurance"),
        column("social-security-card")
    );
    assert!(column("birth-registration") > column("birth-medical-certificate"));

    let svg = flow_svg(&g.name, &g.flow);
    assert_eq!(svg.matches("class=\"node\"").count(), 7);
    assert_eq!(svg.matches("class=\"arrow\"").count(), 8);
    let html = html_page(&g, &svg);
    for section in [
        "申请条件",
        "申请方式",
        "设定依据",
        "申报材料",
        "办理时限",
        "办理流程",
        "审查要点",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("不超过 20 个工作日"));
}

#[test]
fn a_matter_without_rules_leaves_the_whole_time_open() {
    let ot = newborn();
    let v = version("birth-medical-certificate", 5, 20, &[]);
    let rules = [Some(&v), None, None, None, None];
    let g = build(&ot, &BTreeMap::new(), &rules, &Dictionary::builtin());
    assert_eq!(g.missing_rules.len(), 4);
    assert_eq!(g.time_limits.whole_promised_days, None);
    assert!(html_page(&g, "").contains("暂无法计算"));
}
