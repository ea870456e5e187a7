//! The sign-in protocol behind a small trait. OpenID Connect (`oidc.rs`) is the one built; a
//! provincial platform's ticket-exchange single sign-on (redirect with a service URL, a ticket
//! back, the ticket validated server to server) maps onto the same three steps: `start` builds
//! the redirect, `finish` turns what came back into a verified person, `logout` reads the
//! provider's message that a person signed out everywhere.

use std::future::Future;
use std::pin::Pin;

/// A future a protocol returns; boxed so the trait can be used as `dyn`.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A sign-in on its way to the provider.
#[derive(Clone, Debug)]
pub struct Started {
    /// Where to send the browser.
    pub redirect: String,
    /// The value that must come back unchanged (OIDC `state`), binding the answer to this start.
    pub state: String,
    /// What only the protocol needs to finish (nonce, PKCE verifier), kept on the host.
    pub carry: Vec<(String, String)>,
}

impl Started {
    pub fn carried(&self, key: &str) -> Option<&str> {
        self.carry
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the provider sent back to the callback.
#[derive(Clone, Debug, Default)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// RFC 9207: the issuer that answered, so an answer from another provider is refused.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A person as the provider vouches for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedPerson {
    /// Stable identifier at the provider (`sub`).
    pub subject: String,
    pub name: Option<String>,
    /// 公民身份号码, from the claim the issuer is configured to carry it in.
    pub id_number: Option<String>,
    /// The provider's session (`sid`), which its logout messages name.
    pub provider_session: Option<String>,
}

/// Whom a provider's logout message signs out: its session, or every session of a subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedOut {
    pub subject: Option<String>,
    pub provider_session: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The provider could not be reached or answered nonsense (its fault or the network's).
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider said no (the person cancelled, consent refused …).
    #[error("the identity provider refused: {0}")]
    Refused(String),
    /// What came back does not verify: forged, expired, meant for another client or issuer.
    #[error("the identity provider's answer does not verify: {0}")]
    Invalid(String),
}

pub trait SignInProtocol: Send + Sync {
    fn start(&self) -> Pending<'_, Result<Started, ProtocolError>>;

    fn finish<'a>(
        &'a self,
        started: &'a Started,
        callback: &'a Callback,
    ) -> Pending<'a, Result<VerifiedPerson, ProtocolError>>;

    /// Reads a back-channel logout message.
    fn logout<'a>(&'a self, message: &'a str) -> Pending<'a, Result<LoggedOut, ProtocolError>>;
}
