//! Electronic certificates (电子证照) for rules that may look them up (rules API 0.2.0).
//!
//! Rules see certificates through [`ElicenseSource`]. The platform's own source is its store,
//! filled by administrators (and with demo data by `lianban demo`); a provincial e-license
//! service would be another implementation of the same trait, behind the same capability
//! check and the same counting.

use std::collections::BTreeMap;
use std::sync::Arc;

use lianban_sdk::{Certificate, ElicenseError};

use crate::store::ElicenseStore;

/// Where certificates come from. Called from inside a rules call, so an implementation that
/// goes over the network must bound its own wait well below the rules' time budget and answer
/// `Unavailable` rather than block.
pub trait ElicenseSource: Send + Sync {
    /// The certificates of `kind` issued to `holder`, newest first.
    fn lookup(&self, kind: &str, holder: &str) -> Result<Vec<Certificate>, ElicenseError>;
}

/// Holder ids are 公民身份号码 or 统一社会信用代码: 18 characters of digits and capital letters
/// (an id number's check character `X` included). Anything else is refused before the store is
/// asked, so a rule cannot scan it with partial keys.
pub fn check_request(kind: &str, holder: &str) -> Result<(), ElicenseError> {
    if kind.is_empty() || kind.chars().count() > 32 {
        return Err(ElicenseError::InvalidRequest(
            "证照类型不能为空，且不超过 32 个字".into(),
        ));
    }
    if holder.len() != 18
        || !holder
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return Err(ElicenseError::InvalidRequest(
            "持证主体应为 18 位公民身份号码或统一社会信用代码（字母大写）".into(),
        ));
    }
    Ok(())
}

/// Certificates from the platform's store.
pub struct StoredCertificates(pub Arc<dyn ElicenseStore>);

impl ElicenseSource for StoredCertificates {
    fn lookup(&self, kind: &str, holder: &str) -> Result<Vec<Certificate>, ElicenseError> {
        check_request(kind, holder)?;
        let mut found = self.0.certificates(kind, holder).map_err(|e| {
            tracing::error!(error = %e, "e-license store unreadable");
            ElicenseError::Unavailable("电子证照库读取失败".into())
        })?;
        Certificate::newest_first(&mut found);
        Ok(found)
    }
}

/// A fixed set of certificates in memory: the developer kit's fixtures, and the empty source an
/// upload's smoke call gets (so that a rule that looks up certificates unconditionally can be
/// smoke-tested before anyone has granted it anything, without reading real data).
#[derive(Default)]
pub struct InMemory(BTreeMap<(String, String), Vec<Certificate>>);

impl InMemory {
    pub fn new(certificates: impl IntoIterator<Item = Certificate>) -> InMemory {
        let mut map: BTreeMap<(String, String), Vec<Certificate>> = BTreeMap::new();
        for c in certificates {
            map.entry((c.kind.clone(), c.holder.clone()))
                .or_default()
                .push(c);
        }
        for found in map.values_mut() {
            Certificate::newest_first(found);
        }
        InMemory(map)
    }
}

impl ElicenseSource for InMemory {
    fn lookup(&self, kind: &str, holder: &str) -> Result<Vec<Certificate>, ElicenseError> {
        check_request(kind, holder)?;
        Ok(self
            .0
            .get(&(kind.to_owned(), holder.to_owned()))
            .cloned()
            .unwrap_or_default())
    }
}

/// The demo platform's certificates: the family of the newborn fixtures (both parents'
/// identity cards, their marriage certificate), the legal representative of the business
/// fixture, and an enterprise registered before, whose seal filing can be tried on its own. Invented people; the id numbers only pass the check digit.
pub fn demo_certificates() -> Vec<Certificate> {
    use lianban_sdk::{Date, Field};
    let cert = |kind: &str,
                number: &str,
                holder: &str,
                issuer: &str,
                issued_on: Date,
                valid_until: Option<Date>,
                attributes: &[(&str, &str)]| Certificate {
        kind: kind.into(),
        number: number.into(),
        holder: holder.into(),
        issuer: issuer.into(),
        issued_on: Some(issued_on),
        valid_until,
        attributes: attributes
            .iter()
            .map(|(k, v)| Field {
                key: (*k).into(),
                value: (*v).into(),
            })
            .collect(),
    };
    let mother = "410702199205050027";
    let father = "410702199001010015";
    vec![
        cert(
            "居民身份证",
            mother,
            mother,
            "新乡市公安局红旗分局",
            Date::ymd(2019, 6, 1),
            Some(Date::ymd(2039, 6, 1)),
            &[("holder.name", "李芳")],
        ),
        cert(
            "居民身份证",
            father,
            father,
            "新乡市公安局红旗分局",
            Date::ymd(2017, 3, 15),
            Some(Date::ymd(2037, 3, 15)),
            &[("holder.name", "王强")],
        ),
        cert(
            "结婚证",
            "J410702-2021-000318",
            mother,
            "新乡市红旗区民政局",
            Date::ymd(2021, 5, 20),
            None,
            &[("holder.id-number", mother), ("spouse.id-number", father)],
        ),
        cert(
            "结婚证",
            "J410702-2021-000319",
            father,
            "新乡市红旗区民政局",
            Date::ymd(2021, 5, 20),
            None,
            &[("holder.id-number", father), ("spouse.id-number", mother)],
        ),
        cert(
            "居民身份证",
            "410721198808081230",
            "410721198808081230",
            "新乡市公安局",
            Date::ymd(2020, 3, 1),
            Some(Date::ymd(2040, 3, 1)),
            &[("holder.name", "赵敏")],
        ),
        cert(
            "营业执照",
            "410702000201908",
            "91410702MA47Q8R2XY",
            "新乡市红旗区市场监督管理局",
            Date::ymd(2025, 9, 8),
            None,
            &[("company.name", "新乡市红旗区禾丰农业科技有限公司")],
        ),
    ]
}
