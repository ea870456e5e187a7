//! The one-time notice (一次性告知, 第十四条): every finding of every matter, merged so that
//! the applicant is asked for each thing once.

use lianban_sdk::{Finding, Severity, Subject};
use serde::{Deserialize, Serialize};

/// One line of the notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeItem {
    pub severity: Severity,
    pub subject: Subject,
    pub code: String,
    pub message: String,
    pub remedy: Option<String>,
    /// The matters that raised it, in catalog order.
    pub matters: Vec<String>,
}

/// Merges findings by subject and code: a material two matters need, or a field both check,
/// appears once, listing both matters. The wording of the first matter (in catalog order) is
/// kept; the merged line is blocking if any matter found it blocking. Blocking lines come
/// first, otherwise the order is that of the matters.
pub fn merge<'a>(
    per_matter: impl IntoIterator<Item = (&'a str, &'a [Finding])>,
) -> Vec<NoticeItem> {
    let mut items: Vec<NoticeItem> = Vec::new();
    for (matter, findings) in per_matter {
        for f in findings {
            match items
                .iter_mut()
                .find(|i| i.subject == f.subject && i.code == f.code)
            {
                Some(item) => {
                    if f.severity == Severity::Blocking && item.severity == Severity::Advisory {
                        item.severity = Severity::Blocking;
                        item.message = f.message.clone();
                        item.remedy = f.remedy.clone();
                    }
                    if !item.matters.iter().any(|m| m == matter) {
                        item.matters.push(matter.to_owned());
                    }
                }
                None => items.push(NoticeItem {
                    severity: f.severity,
                    subject: f.subject.clone(),
                    code: f.code.clone(),
                    message: f.message.clone(),
                    remedy: f.remedy.clone(),
                    matters: vec![matter.to_owned()],
                }),
            }
        }
    }
    // Stable: keeps matter order within each severity.
    items.sort_by_key(|i| i.severity);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(code: &str) -> Finding {
        Finding::blocking(
            Subject::Material(code.into()),
            "material.missing",
            format!("缺少{code}"),
        )
    }

    #[test]
    fn a_material_two_matters_need_is_asked_for_once() {
        let a = vec![missing("household-register"), missing("id-card")];
        let b = vec![missing("household-register")];
        let c = vec![Finding::advisory(Subject::Application, "late", "晚了")];
        let items = merge([
            ("a", a.as_slice()),
            ("b", b.as_slice()),
            ("c", c.as_slice()),
        ]);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].matters, ["a", "b"]);
        assert_eq!(items[1].matters, ["a"]);
        assert_eq!(items[2].severity, Severity::Advisory);
    }

    #[test]
    fn blocking_wins_over_advisory_for_the_same_subject() {
        let a = vec![Finding::advisory(
            Subject::Field("x".into()),
            "field.invalid",
            "建议",
        )];
        let b = vec![Finding::blocking(
            Subject::Field("x".into()),
            "field.invalid",
            "必须",
        )];
        let items = merge([("a", a.as_slice()), ("b", b.as_slice())]);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].severity, Severity::Blocking);
        assert_eq!(items[0].message, "必须");
        assert_eq!(items[0].matters, ["a", "b"]);
    }
}
