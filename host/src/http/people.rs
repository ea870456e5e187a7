//! `/people/{id_number}/export`: everything the platform holds about one person, as JSON for
//! the bureau to hand over (个人信息保护法第四十五条: the right to copy one's information).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::blocking;
use super::case_reads::{ReadEntry, read_entries};
use super::cases::actor;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Caller, Path};
use crate::app::AppState;
use crate::workflow::Case;
use crate::workflow::service::FullRead;

/// One of the person's cases, in full, with the record of who read it.
#[derive(Serialize, ToSchema)]
pub struct ExportedCase {
    case: Arc<Case>,
    reads: Vec<ReadEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonalDataExport {
    id_number: String,
    exported_at: String,
    /// 《中华人民共和国个人信息保护法》第四十五条.
    basis: &'static str,
    /// The cases the person applied for or acted in as agent, not yet anonymised.
    cases: Vec<ExportedCase>,
}

/// 18 characters: 17 digits and a digit or X.
fn is_id_number(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X')
}

/// GET /api/v1/people/{id_number}/export — the bureau: a person's data, found by the blind
/// index of their identity number; each case's export is recorded as a full read.
#[utoipa::path(get, path = "/people/{id_number}/export", tag = "people",
    summary = "Everything the platform holds about one person, as JSON for the bureau to hand over (个人信息保护法第四十五条); each case's export is recorded",
    params(("id_number" = String, Path, description = "the person's 公民身份号码", example = "410702199205050027")),
    responses(
        (status = 200, description = "the export", body = PersonalDataExport),
        (status = 422, description = "`invalid_id_number`", body = ErrorBody),
    ))]
pub async fn export(
    State(app): State<AppState>,
    caller: Caller,
    Path(id_number): Path<String>,
) -> Result<Json<PersonalDataExport>, ApiError> {
    if !is_id_number(&id_number) {
        return Err(ApiError::unprocessable(
            "invalid_id_number",
            "公民身份号码应为 18 位：17 位数字和 1 位数字或 X",
            "an identity number is 17 digits and a digit or X",
        ));
    }
    let principal = caller.0.clone();
    blocking(move || {
        let export = FullRead {
            purpose: "export",
            matter: None,
        };
        let mut cases = Vec::new();
        for id in app.workflow.store().cases_of_person(&id_number)? {
            let case = app.workflow.case(&id)?;
            if case.anonymised_at.is_some() {
                continue;
            }
            app.workflow
                .record_read(&actor(&principal), &case, Some(&export))?;
            let reads = read_entries(app.workflow.audit(&id)?.reads, true);
            cases.push(ExportedCase { case, reads });
        }
        Ok(PersonalDataExport {
            id_number,
            exported_at: app.clock.stamp(),
            basis: "《中华人民共和国个人信息保护法》第四十五条",
            cases,
        })
    })
    .await
    .map(Json)
}
