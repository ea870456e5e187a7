//! Electronic certificates (电子证照) and the capabilities that reach them — new in
//! `lianban:rules@0.2.0` (see `wit/v0.2.0`).
//!
//! A 0.2.0 rule may look up the applicant's certificates through [`Host::elicense`]
//! (crate::Host::elicense) and report materials the applicant need not hand in
//! ([`Rules::exemptions`](crate::Rules::exemptions)). It must declare
//! [`Capability::Elicense`] in [`Rules::capabilities`](crate::Rules::capabilities); the host
//! runs it only once an administrator has granted that for the matter.

use crate::findings::codes;
use crate::{Application, Date, Field, Finding, Host, RuleError, Rules, Subject};

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// A host import beyond the calendar and the log; denied unless declared and granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Capability {
    /// Looking up the applicant's electronic certificates.
    Elicense,
}

impl Capability {
    pub const ALL: &'static [Capability] = &[Capability::Elicense];

    /// The name administrators grant, as in the API and the WIT.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Elicense => "elicense",
        }
    }

    pub fn parse(name: &str) -> Option<Capability> {
        Capability::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

/// One electronic certificate, as the platform's certificate store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    /// Kind, in the words material specs use, for example `结婚证`.
    pub kind: String,
    /// Certificate number (证照编号).
    pub number: String,
    /// 公民身份号码 or 统一社会信用代码 of the holder; for a 出生医学证明, the mother's.
    pub holder: String,
    pub issuer: String,
    pub issued_on: Option<Date>,
    pub valid_until: Option<Date>,
    /// Facts on the certificate, keyed like material attributes.
    pub attributes: Vec<Field>,
}

impl Certificate {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|f| crate::types::short_eq(&f.key, key))
            .map(|f| f.value.as_str())
    }

    /// Puts certificates in the order lookups answer with: newest issue first, then by number
    /// so the order is stable.
    pub fn newest_first(found: &mut [Certificate]) {
        found.sort_by(|a, b| b.issued_on.cmp(&a.issued_on).then(a.number.cmp(&b.number)));
    }

    /// Valid on `day`: issued by then and not expired.
    pub fn valid_on(&self, day: Date) -> bool {
        self.issued_on.is_none_or(|d| d <= day) && self.valid_until.is_none_or(|d| d >= day)
    }
}

/// Why a certificate lookup has no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElicenseError {
    /// The certificate service is down or did not answer; zh-CN detail.
    Unavailable(String),
    /// The kind or the holder cannot be looked up; zh-CN detail.
    InvalidRequest(String),
}

impl std::fmt::Display for ElicenseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElicenseError::Unavailable(d) => write!(f, "电子证照服务暂不可用：{d}"),
            ElicenseError::InvalidRequest(d) => write!(f, "电子证照查询有误：{d}"),
        }
    }
}

impl std::error::Error for ElicenseError {}

/// A material the applicant need not hand in (免提交): a certificate stands in for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Exemption {
    /// Material code from the manifest.
    pub material: String,
    /// Kind of the certificate found.
    pub elicense: String,
    /// Its number, cited on the receipt.
    pub number: String,
}

impl Exemption {
    pub fn by(material: &str, certificate: &Certificate) -> Exemption {
        Exemption {
            material: material.to_owned(),
            elicense: certificate.kind.clone(),
            number: certificate.number.clone(),
        }
    }
}

/// What the material check of one matter found, exemptions included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialReview {
    pub findings: Vec<Finding>,
    pub exempt: Vec<Exemption>,
}

/// The material check as a 0.2.0 component answers it: the exemptions first, then the
/// findings, less those that say an exempted material is missing — the certificate is the
/// material. Findings about the paper's content stay, in case the applicant brought it anyway.
pub fn review_materials(
    rules: &dyn Rules,
    app: &Application,
    host: &dyn Host,
) -> Result<MaterialReview, RuleError> {
    let exempt = rules.exemptions(app, host)?;
    let findings = rules
        .check_materials(app, host)?
        .into_iter()
        .filter(|f| {
            !(f.code == codes::MATERIAL_MISSING
                && matches!(&f.subject, Subject::Material(m) if exempt.iter().any(|e| &e.material == m)))
        })
        .collect();
    Ok(MaterialReview { findings, exempt })
}

/// The newest certificate of `kind` held by `holder` that is valid on `today` and satisfies
/// `accept`; `None` when there is none, or when the lookup failed (the paper is then asked
/// for, and the failure goes to the administrators' log).
pub fn find_certificate(
    host: &dyn Host,
    kind: &str,
    holder: &str,
    today: Date,
    accept: impl Fn(&Certificate) -> bool,
) -> Option<Certificate> {
    match host.elicense(kind, holder) {
        Ok(found) => found.into_iter().find(|c| c.valid_on(today) && accept(c)),
        Err(e) => {
            host.log(crate::LogLevel::Warn, &format!("{kind}：{e}"));
            None
        }
    }
}

/// Exempts `material` when the applicant has not handed it in and the certificate of `kind`
/// issued to the holder named in form field `holder_field` (an id number or a USCC) exists,
/// is valid today and satisfies `accept`. No lookup is made when the paper is there or the
/// field is empty: certificates are personal data, read only when they spare the applicant
/// something.
pub fn exempt_by_holder(
    host: &dyn Host,
    app: &Application,
    material: &str,
    kind: &str,
    holder_field: &str,
    accept: impl Fn(&Certificate) -> bool,
) -> Option<Exemption> {
    if app.material(material).is_some() {
        return None;
    }
    let holder = app.field(holder_field)?.to_ascii_uppercase();
    find_certificate(host, kind, &holder, app.today, accept).map(|c| Exemption::by(material, &c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::WithCertificates;
    use crate::{Channel, Material, MaterialForm};

    fn licence(holder: &str, until: Option<Date>) -> Certificate {
        Certificate {
            kind: "营业执照".into(),
            number: "YYZZ-1".into(),
            holder: holder.into(),
            issuer: "新乡市红旗区市场监督管理局".into(),
            issued_on: Some(Date::ymd(2026, 1, 5)),
            valid_until: until,
            attributes: Vec::new(),
        }
    }

    fn app() -> Application {
        Application::new("x", "m", Channel::Window, Date::ymd(2026, 11, 27))
            .with_field("company.uscc", "91410702MA9XXXXX0A")
    }

    #[test]
    fn a_valid_certificate_exempts_the_missing_material() {
        let host = WithCertificates::new(vec![licence("91410702MA9XXXXX0A", None)]);
        let e = exempt_by_holder(
            &host,
            &app(),
            "business-license",
            "营业执照",
            "company.uscc",
            |_| true,
        );
        assert_eq!(
            e,
            Some(Exemption {
                material: "business-license".into(),
                elicense: "营业执照".into(),
                number: "YYZZ-1".into()
            })
        );
    }

    #[test]
    fn expired_absent_unavailable_or_handed_in_means_no_exemption() {
        let expired = WithCertificates::new(vec![licence(
            "91410702MA9XXXXX0A",
            Some(Date::ymd(2026, 11, 26)),
        )]);
        let other = WithCertificates::new(vec![licence("91410702MA9YYYYY0B", None)]);
        let mut down = WithCertificates::new(vec![licence("91410702MA9XXXXX0A", None)]);
        down.unavailable = true;
        for host in [&expired, &other, &down] {
            assert_eq!(
                exempt_by_holder(
                    host,
                    &app(),
                    "business-license",
                    "营业执照",
                    "company.uscc",
                    |_| true
                ),
                None
            );
        }
        let ok = WithCertificates::new(vec![licence("91410702MA9XXXXX0A", None)]);
        let paper = app().with_material(Material::new("business-license", MaterialForm::Copy));
        assert_eq!(
            exempt_by_holder(
                &ok,
                &paper,
                "business-license",
                "营业执照",
                "company.uscc",
                |_| true
            ),
            None
        );
    }
}
