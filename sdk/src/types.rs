//! The data of the rules interface, in plain Rust.
//!
//! These mirror the WIT records of `lianban:rules@0.1.0` one to one (see `wit/v0.1.0`); the
//! component glue converts between the two, so rules are written and unit-tested against
//! ordinary structs and never see generated bindings.

use crate::Date;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    Window,
    Online,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Field {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MaterialForm {
    Original,
    Copy,
    Scan,
    Elicense,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Material {
    pub code: String,
    pub form: MaterialForm,
    pub pages: u32,
    pub issued_on: Option<Date>,
    pub valid_until: Option<Date>,
    pub attributes: Vec<Field>,
}

impl Material {
    /// A material with no dates and no attributes; handy in tests and examples.
    pub fn new(code: &str, form: MaterialForm) -> Material {
        Material {
            code: code.to_owned(),
            form,
            pages: if form == MaterialForm::Elicense { 0 } else { 1 },
            issued_on: None,
            valid_until: None,
            attributes: Vec::new(),
        }
    }

    pub fn with_attribute(mut self, key: &str, value: &str) -> Material {
        self.attributes.push(Field {
            key: key.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    pub fn valid_until(mut self, day: Date) -> Material {
        self.valid_until = Some(day);
        self
    }

    pub fn issued_on(mut self, day: Date) -> Material {
        self.issued_on = Some(day);
        self
    }

    /// The value of an attribute read from the material, trimmed; `None` when absent or blank.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|f| short_eq(&f.key, key))
            .map(|f| trim_value(&f.value))
            .filter(|v| !v.is_empty())
    }
}

/// The merged application as one matter's rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub one_thing: String,
    pub matter: String,
    pub channel: Channel,
    pub today: Date,
    pub fields: Vec<Field>,
    pub materials: Vec<Material>,
}

impl Application {
    pub fn new(one_thing: &str, matter: &str, channel: Channel, today: Date) -> Application {
        Application {
            one_thing: one_thing.to_owned(),
            matter: matter.to_owned(),
            channel,
            today,
            fields: Vec::new(),
            materials: Vec::new(),
        }
    }

    pub fn with_field(mut self, key: &str, value: &str) -> Application {
        self.fields.retain(|f| f.key != key);
        self.fields.push(Field {
            key: key.to_owned(),
            value: value.to_owned(),
        });
        self
    }

    pub fn without_field(mut self, key: &str) -> Application {
        self.fields.retain(|f| f.key != key);
        self
    }

    pub fn with_material(mut self, material: Material) -> Application {
        self.materials.retain(|m| m.code != material.code);
        self.materials.push(material);
        self
    }

    pub fn without_material(mut self, code: &str) -> Application {
        self.materials.retain(|m| m.code != code);
        self
    }

    /// A form value, trimmed; `None` when the field is absent or blank. Blank and absent are the
    /// same to an applicant, so rules should not distinguish them.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| short_eq(&f.key, key))
            .map(|f| trim_value(&f.value))
            .filter(|v| !v.is_empty())
    }

    /// A boolean form value: `Some(true)` only for `true`, `Some(false)` only for `false`.
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.field(key)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// Whether a choice field holds `value`.
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.field(key).is_some_and(|v| short_eq(v, value))
    }

    pub fn material(&self, code: &str) -> Option<&Material> {
        self.materials.iter().find(|m| short_eq(&m.code, code))
    }

    pub fn has_material(&self, code: &str) -> bool {
        self.material(code).is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    Blocking,
    Advisory,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(tag = "kind", content = "key", rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Subject {
    Field(String),
    Material(String),
    Application,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub severity: Severity,
    pub subject: Subject,
    pub code: String,
    pub message: String,
    pub remedy: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleError {
    pub code: String,
    pub message: String,
}

impl RuleError {
    pub fn new(code: &str, message: impl Into<String>) -> RuleError {
        RuleError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for RuleError {}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    pub due: Date,
    pub working_days: u32,
    pub basis: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FieldKind {
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

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(tag = "kind", content = "condition", rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Requirement {
    Always,
    Conditional(String),
    Optional,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub requirement: Requirement,
    pub choices: Vec<String>,
    pub help: Option<String>,
}

impl FieldSpec {
    pub fn new(key: &str, label: &str, kind: FieldKind, requirement: Requirement) -> FieldSpec {
        FieldSpec {
            key: key.to_owned(),
            label: label.to_owned(),
            kind,
            requirement,
            choices: Vec::new(),
            help: None,
        }
    }

    pub fn choices(mut self, choices: &[&str]) -> FieldSpec {
        self.choices = choices.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    pub fn help(mut self, help: &str) -> FieldSpec {
        self.help = Some(help.to_owned());
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PaperForm {
    Original,
    Copy,
    OriginalAndCopy,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialSpec {
    pub code: String,
    pub name: String,
    pub requirement: Requirement,
    pub paper: PaperForm,
    pub copies: u32,
    pub elicense: Option<String>,
    pub help: Option<String>,
}

impl MaterialSpec {
    pub fn new(code: &str, name: &str, requirement: Requirement, paper: PaperForm) -> MaterialSpec {
        MaterialSpec {
            code: code.to_owned(),
            name: name.to_owned(),
            requirement,
            paper,
            copies: if paper == PaperForm::Original { 0 } else { 1 },
            elicense: None,
            help: None,
        }
    }

    /// The electronic certificate type that replaces the paper.
    pub fn elicense(mut self, license_type: &str) -> MaterialSpec {
        self.elicense = Some(license_type.to_owned());
        self
    }

    pub fn copies(mut self, copies: u32) -> MaterialSpec {
        self.copies = copies;
        self
    }

    pub fn help(mut self, help: &str) -> MaterialSpec {
        self.help = Some(help.to_owned());
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manifest {
    pub matter: String,
    pub name: String,
    pub department: String,
    pub version: String,
    pub legal_days: u32,
    pub promised_days: u32,
    pub fields: Vec<FieldSpec>,
    pub materials: Vec<MaterialSpec>,
    pub review_points: Vec<String>,
    pub basis: Vec<String>,
}

impl Manifest {
    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| short_eq(&f.key, key))
    }

    pub fn material(&self, code: &str) -> Option<&MaterialSpec> {
        self.materials.iter().find(|m| short_eq(&m.code, code))
    }
}

/// `str::trim`, with a shortcut for the usual value, which has nothing to trim.
///
/// Every value a rule reads is trimmed, most of them twice (by the lookup, then by the
/// validator), and `str::trim` decodes a character from each end and looks it up among
/// Unicode's spaces. A value that begins and ends with a visible ASCII character (an id
/// number, a date, a choice) or with a common Chinese character (a name, an address) cannot
/// have spaces to trim. UTF-8 sequences that start with the bytes E4 to E9 are the three-byte
/// characters U+4000 to U+9FFF, where the common Chinese characters are and no space is.
pub(crate) fn trim_value(s: &str) -> &str {
    let b = s.as_bytes();
    let cjk_lead = |byte: &u8| (0xE4..=0xE9).contains(byte);
    let starts_visible = b
        .first()
        .is_some_and(|c| c.is_ascii_graphic() || cjk_lead(c));
    let ends_visible =
        b.last().is_some_and(u8::is_ascii_graphic) || (b.len() >= 3 && cjk_lead(&b[b.len() - 3]));
    if starts_visible && ends_visible {
        s
    } else {
        s.trim()
    }
}

/// Equality of two short strings, such as dictionary keys, material codes and choice values.
///
/// Rules look every field and material up by key, one comparison per entry of the form until
/// the key is found. In a WebAssembly build `==` on strings becomes a call to the C library's
/// `memcmp`, which compares one byte at a time; profiled on the pre-check of 新生儿出生一件事
/// that was about a tenth of the time spent in the rules. Keys are a few dozen bytes at most,
/// so comparing eight bytes at a time in place is much cheaper.
pub(crate) fn short_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let (Some(a_tail), Some(b_tail)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) else {
        // Shorter than eight bytes.
        return a.iter().zip(b).all(|(x, y)| x == y);
    };
    // Whole words from the start, then the last eight bytes, which overlap the last whole
    // word when the length is not a multiple of eight.
    let word = |w: &[u8; 8]| u64::from_ne_bytes(*w);
    let (a_words, _) = a.as_chunks::<8>();
    let (b_words, _) = b.as_chunks::<8>();
    a_words.iter().zip(b_words).all(|(x, y)| word(x) == word(y)) && word(a_tail) == word(b_tail)
}

#[cfg(test)]
mod tests {
    use super::{short_eq, trim_value};

    #[test]
    fn trim_value_agrees_with_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "ab",
            "410702199205050027",
            " 2026-01-01\t",
            "王小雨",
            "王小雨\u{3000}",
            "\u{3000}王",
            "王 ",
            "新乡市红旗区",
            "a\u{a0}",
            "\u{2003}x",
            "x\u{2003}",
            "é",
            " é ",
            "王x",
            "x王",
            "\n王\n",
        ] {
            assert_eq!(trim_value(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn short_eq_agrees_with_eq_at_every_length_and_position() {
        let long = "mother.id-number.and-some-more-words-4x";
        for len in 0..=long.len() {
            let a = &long[..len];
            assert!(short_eq(a, a), "{a}");
            assert!(!short_eq(a, &long[..len.saturating_sub(1)]) || len == 0);
            // One byte changed, wherever it is, must be seen.
            for at in 0..len {
                let mut b = a.as_bytes().to_vec();
                b[at] ^= 0x01;
                let b = String::from_utf8(b).unwrap();
                assert!(!short_eq(a, &b), "{a} vs {b}");
            }
        }
        assert!(short_eq("材料", "材料"));
        assert!(!short_eq("材料", "材科"));
    }
}
