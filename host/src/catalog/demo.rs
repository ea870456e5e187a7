//! The demo catalog of 红旗区 (新乡市): the departments and the first two one-things.

use super::{Department, Level, MatterRef, OneThing};
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
    ("data-bureau", "红旗区政务服务和大数据管理局"),
];

fn matter(code: &str, name: &str, department: &str, prerequisites: &[&str]) -> MatterRef {
    MatterRef {
        code: code.to_owned(),
        name: name.to_owned(),
        department: department.to_owned(),
        level: Level::County,
        prerequisites: prerequisites.iter().map(|p| (*p).to_owned()).collect(),
    }
}

pub fn demo_one_things() -> Vec<OneThing> {
    vec![
        OneThing {
            code: "newborn".into(),
            name: "新生儿出生一件事".into(),
            lead_department: "health".into(),
            description: "新生儿出生后，一次申请办理出生医学证明、预防接种证、出生登记（落户）、城乡居民医保参保登记和社会保障卡申领。".into(),
            matters: vec![
                matter("birth-medical-certificate", "出生医学证明签发", "health", &[]),
                matter("vaccination-certificate", "预防接种证办理", "cdc", &["birth-medical-certificate"]),
                matter("birth-registration", "出生登记", "public-security", &["birth-medical-certificate"]),
                matter(
                    "resident-medical-insurance",
                    "城乡居民基本医疗保险参保登记",
                    "medical-insurance",
                    &["birth-registration"],
                ),
                matter("social-security-card", "社会保障卡申领", "hrss", &["birth-registration"]),
            ],
        },
        OneThing {
            code: "business-startup".into(),
            name: "企业开办一件事".into(),
            lead_department: "market-regulation".into(),
            description: "新开办企业一次申请办理设立登记、公章刻制备案、发票申领及税务信息确认、单位社会保险登记和住房公积金单位缴存登记。".into(),
            matters: vec![
                matter("company-registration", "企业设立登记", "market-regulation", &[]),
                matter("seal-engraving-filing", "公章刻制备案", "public-security", &["company-registration"]),
                matter("tax-invoice-setup", "发票申领及税务信息确认", "tax", &["company-registration"]),
                matter(
                    "employer-social-insurance",
                    "单位社会保险登记",
                    "hrss",
                    &["company-registration"],
                ),
                matter(
                    "housing-fund-employer",
                    "住房公积金单位缴存登记",
                    "housing-fund",
                    &["company-registration"],
                ),
            ],
        },
    ]
}

/// Writes the demo departments and one-things into an empty catalog; a catalog that already
/// has one-things is left alone, so restarting the demo keeps what administrators changed.
pub fn seed_demo(store: &dyn CatalogStore) -> StoreResult<bool> {
    if !store.one_things()?.is_empty() {
        return Ok(false);
    }
    for (code, name) in DEPARTMENTS {
        store.put_department(&Department {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
        })?;
    }
    for ot in demo_one_things() {
        store.put_one_thing(&ot)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_one_things_are_valid() {
        for ot in demo_one_things() {
            assert_eq!(ot.validate(), Ok(()), "{}", ot.code);
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
