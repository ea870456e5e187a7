//! Whose certificates a rules call may look up: only holders the application being judged
//! names.
//!
//! A component granted `elicense` could otherwise ask the certificate service about anyone,
//! one id number after another. The application is what the applicant handed in, so the
//! identifiers in it — the applicant's, a parent's, a spouse's, a company's, in the form or
//! read from a material — are the ones the rules have a reason to look up. Any value of the
//! form or of a material's attributes counts, compared as the SDK sends holders (trimmed,
//! upper case): an id number with a typo is still "named", and the lookup then simply finds
//! nothing, instead of failing the call over the applicant's mistake.

use std::collections::HashSet;

use lianban_sdk::Application;

/// Longest value taken for an identifier; id numbers and credit codes have 18 characters.
const MAX_HOLDER_BYTES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Holders(HashSet<String>);

impl Holders {
    pub(crate) fn named_in(app: &Application) -> Holders {
        let values = app.fields.iter().map(|f| &f.value).chain(
            app.materials
                .iter()
                .flat_map(|m| m.attributes.iter().map(|a| &a.value)),
        );
        Holders(values.filter_map(|v| normalised(v)).collect())
    }

    pub(crate) fn contains(&self, holder: &str) -> bool {
        normalised(holder).is_some_and(|h| self.0.contains(&h))
    }
}

fn normalised(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty() && v.len() <= MAX_HOLDER_BYTES).then(|| v.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianban_sdk::{Channel, Date, Material, MaterialForm};

    #[test]
    fn only_values_of_the_application_are_holders() {
        let mut app = Application::new("newborn", "m", Channel::Window, Date::ymd(2026, 11, 27))
            .with_field("mother.id-number", " 11010519491231002x ");
        let mut certificate = Material::new("marriage-certificate", MaterialForm::Copy);
        certificate.attributes.push(lianban_sdk::Field {
            key: "spouse.id-number".into(),
            value: "110105194912310011".into(),
        });
        app = app.with_material(certificate);
        let holders = Holders::named_in(&app);
        assert!(holders.contains("11010519491231002X"));
        assert!(holders.contains("110105194912310011"));
        assert!(!holders.contains("110105194912310038"));
        assert!(!holders.contains(""));
        assert!(!Holders::default().contains("11010519491231002X"));
    }
}
