//! What the per-version component glue crates (`lianban-world-v0-1`, `lianban-world-v0-2`)
//! share. Not part of the SDK's public API.

/// Writes `N` bytes of `version` for the custom section that records the rules API version.
pub const fn api_version_bytes<const N: usize>(version: &str) -> [u8; N] {
    let src = version.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = src[i];
        i += 1;
    }
    out
}

/// Conversions between the SDK's plain types and the generated types of the
/// `lianban:rules/types@0.1.0` interface, which both WIT versions use. Invoke it where that
/// interface's generated module is in scope as `wit`; every glue crate generates its own.
#[macro_export]
#[doc(hidden)]
macro_rules! __wit_v0_1_conversions {
    () => {
        impl From<wit::Date> for $crate::Date {
            fn from(d: wit::Date) -> $crate::Date {
                $crate::Date {
                    year: d.year,
                    month: d.month,
                    day: d.day,
                }
            }
        }

        impl From<$crate::Date> for wit::Date {
            fn from(d: $crate::Date) -> wit::Date {
                wit::Date {
                    year: d.year,
                    month: d.month,
                    day: d.day,
                }
            }
        }

        impl From<wit::Field> for $crate::Field {
            fn from(f: wit::Field) -> $crate::Field {
                $crate::Field {
                    key: f.key,
                    value: f.value,
                }
            }
        }

        impl From<wit::Material> for $crate::Material {
            fn from(m: wit::Material) -> $crate::Material {
                $crate::Material {
                    code: m.code,
                    form: match m.form {
                        wit::MaterialForm::Original => $crate::MaterialForm::Original,
                        wit::MaterialForm::Copy => $crate::MaterialForm::Copy,
                        wit::MaterialForm::Scan => $crate::MaterialForm::Scan,
                        wit::MaterialForm::Elicense => $crate::MaterialForm::Elicense,
                    },
                    pages: m.pages,
                    issued_on: m.issued_on.map(Into::into),
                    valid_until: m.valid_until.map(Into::into),
                    attributes: m.attributes.into_iter().map(Into::into).collect(),
                }
            }
        }

        impl From<wit::Application> for $crate::Application {
            fn from(a: wit::Application) -> $crate::Application {
                $crate::Application {
                    one_thing: a.one_thing,
                    matter: a.matter,
                    channel: match a.channel {
                        wit::Channel::Window => $crate::Channel::Window,
                        wit::Channel::Online => $crate::Channel::Online,
                    },
                    today: a.today.into(),
                    fields: a.fields.into_iter().map(Into::into).collect(),
                    materials: a.materials.into_iter().map(Into::into).collect(),
                }
            }
        }

        impl From<$crate::Finding> for wit::Finding {
            fn from(f: $crate::Finding) -> wit::Finding {
                wit::Finding {
                    severity: match f.severity {
                        $crate::Severity::Blocking => wit::Severity::Blocking,
                        $crate::Severity::Advisory => wit::Severity::Advisory,
                    },
                    subject: match f.subject {
                        $crate::Subject::Field(k) => wit::Subject::Field(k),
                        $crate::Subject::Material(c) => wit::Subject::Material(c),
                        $crate::Subject::Application => wit::Subject::Application,
                    },
                    code: f.code,
                    message: f.message,
                    remedy: f.remedy,
                }
            }
        }

        impl From<$crate::RuleError> for wit::RuleError {
            fn from(e: $crate::RuleError) -> wit::RuleError {
                wit::RuleError {
                    code: e.code,
                    message: e.message,
                }
            }
        }

        impl From<$crate::Deadline> for wit::Deadline {
            fn from(d: $crate::Deadline) -> wit::Deadline {
                wit::Deadline {
                    due: d.due.into(),
                    working_days: d.working_days,
                    basis: d.basis,
                }
            }
        }

        impl From<$crate::Requirement> for wit::Requirement {
            fn from(r: $crate::Requirement) -> wit::Requirement {
                match r {
                    $crate::Requirement::Always => wit::Requirement::Always,
                    $crate::Requirement::Conditional(c) => wit::Requirement::Conditional(c),
                    $crate::Requirement::Optional => wit::Requirement::Optional,
                }
            }
        }

        impl From<$crate::FieldSpec> for wit::FieldSpec {
            fn from(s: $crate::FieldSpec) -> wit::FieldSpec {
                wit::FieldSpec {
                    key: s.key,
                    label: s.label,
                    kind: match s.kind {
                        $crate::FieldKind::Text => wit::FieldKind::Text,
                        $crate::FieldKind::Date => wit::FieldKind::Date,
                        $crate::FieldKind::IdNumber => wit::FieldKind::IdNumber,
                        $crate::FieldKind::Uscc => wit::FieldKind::Uscc,
                        $crate::FieldKind::Mobile => wit::FieldKind::Mobile,
                        $crate::FieldKind::Integer => wit::FieldKind::Integer,
                        $crate::FieldKind::Money => wit::FieldKind::Money,
                        $crate::FieldKind::Choice => wit::FieldKind::Choice,
                        $crate::FieldKind::Boolean => wit::FieldKind::Boolean,
                        $crate::FieldKind::Address => wit::FieldKind::Address,
                    },
                    requirement: s.requirement.into(),
                    choices: s.choices,
                    help: s.help,
                }
            }
        }

        impl From<$crate::MaterialSpec> for wit::MaterialSpec {
            fn from(s: $crate::MaterialSpec) -> wit::MaterialSpec {
                wit::MaterialSpec {
                    code: s.code,
                    name: s.name,
                    requirement: s.requirement.into(),
                    paper: match s.paper {
                        $crate::PaperForm::Original => wit::PaperForm::Original,
                        $crate::PaperForm::Copy => wit::PaperForm::Copy,
                        $crate::PaperForm::OriginalAndCopy => wit::PaperForm::OriginalAndCopy,
                    },
                    copies: s.copies,
                    elicense: s.elicense,
                    help: s.help,
                }
            }
        }

        impl From<$crate::Manifest> for wit::Manifest {
            fn from(m: $crate::Manifest) -> wit::Manifest {
                wit::Manifest {
                    matter: m.matter,
                    name: m.name,
                    department: m.department,
                    version: m.version,
                    legal_days: m.legal_days,
                    promised_days: m.promised_days,
                    fields: m.fields.into_iter().map(Into::into).collect(),
                    materials: m.materials.into_iter().map(Into::into).collect(),
                    review_points: m.review_points,
                    basis: m.basis,
                }
            }
        }
    };
}

/// What a world crate's glue does the same way for every world, since both use the 0.1.0
/// types, calendar and log: the conversions, the `review-form` and `deadline` exports, and
/// `findings`. Invoke it in the glue module with the path of the generated 0.1.0 types module
/// (relative to a child module), and the types the exports speak in scope as `wit`.
#[macro_export]
#[doc(hidden)]
macro_rules! __wit_v0_1_glue {
    ($types:path) => {
        mod conversions {
            use $types as wit;
            $crate::__wit_v0_1_conversions!();
        }

        fn findings(
            r: ::core::result::Result<::std::vec::Vec<$crate::Finding>, $crate::RuleError>,
        ) -> ::core::result::Result<::std::vec::Vec<wit::Finding>, wit::RuleError> {
            r.map(|f| f.into_iter().map(Into::into).collect())
                .map_err(Into::into)
        }

        pub fn review_form<R: $crate::Rules>(
            rules: &R,
            app: wit::Application,
        ) -> ::core::result::Result<::std::vec::Vec<wit::Finding>, wit::RuleError> {
            findings(rules.review_form(&app.into(), &ComponentHost))
        }

        pub fn deadline<R: $crate::Rules>(
            rules: &R,
            app: wit::Application,
            accepted_on: wit::Date,
        ) -> ::core::result::Result<wit::Deadline, wit::RuleError> {
            rules
                .deadline(&app.into(), accepted_on.into(), &ComponentHost)
                .map(Into::into)
                .map_err(Into::into)
        }
    };
}

/// The calendar and log methods of a glue's `impl Host for ComponentHost`, served by the
/// 0.1.0 imports (`calendar` and `log` in scope).
#[macro_export]
#[doc(hidden)]
macro_rules! __wit_v0_1_host_methods {
    () => {
        fn is_working_day(&self, day: $crate::Date) -> ::core::result::Result<bool, String> {
            calendar::is_working_day(day.into())
        }

        fn add_working_days(
            &self,
            start: $crate::Date,
            days: u32,
        ) -> ::core::result::Result<$crate::Date, String> {
            calendar::add_working_days(start.into(), days).map($crate::Date::from)
        }

        fn log(&self, level: $crate::LogLevel, message: &str) {
            let level = match level {
                $crate::LogLevel::Debug => log::Level::Debug,
                $crate::LogLevel::Info => log::Level::Info,
                $crate::LogLevel::Warn => log::Level::Warn,
                $crate::LogLevel::Error => log::Level::Error,
            };
            log::log(level, message);
        }
    };
}

/// The body of a world crate's `export_rules!`: the `Guest` implementation calling the glue,
/// the world's export macro, and the custom section recording the API version. `$world` is the
/// world crate; `$materials` what its `check-materials` returns.
#[macro_export]
#[doc(hidden)]
macro_rules! __export_rules {
    ($rules:ty, $world:tt, $materials:ty) => {
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            use $world::__private::wit;

            struct LianbanRulesExport;

            impl $world::__private::bindings::Guest for LianbanRulesExport {
                fn manifest() -> wit::Manifest {
                    $world::__private::manifest(&<$rules as ::core::default::Default>::default())
                }

                fn check_materials(
                    app: wit::Application,
                ) -> ::core::result::Result<$materials, wit::RuleError> {
                    $world::__private::check_materials(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                    )
                }

                fn review_form(
                    app: wit::Application,
                ) -> ::core::result::Result<::std::vec::Vec<wit::Finding>, wit::RuleError> {
                    $world::__private::review_form(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                    )
                }

                fn deadline(
                    app: wit::Application,
                    accepted_on: wit::Date,
                ) -> ::core::result::Result<wit::Deadline, wit::RuleError> {
                    $world::__private::deadline(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                        accepted_on,
                    )
                }

                fn evaluate(app: wit::Application, accepted_on: wit::Date) -> wit::Evaluation {
                    $world::__private::evaluate(
                        &<$rules as ::core::default::Default>::default(),
                        app,
                        accepted_on,
                    )
                }
            }

            $world::__private::bindings::export!(
                LianbanRulesExport with_types_in $world::__private::bindings
            );

            #[unsafe(link_section = "lianban-rules-api")]
            #[used]
            static LIANBAN_RULES_API: [u8; $world::API_VERSION.len()] =
                $crate::glue::api_version_bytes($world::API_VERSION);
        };
    };
}
