//! The merged application as clients send it (一表申请): one form and one set of materials for
//! a whole one-thing, from which each matter's [`Application`] is cut.
//!
//! This is the body of the host's pre-check API, and the format of the JSON fixtures plugins
//! are tested with, so a fixture can be posted to a host unchanged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Application, Channel, Date, Field, Material, MaterialForm};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergedApplication {
    pub one_thing: String,
    pub channel: Channel,
    /// Dictionary key → value.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub materials: Vec<MaterialInput>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaterialInput {
    pub code: String,
    pub form: MaterialForm,
    #[serde(default)]
    pub pages: u32,
    #[serde(default)]
    pub issued_on: Option<Date>,
    #[serde(default)]
    pub valid_until: Option<Date>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

fn fields(map: &BTreeMap<String, String>) -> Vec<Field> {
    map.iter()
        .map(|(k, v)| Field {
            key: k.clone(),
            value: v.clone(),
        })
        .collect()
}

impl MergedApplication {
    /// The application as `matter`'s rules see it on `today`.
    pub fn for_matter(&self, matter: &str, today: Date) -> Application {
        Application {
            one_thing: self.one_thing.clone(),
            matter: matter.to_owned(),
            channel: self.channel,
            today,
            fields: fields(&self.fields),
            materials: self
                .materials
                .iter()
                .map(|m| Material {
                    code: m.code.clone(),
                    form: m.form,
                    pages: m.pages,
                    issued_on: m.issued_on,
                    valid_until: m.valid_until,
                    attributes: fields(&m.attributes),
                })
                .collect(),
        }
    }
}
