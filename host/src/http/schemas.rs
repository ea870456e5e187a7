//! OpenAPI schemas of the SDK's types that the API carries. The SDK is vendored into every
//! plugin project and must not grow a dependency for the host's document, so the schemas are
//! stated here and a test holds them to the SDK's own serialisation.

use serde::Serialize;
use utoipa::ToSchema;

/// What a form field holds.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = FieldKind)]
pub enum FieldKindSchema {
    Text,
    Date,
    IdNumber,
    Uscc,
    Mobile,
    Integer,
    Money,
    Choice,
    Boolean,
    Address,
}

/// The paper form of a material.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PaperForm)]
pub enum PaperFormSchema {
    Original,
    Copy,
    OriginalAndCopy,
}

#[cfg(test)]
mod tests {
    use lianban_sdk::{FieldKind, PaperForm};
    use utoipa::PartialSchema;

    use super::*;

    /// The values the schema lists, and the values the SDK writes.
    fn listed<T: PartialSchema>() -> Vec<serde_json::Value> {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        schema["enum"].as_array().cloned().unwrap_or_default()
    }

    fn written<T: serde::Serialize>(values: &[T]) -> Vec<serde_json::Value> {
        values
            .iter()
            .map(|v| serde_json::to_value(v).unwrap_or_default())
            .collect()
    }

    #[test]
    fn the_schemas_list_exactly_what_the_sdk_writes() {
        // A match without a wildcard: a variant added to the SDK stops this compiling.
        let field = |k: FieldKind| match k {
            FieldKind::Text
            | FieldKind::Date
            | FieldKind::IdNumber
            | FieldKind::Uscc
            | FieldKind::Mobile
            | FieldKind::Integer
            | FieldKind::Money
            | FieldKind::Choice
            | FieldKind::Boolean
            | FieldKind::Address => k,
        };
        let kinds = [
            FieldKind::Text,
            FieldKind::Date,
            FieldKind::IdNumber,
            FieldKind::Uscc,
            FieldKind::Mobile,
            FieldKind::Integer,
            FieldKind::Money,
            FieldKind::Choice,
            FieldKind::Boolean,
            FieldKind::Address,
        ]
        .map(field);
        assert_eq!(listed::<FieldKindSchema>(), written(&kinds));
        let paper = |p: PaperForm| match p {
            PaperForm::Original | PaperForm::Copy | PaperForm::OriginalAndCopy => p,
        };
        let papers = [
            PaperForm::Original,
            PaperForm::Copy,
            PaperForm::OriginalAndCopy,
        ]
        .map(paper);
        assert_eq!(listed::<PaperFormSchema>(), written(&papers));
    }
}
