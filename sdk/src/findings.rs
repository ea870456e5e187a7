//! Builders for findings with the standard codes and zh-CN wording.
//!
//! Departments should use these for the common cases: the host merges findings with the same
//! subject and code from several matters into one line of the notice (一次性告知), which only
//! works when everybody says "missing material" the same way.

use crate::{Date, FieldSpec, Finding, MaterialForm, MaterialSpec, PaperForm, Severity, Subject};

/// Standard finding codes. Department-specific codes should be namespaced by what they are
/// about, e.g. `child.too-old`.
pub mod codes {
    pub const FIELD_MISSING: &str = "field.missing";
    pub const FIELD_INVALID: &str = "field.invalid";
    pub const MATERIAL_MISSING: &str = "material.missing";
    pub const MATERIAL_EXPIRED: &str = "material.expired";
    pub const MATERIAL_FORM: &str = "material.form";
    pub const MATERIAL_MISMATCH: &str = "material.mismatch";
}

impl Finding {
    pub fn blocking(subject: Subject, code: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Blocking,
            subject,
            code: code.to_owned(),
            message: message.into(),
            remedy: None,
        }
    }

    pub fn advisory(subject: Subject, code: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Advisory,
            ..Finding::blocking(subject, code, message)
        }
    }

    pub fn remedy(mut self, remedy: impl Into<String>) -> Finding {
        self.remedy = Some(remedy.into());
        self
    }

    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Blocking
    }
}

/// A field the applicant left empty.
pub fn missing_field(spec: &FieldSpec) -> Finding {
    Finding::blocking(
        Subject::Field(spec.key.clone()),
        codes::FIELD_MISSING,
        format!("未填写“{}”", spec.label),
    )
    .remedy(format!("请填写“{}”", spec.label))
}

/// A field whose value is wrong; `reason` follows the label ("…校验位不正确").
pub fn invalid_field(spec: &FieldSpec, reason: &str) -> Finding {
    invalid_field_by_key(&spec.key, &spec.label, reason)
}

pub fn invalid_field_by_key(key: &str, label: &str, reason: &str) -> Finding {
    Finding::blocking(
        Subject::Field(key.to_owned()),
        codes::FIELD_INVALID,
        format!("“{label}”填写有误：{reason}"),
    )
    .remedy(format!("请核对并更正“{label}”"))
}

/// How to bring a material, in the words of the guide.
pub fn how_to_bring(spec: &MaterialSpec) -> String {
    let paper = match spec.paper {
        PaperForm::Original => "原件".to_owned(),
        PaperForm::Copy => format!("复印件 {} 份", spec.copies.max(1)),
        PaperForm::OriginalAndCopy => {
            format!("原件（核验后退还）及复印件 {} 份", spec.copies.max(1))
        }
    };
    match &spec.elicense {
        Some(kind) => format!("{paper}；已有“{kind}”电子证照的，可授权调取，无需提交纸质材料"),
        None => paper,
    }
}

/// A material that must be brought and was not.
pub fn missing_material(spec: &MaterialSpec) -> Finding {
    Finding::blocking(
        Subject::Material(spec.code.clone()),
        codes::MATERIAL_MISSING,
        format!("缺少“{}”", spec.name),
    )
    .remedy(format!("请提交“{}”：{}", spec.name, how_to_bring(spec)))
}

/// A material whose validity ended before today.
pub fn expired_material(spec: &MaterialSpec, valid_until: Date) -> Finding {
    Finding::blocking(
        Subject::Material(spec.code.clone()),
        codes::MATERIAL_EXPIRED,
        format!("“{}”已于 {valid_until} 过期", spec.name),
    )
    .remedy(format!("请提交有效期内的“{}”", spec.name))
}

/// A material presented in a form this matter cannot use.
pub fn wrong_form(spec: &MaterialSpec, form: MaterialForm) -> Finding {
    let given = match form {
        MaterialForm::Original => "原件",
        MaterialForm::Copy => "复印件",
        MaterialForm::Scan => "扫描件",
        MaterialForm::Elicense => "电子证照",
    };
    Finding::blocking(
        Subject::Material(spec.code.clone()),
        codes::MATERIAL_FORM,
        format!("“{}”不能以{given}形式提交", spec.name),
    )
    .remedy(format!("请提交“{}”：{}", spec.name, how_to_bring(spec)))
}

/// A material whose content disagrees with the form or with another material.
pub fn material_mismatch(code: &str, name: &str, detail: &str) -> Finding {
    Finding::blocking(
        Subject::Material(code.to_owned()),
        codes::MATERIAL_MISMATCH,
        format!("“{name}”与申请信息不一致：{detail}"),
    )
    .remedy(format!("请核对“{name}”与申请表，确认无误后重新提交"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FieldKind, Requirement};

    #[test]
    fn missing_material_says_how_to_bring_it() {
        let spec = MaterialSpec::new(
            "marriage-certificate",
            "结婚证",
            Requirement::Conditional("父母以夫妻名义共同申请".into()),
            PaperForm::OriginalAndCopy,
        )
        .elicense("结婚证");
        let f = missing_material(&spec);
        assert!(f.is_blocking());
        assert_eq!(f.subject, Subject::Material("marriage-certificate".into()));
        assert_eq!(f.message, "缺少“结婚证”");
        let remedy = f.remedy.unwrap();
        assert!(
            remedy.contains("原件（核验后退还）及复印件 1 份"),
            "{remedy}"
        );
        assert!(remedy.contains("电子证照"), "{remedy}");
    }

    #[test]
    fn invalid_field_names_the_label_and_reason() {
        let spec = FieldSpec::new(
            "mother.mobile",
            "母亲手机号码",
            FieldKind::Mobile,
            Requirement::Always,
        );
        let f = invalid_field(&spec, "应为 11 位");
        assert_eq!(f.code, codes::FIELD_INVALID);
        assert_eq!(f.message, "“母亲手机号码”填写有误：应为 11 位");
    }
}
