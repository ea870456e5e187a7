//! `/dictionary`: the shared data dictionary of form fields and materials (第九条). Anyone may
//! read it (departments write their plugins against it); the bureau adds and rewords entries.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lianban_sdk::{FieldKind, PaperForm};
use serde::Deserialize;

use utoipa::ToSchema;

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Json as JsonBody, Path};
use crate::app::AppState;
use crate::catalog::{Dictionary, FieldEntry, MaterialEntry};
use crate::keys::is_key;

/// GET /api/v1/dictionary — public.
#[utoipa::path(get, path = "/dictionary", tag = "dictionary",
    summary = "The data dictionary: every form field and material a plugin may use (第九条)",
    responses((status = 200, description = "fields and materials by key", body = Dictionary)))]
pub async fn show(State(app): State<AppState>) -> Result<Json<Dictionary>, ApiError> {
    blocking(move || Ok(app.catalog.dictionary()?))
        .await
        .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldBody {
    label: String,
    kind: FieldKind,
    #[serde(default)]
    choices: Vec<String>,
    #[serde(default)]
    help: Option<String>,
}

fn invalid(zh: String, en: String) -> ApiError {
    ApiError::unprocessable("dictionary_entry_invalid", zh, en)
}

fn check_key(key: &str) -> Result<(), ApiError> {
    if is_key(key) {
        Ok(())
    } else {
        Err(invalid(
            format!("编码“{key}”不合规：应以小写字母开头，只含小写字母、数字、点和连字符"),
            format!(
                "key {key:?} must start with a lowercase letter and hold only a-z, 0-9, . and -"
            ),
        ))
    }
}

/// PUT /api/v1/dictionary/fields/{key} — admin. Adds a field or rewords one. Its kind and
/// choices cannot change while an active plugin declares the field: that plugin's checks
/// were written for the old kind.
#[utoipa::path(put, path = "/dictionary/fields/{key}", tag = "dictionary",
    summary = "Add a form field to the dictionary, or reword one",
    params(("key" = String, Path, description = "the field's key: a-z, 0-9, `.` and `-`, starting with a letter")),
    request_body = FieldBody,
    responses(
        (status = 200, description = "the entry as stored", body = FieldEntry),
        (status = 409, description = "`dictionary_entry_in_use`: active rules use the field with its present kind or choices", body = ErrorBody),
        (status = 422, description = "`dictionary_entry_invalid`: a bad key, an empty label, a choice field without choices", body = ErrorBody),
    ))]
pub async fn put_field(
    State(app): State<AppState>,
    Path(key): Path<String>,
    JsonBody(body): JsonBody<FieldBody>,
) -> Result<Json<FieldEntry>, ApiError> {
    check_key(&key)?;
    if body.label.trim().is_empty() {
        return Err(invalid(
            "字段名称不能为空".into(),
            "the label is empty".into(),
        ));
    }
    if body.kind == FieldKind::Choice && body.choices.is_empty() {
        return Err(invalid(
            "选择型字段须列出可选值".into(),
            "a choice field needs its choices".into(),
        ));
    }
    let entry = FieldEntry {
        key,
        label: body.label.trim().to_owned(),
        kind: body.kind,
        choices: body.choices,
        help: body.help.filter(|h| !h.trim().is_empty()),
    };
    blocking(move || {
        let users: Vec<String> = app
            .registry
            .all_active()
            .iter()
            .filter(|a| {
                a.version.manifest.fields.iter().any(|f| {
                    f.key == entry.key
                        && (f.kind != entry.kind
                            || (f.kind == FieldKind::Choice && f.choices != entry.choices))
                })
            })
            .map(|a| a.version.matter.clone())
            .collect();
        if !users.is_empty() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "dictionary_entry_in_use",
                format!(
                    "字段“{}”正被事项 {} 的现行规则以原类型使用，不能改变类型或可选值",
                    entry.key,
                    users.join("、")
                ),
                format!(
                    "field {} is used with its current kind by the active rules of {}",
                    entry.key,
                    users.join(", ")
                ),
            ));
        }
        app.catalog.put_dictionary_field(&entry)?;
        Ok(entry)
    })
    .await
    .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialBody {
    name: String,
    paper: PaperForm,
    #[serde(default)]
    elicense: Option<String>,
}

/// PUT /api/v1/dictionary/materials/{code} — admin. Adds a material to the catalog of
/// materials or changes its name, usual paper form or the 电子证照 that replaces it.
#[utoipa::path(put, path = "/dictionary/materials/{code}", tag = "dictionary",
    summary = "Add a material to the catalog of materials, or change one",
    params(("code" = String, Path, description = "the material's code: a-z, 0-9, `.` and `-`, starting with a letter")),
    request_body = MaterialBody,
    responses(
        (status = 200, description = "the entry as stored", body = MaterialEntry),
        (status = 422, description = "`dictionary_entry_invalid`: a bad code or an empty name", body = ErrorBody),
    ))]
pub async fn put_material(
    State(app): State<AppState>,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<MaterialBody>,
) -> Result<Json<MaterialEntry>, ApiError> {
    check_key(&code)?;
    if body.name.trim().is_empty() {
        return Err(invalid(
            "材料名称不能为空".into(),
            "the name is empty".into(),
        ));
    }
    let entry = MaterialEntry {
        code,
        name: body.name.trim().to_owned(),
        paper: body.paper,
        elicense: body.elicense.filter(|e| !e.trim().is_empty()),
    };
    blocking(move || {
        app.catalog.put_dictionary_material(&entry)?;
        Ok(entry)
    })
    .await
    .map(Json)
}
