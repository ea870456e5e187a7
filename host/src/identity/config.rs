//! How a deployment points the host at its identity providers.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use openidconnect::core::CoreJwsSigningAlgorithm;

use super::Identity;
use super::model::Issuer;
use super::oidc::{Oidc, OidcSettings};
use super::protocol::{ProtocolError, SignInProtocol};
use crate::clock::Clock;
use crate::store::IdentityStore;

/// Session lifetimes (等保: a session ends after a time without use, and in any case).
#[derive(Clone, Debug)]
pub struct SessionSettings {
    pub idle: Duration,
    pub absolute: Duration,
    /// Cookies are marked `Secure` (sent over HTTPS only). Off only for a host reached over
    /// plain HTTP on the loopback address (tests, the demo).
    pub secure_cookies: bool,
}

impl Default for SessionSettings {
    fn default() -> SessionSettings {
        SessionSettings {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
            secure_cookies: true,
        }
    }
}

/// One OpenID provider.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// The claim of the ID token carrying the 公民身份号码 (citizens' provider).
    pub id_number_claim: Option<String>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct IdentityConfig {
    /// The host's address as browsers reach it (`https://zwfw.example.gov.cn`): the callbacks
    /// are registered with the providers under it.
    pub public_url: String,
    pub staff: Option<ProviderConfig>,
    pub citizens: Option<ProviderConfig>,
    pub sessions: SessionSettings,
}

impl IdentityConfig {
    /// The callback registered with `issuer`'s provider.
    pub fn redirect_uri(&self, issuer: Issuer) -> String {
        format!(
            "{}/api/v1/auth/{}/callback",
            self.public_url.trim_end_matches('/'),
            issuer.as_str()
        )
    }

    pub fn build(
        &self,
        store: Arc<dyn IdentityStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Identity, ProtocolError> {
        let mut issuers: HashMap<Issuer, Arc<dyn SignInProtocol>> = HashMap::new();
        for (issuer, provider) in [
            (Issuer::Staff, &self.staff),
            (Issuer::Citizens, &self.citizens),
        ] {
            let Some(p) = provider else { continue };
            let oidc = Oidc::new(
                OidcSettings {
                    issuer: p.issuer.clone(),
                    client_id: p.client_id.clone(),
                    client_secret: p.client_secret.clone(),
                    redirect_uri: self.redirect_uri(issuer),
                    scopes: p.scopes.clone(),
                    id_number_claim: p.id_number_claim.clone(),
                    algorithms: vec![
                        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                        CoreJwsSigningAlgorithm::RsaSsaPssSha256,
                        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                    ],
                },
                clock.clone(),
            )?;
            issuers.insert(issuer, Arc::new(oidc));
        }
        Ok(Identity::new(issuers, store, clock, self.sessions.clone()))
    }
}
