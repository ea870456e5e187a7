//! What the identity service keeps: sessions, the staff directory, the sign-in log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;

/// Which identity provider: the government's staff identity service (统一身份认证), or the
/// citizens' account (政务服务网 / 豫事办).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Issuer {
    Staff,
    Citizens,
}

impl Issuer {
    pub fn parse(s: &str) -> Option<Issuer> {
        match s {
            "staff" => Some(Issuer::Staff),
            "citizens" => Some(Issuer::Citizens),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Issuer::Staff => "staff",
            Issuer::Citizens => "citizens",
        }
    }
}

/// A signed-in person's session, kept on the host; the browser holds only a random cookie
/// whose SHA-256 is the session's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// A public handle for logs and the audit trail (never the cookie).
    pub id: String,
    pub issuer: Issuer,
    pub subject: String,
    /// The provider's own session (`sid`), which its back-channel logout names.
    pub provider_session: Option<String>,
    pub name: String,
    /// 公民身份号码 as the citizens' provider vouched for it.
    pub id_number: Option<String>,
    /// Sent back in `X-CSRF-Token` with every write made with the cookie.
    pub csrf: String,
    /// The role the person acts in now, one of those the directory gives them.
    pub active_role: Option<Role>,
    pub created_at: DateTime<Utc>,
    /// The absolute end, however active the session is.
    pub expires_at: DateTime<Utc>,
}

/// A member of staff as the bureau's directory lists them: the person the staff provider
/// names by `subject`, and the roles they may act in (one person may hold several: a clerk
/// who also handles a department's items, say).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffMember {
    /// The staff provider's `sub` for this person.
    pub subject: String,
    pub name: String,
    #[schema(value_type = Vec<String>, example = json!(["clerk", "department:public-security"]))]
    pub roles: Vec<Role>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// One line of the sign-in log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignInEvent {
    pub at: DateTime<Utc>,
    pub issuer: Issuer,
    /// Who, when the provider said so.
    pub subject: Option<String>,
    pub outcome: SignInOutcome,
    /// Why it failed, for the bureau.
    pub reason: Option<String>,
    /// The client's address as the host saw it.
    pub client: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInOutcome {
    SignedIn,
    Failed,
    /// Signed in at the provider, but not in the staff directory.
    NotInDirectory,
    RateLimited,
    SignedOut,
    /// Ended by the provider's back-channel logout.
    LoggedOutByProvider,
}
