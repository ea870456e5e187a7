//! The demo catalog of 红旗区 (新乡市): its departments, the base catalog entries of its
//! matters (demonstration codes, not the province's), and five one-things in two batches.

use lianban_sdk::Date;

use super::base::BaseEntry;
use super::publication::{Batch, PublishedVersion};
use super::{ApplyAt, Department, Level, MatterRef, OneThing};
use crate::store::{CatalogStore, StoreResult};

const DEPARTMENTS: &[(&str, &str)] = &[
    ("health", "红旗区卫生健康委员会"),
    ("cdc", "红旗区疾病预防控制中心"),
    ("public-security", "新乡市公安局红旗分局"),
    ("medical-insurance", "红旗区医疗保障局"),
    ("hrss", "红旗区人力资源和社会保障局"),
    ("market-regulation", "红旗区市场监督管理局"),
    ("tax", "国家税务总局新乡市红旗区税务局"),
    ("housing-fund", "新乡市住房公积金管理中心红旗区管理部"),
    ("civil-affairs", "红旗区民政局"),
    ("urban-management", "红旗区城市管理局"),
    ("fire-rescue", "红旗区消防救援大队"),
    ("data-bureau", "红旗区政务服务和大数据管理局"),
];

/// A matter of the demo catalog, named, owned and levelled as its base catalog entry says.
fn matter(code: &str, base: &str, prerequisites: &[&str]) -> MatterRef {
    static BASE: std::sync::OnceLock<Vec<BaseEntry>> = std::sync::OnceLock::new();
    let entry = BASE
        .get_or_init(demo_base)
        .iter()
        .find(|e| e.code == base)
        .cloned()
        .unwrap_or_else(|| BaseEntry {
            code: base.to_owned(),
            name: code.to_owned(),
            department: String::new(),
            level: Level::County,
            legal_days: 0,
            basis: String::new(),
        });
    MatterRef {
        code: code.to_owned(),
        base: base.to_owned(),
        name: entry.name,
        department: entry.department,
        level: entry.level,
        prerequisites: prerequisites.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// The demo base catalog; the file is part of the build and tested to parse.
pub fn demo_base() -> Vec<BaseEntry> {
    super::base::parse_csv(super::base::DEMO_CSV).unwrap_or_default()
}

/// The 一件事一次办 window of the district service hall (第十条) and the provincial portal.
fn hall() -> ApplyAt {
    ApplyAt {
        window: "红旗区政务服务中心一楼“一件事一次办”综合窗口".into(),
        address: "河南省新乡市红旗区政务服务中心（演示数据）".into(),
        hours: "周一至周五 9:00—12:00，13:00—17:00（法定节假日除外，调休上班日照常办公）".into(),
        phone: "0373-12345（演示数据）".into(),
        online: Some("河南政务服务网 · 红旗区 · “一件事一次办”专区".into()),
    }
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

pub fn demo_one_things() -> Vec<OneThing> {
    vec![
        OneThing {
            code: "newborn".into(),
            name: "新生儿出生一件事".into(),
            lead_department: "health".into(),
            description: "新生儿出生后，一次申请办理出生医学证明、预防接种证、出生登记（落户）、城乡居民医保参保登记和社会保障卡申领。".into(),
            matters: vec![
                matter("birth-medical-certificate", "HQ-WJ-001", &[]),
                matter("vaccination-certificate", "HQ-JK-001", &["birth-medical-certificate"]),
                matter("birth-registration", "HQ-GA-001", &["birth-medical-certificate"]),
                matter("resident-medical-insurance", "HQ-YB-001", &["birth-registration"]),
                matter("social-security-card", "HQ-RS-001", &["birth-registration"]),
            ],
            conditions: lines(&[
                "新生儿在本区助产机构出生，或父母一方户籍在本区",
                "由新生儿父母（监护人）申请；委托他人代办的，须出具授权委托书",
            ]),
            apply: hall(),
            fees: "不收费".into(),
            version: 0,
        },
        OneThing {
            code: "business-startup".into(),
            name: "企业开办一件事".into(),
            lead_department: "market-regulation".into(),
            description: "新开办企业一次申请办理设立登记、公章刻制备案、发票申领及税务信息确认、单位社会保险登记和住房公积金单位缴存登记。".into(),
            matters: vec![
                matter("company-registration", "HQ-SJ-001", &[]),
                matter("seal-engraving-filing", "HQ-GA-002", &["company-registration"]),
                matter("tax-invoice-setup", "HQ-SW-001", &["company-registration"]),
                matter("employer-social-insurance", "HQ-RS-002", &["company-registration"]),
                matter("housing-fund-employer", "HQ-GJJ-001", &["company-registration"]),
            ],
            conditions: lines(&[
                "在本区申请设立的有限责任公司、个人独资企业、合伙企业及其分支机构",
                "企业名称已自主申报，住所（经营场所）在本区",
                "由法定代表人（负责人）或其委托的代理人申请",
            ]),
            apply: hall(),
            fees: "不收费；首套税务 UKey 和公章刻制费用由财政承担（按本区现行政策）".into(),
            version: 0,
        },
        OneThing {
            code: "restaurant".into(),
            name: "开办餐饮店一件事".into(),
            lead_department: "market-regulation".into(),
            description: "开办餐饮店一次申请办理营业执照、食品经营许可、户外招牌设置和营业前消防安全检查；营业执照办结后，其余三项并联办理。".into(),
            matters: vec![
                matter("company-registration", "HQ-SJ-001", &[]),
                matter("food-business-license", "HQ-SJ-002", &["company-registration"]),
                matter("outdoor-signboard", "HQ-CG-001", &["company-registration"]),
                matter("fire-safety-inspection", "HQ-XF-001", &["company-registration"]),
            ],
            conditions: lines(&[
                "在本区开办提供堂食的餐饮服务经营场所",
                "经营场所已取得合法使用权，且未被列为禁止经营餐饮的区域",
                "由法定代表人（负责人）或其委托的代理人申请",
            ]),
            apply: hall(),
            fees: "不收费".into(),
            version: 0,
        },
        OneThing {
            code: "retirement".into(),
            name: "退休一件事".into(),
            lead_department: "hrss".into(),
            description: "企业职工退休时一次申请办理基本养老保险待遇核定、职工医保退休人员待遇核定和住房公积金封存提取。".into(),
            matters: vec![
                matter("pension-benefit-approval", "HQ-RS-003", &[]),
                matter(
                    "employee-medical-retirement",
                    "HQ-YB-002",
                    &["pension-benefit-approval"],
                ),
                matter("housing-fund-retirement", "HQ-GJJ-002", &["pension-benefit-approval"]),
            ],
            conditions: lines(&[
                "在本区参加职工基本养老保险，达到法定退休年龄",
                "由本人或所在单位申请；委托他人代办的，须出具授权委托书",
            ]),
            apply: hall(),
            fees: "不收费".into(),
            version: 0,
        },
        OneThing {
            code: "bereavement".into(),
            name: "身后一件事".into(),
            lead_department: "civil-affairs".into(),
            description: "亲人离世后，一次申请办理死亡医学证明、火化证明、户口注销、养老保险待遇停发与丧葬补助、医保个人账户继承和住房公积金提取。".into(),
            matters: vec![
                matter("death-medical-certificate", "HQ-WJ-002", &[]),
                matter("cremation-certificate", "HQ-MZ-001", &["death-medical-certificate"]),
                matter("household-cancellation", "HQ-GA-003", &["death-medical-certificate"]),
                matter("survivor-benefits", "HQ-RS-004", &["household-cancellation"]),
                matter(
                    "medical-account-inheritance",
                    "HQ-YB-003",
                    &["household-cancellation"],
                ),
                matter(
                    "housing-fund-inheritance",
                    "HQ-GJJ-003",
                    &["household-cancellation"],
                ),
            ],
            conditions: lines(&[
                "逝者户籍在本区，或在本区死亡",
                "由逝者的近亲属申请；委托他人代办的，须出具授权委托书",
            ]),
            apply: hall(),
            fees: "不收费".into(),
            version: 0,
        },
    ]
}

/// Writes the demo departments and one-things into an empty catalog; a catalog that already
/// has one-things is left alone, so restarting the demo keeps what administrators changed.
pub fn seed_demo(store: &dyn CatalogStore) -> StoreResult<bool> {
    if !store.all_versions()?.is_empty() || !store.batches()?.is_empty() {
        return Ok(false);
    }
    if store.base_catalog()?.is_empty() {
        let entries = demo_base();
        let report = super::base::ImportReport {
            imported_at: String::new(),
            imported_by: "演示数据".into(),
            entries: entries.len(),
            added: entries.iter().map(|e| e.code.clone()).collect(),
            changed: Vec::new(),
            removed: Vec::new(),
            affected: Vec::new(),
        };
        store.replace_base_catalog(&entries, &report)?;
    }
    for (code, name) in DEPARTMENTS {
        store.put_department(&Department {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
        })?;
    }
    // Two batches, as the district published them (成熟一批、公布一批、实施一批, 第六条).
    let all = demo_one_things();
    for (code, name, published, effective, members) in DEMO_BATCHES {
        let versions: Vec<PublishedVersion> = all
            .iter()
            .filter(|o| members.contains(&o.code.as_str()))
            .map(|o| {
                let mut definition = o.clone();
                definition.version = 1;
                PublishedVersion {
                    one_thing: o.code.clone(),
                    version: 1,
                    definition,
                    batch: (*code).to_owned(),
                    published_on: *published,
                    effective_on: *effective,
                    filing: None,
                }
            })
            .collect();
        let batch = Batch::publishing(
            (*code).to_owned(),
            (*name).to_owned(),
            (*published, *effective),
            ("演示数据", ""),
            &versions,
        );
        store.publish(&batch, &versions)?;
    }
    Ok(true)
}

const fn day(year: u16, month: u8, day: u8) -> Date {
    Date { year, month, day }
}

/// Code, name, publication date, implementation date and members of each demo batch.
type DemoBatch = (
    &'static str,
    &'static str,
    Date,
    Date,
    &'static [&'static str],
);

const DEMO_BATCHES: &[DemoBatch] = &[
    (
        "2026-01",
        "红旗区“一件事一次办”事项清单（第一批）",
        day(2026, 3, 2),
        day(2026, 4, 1),
        &["newborn", "retirement", "bereavement"],
    ),
    (
        "2026-02",
        "红旗区“一件事一次办”事项清单（第二批）",
        day(2026, 8, 3),
        day(2026, 9, 1),
        &["business-startup", "restaurant"],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_one_things_are_valid() {
        let base = demo_base()
            .into_iter()
            .map(|e| (e.code.clone(), e))
            .collect();
        for ot in demo_one_things() {
            assert_eq!(ot.validate(), Ok(()), "{}", ot.code);
            assert_eq!(super::super::base::check(&ot, &base), Vec::<String>::new());
            for m in &ot.matters {
                assert!(
                    DEPARTMENTS.iter().any(|(d, _)| *d == m.department),
                    "{}",
                    m.code
                );
            }
        }
    }
}
