//! Callers the tests stand in for: tokens issued straight through the host's state, and the
//! online service acting for a person.

use lianban::AppState;
use lianban::auth::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::TestHost;

/// The 政务服务网 system calling for one signed-in person.
pub struct OnlineService<'a> {
    host: &'a TestHost,
    pub token: String,
    pub person: String,
}

impl OnlineService<'_> {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.host
            .client
            .request(method, self.host.url(path))
            .bearer_auth(&self.token)
            .header("X-On-Behalf-Of", &self.person)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.host
            .send(self.request(reqwest::Method::GET, path))
            .await
    }

    /// The raw answer: a file, with its content type.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        crate::send_for_bytes(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.host
            .send(self.request(reqwest::Method::POST, path).json(body))
            .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.host
            .send(self.request(reqwest::Method::PUT, path).json(body))
            .await
    }
}

/// The applicant of [`intake`]'s application, 李芳.
pub const APPLICANT_ID: &str = "410702199205050027";

/// A machine token issued straight through the host's state (as `lianban token create` does),
/// living the default 90 days from the test clock's day.
pub fn issue_token(state: &AppState, name: &str, role: Role) -> String {
    state
        .auth
        .issue(
            lianban::auth::tokens::NewToken {
                name: name.into(),
                role,
                lifetime_days: lianban::auth::tokens::DEFAULT_LIFETIME_DAYS,
                created_by: "test".into(),
            },
            state.clock.now(),
        )
        .unwrap()
        .secret
}

impl TestHost {
    /// The online service acting for the person with identity number `person`: its token, and
    /// `X-On-Behalf-Of` on every request.
    pub fn online_service(&self, person: &str) -> OnlineService<'_> {
        OnlineService {
            host: self,
            token: self.applicant_token(),
            person: person.to_owned(),
        }
    }

    /// The demo platform's electronic certificates, put through the bureau's API.
    pub async fn put_demo_certificates(&self) {
        for c in lianban::elicense::demo_certificates() {
            let value = serde_json::to_value(&c).unwrap();
            let (status, body) = self
                .put("/api/v1/elicenses", &self.tokens.admin, &value)
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }

    /// A token of the online service (政务服务网 / 豫事办).
    pub fn applicant_token(&self) -> String {
        issue_token(&self.state, "豫事办", Role::OnlineService)
    }
}
