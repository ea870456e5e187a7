//! A form as the browser posts it: URL-encoded, or `multipart/form-data` when it carries files
//! (a material's scans, a result document, a rules component). One reader for both, so a page
//! reads its text the same way whatever the encoding, and a file input added to a form does
//! not change how the rest of it is read.

use axum::Form;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::{Failure, problem};

/// The posted form: its text values in order, and its non-empty files by input name.
#[derive(Debug, Default)]
pub struct Posted {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<(String, Bytes)>,
}

impl Posted {
    /// The last value posted under `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first file posted under `name`.
    pub fn take_file(&mut self, name: &str) -> Option<Bytes> {
        let at = self.files.iter().position(|(k, _)| k == name)?;
        Some(self.files.remove(at).1)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        problem(None, &self)
    }
}

impl<S: Send + Sync> FromRequest<S> for Posted {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state)
                .await
                .map_err(|e| Failure::new(e.status().as_u16(), "bad_form", e.body_text()))?;
            return Ok(Posted {
                pairs,
                files: Vec::new(),
            });
        }
        let mut parts = Multipart::from_request(request, state)
            .await
            .map_err(|e| Failure::new(e.status().as_u16(), "bad_form", e.body_text()))?;
        let mut posted = Posted::default();
        while let Some(field) = parts
            .next_field()
            .await
            .map_err(|e| Failure::unreadable_upload(&e))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            // A file input the visitor left empty still sends a part, with no file name.
            if field.file_name().is_some() {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Failure::unreadable_upload(&e))?;
                if !bytes.is_empty() {
                    posted.files.push((name, bytes));
                }
            } else {
                let text = field
                    .text()
                    .await
                    .map_err(|e| Failure::unreadable_upload(&e))?;
                posted.pairs.push((name, text));
            }
        }
        Ok(posted)
    }
}
