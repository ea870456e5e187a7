//! Whose certificates a rules call may look up: only holders the application being judged
//! names.
//!
//! A component granted `elicense` could otherwise ask the certificate service about anyone,
//! one id number after another. The application is what the applicant handed in, so the
//! identifiers in it — the applicant's, a parent's, a spouse's, a company's, in the form or
//! read from a material — are the ones the rules have a reason to look up. Any value of the
//! form or of a material's attributes counts, compared as the SDK sends holders (trimmed,
//! letters in either case): an id number with a typo is still "named", and the lookup then
//! simply finds nothing, instead of failing the call over the applicant's mistake.
//!
//! The application is searched at each lookup rather than indexed in advance: lookups are few
//! (a handful per call, and only for matters granted the capability), while gathering every
//! value of every application into a set cost a pre-check more than all the other checks of
//! its answers together (callgrind, 新生儿出生一件事).

use std::sync::Arc;

use super::v0_1_0::WitApplication;

/// The application of one call, as far as certificate lookups are concerned.
pub(crate) struct Holders(Arc<WitApplication>);

impl Holders {
    pub(crate) fn named_in(app: Arc<WitApplication>) -> Holders {
        Holders(app)
    }

    pub(crate) fn contains(&self, holder: &str) -> bool {
        let holder = holder.trim();
        if holder.is_empty() {
            return false;
        }
        let app = &self.0;
        app.fields
            .iter()
            .map(|f| &f.value)
            .chain(
                app.materials
                    .iter()
                    .flat_map(|m| m.attributes.iter().map(|a| &a.value)),
            )
            .any(|v| v.trim().eq_ignore_ascii_case(holder))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lianban_sdk::{Application, Channel, Date, Material, MaterialForm};

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
        let holders = Holders::named_in(Arc::new(app.into()));
        assert!(holders.contains("11010519491231002X"));
        assert!(holders.contains("110105194912310011"));
        assert!(!holders.contains("110105194912310038"));
        assert!(!holders.contains(""));
        assert!(!holders.contains("  "));
    }
}
