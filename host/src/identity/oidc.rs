//! OpenID Connect, authorization code flow with PKCE (the `openidconnect` crate does the
//! protocol). The provider's metadata and keys are discovered on first use and again when an
//! answer is signed with a key the host has not seen (the provider rotated its keys), so a
//! provider that is down when the host starts does not stop the host.
//!
//! What is checked of an ID token: the signature with the provider's keys, by one of the
//! configured algorithms only (never `none`, never a shared-secret MAC); the issuer; the
//! audience (this client); the expiry against the host's clock; the nonce of this sign-in;
//! and the access token's hash when the token carries one.

use std::collections::HashMap;
use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdToken, IdTokenFields, IdTokenVerifier, IssuerUrl, JsonWebTokenType, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout,
    RedirectUrl, Scope, SignatureVerificationError, StandardErrorResponse, StandardTokenResponse,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use super::protocol::{
    Callback, LoggedOut, Pending, ProtocolError, SignInProtocol, Started, VerifiedPerson,
};
use crate::clock::Clock;

/// Claims beyond the standard ones, kept whole: which one carries the identity number is
/// configuration.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct Extra(HashMap<String, serde_json::Value>);

impl AdditionalClaims for Extra {}

type Fields = IdTokenFields<
    Extra,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Token =
    IdToken<Extra, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type Client = openidconnect::Client<
    Extra,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<Fields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The event a back-channel logout token must carry (OpenID Connect Back-Channel Logout 1.0).
const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// One OpenID provider as the host uses it.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// The host's callback for this provider.
    pub redirect_uri: String,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The claim carrying the 公民身份号码, if this provider vouches for one.
    pub id_number_claim: Option<String>,
    /// Signature algorithms accepted for ID and logout tokens.
    pub algorithms: Vec<CoreJwsSigningAlgorithm>,
}

pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    client: RwLock<Option<Arc<Client>>>,
}

impl Oidc {
    pub fn new(settings: OidcSettings, clock: Arc<dyn Clock>) -> Result<Oidc, ProtocolError> {
        // Redirects are not followed: a provider answering with one could point the host at
        // any address (SSRF); a real provider does not redirect its back-end endpoints.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| ProtocolError::Unavailable(e.to_string()))?;
        Ok(Oidc {
            settings,
            http,
            clock,
            client: RwLock::new(None),
        })
    }

    /// The client built from the provider's metadata; discovered now if `fresh` or not yet.
    async fn client(&self, fresh: bool) -> Result<Arc<Client>, ProtocolError> {
        if !fresh && let Some(client) = self.client.read().await.as_ref() {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| ProtocolError::Unavailable(format!("issuer URL: {e}")))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| ProtocolError::Unavailable(format!("discovery: {e}")))?;
        let redirect = RedirectUrl::new(self.settings.redirect_uri.clone())
            .map_err(|e| ProtocolError::Unavailable(format!("redirect URL: {e}")))?;
        let client = Arc::new(
            Client::from_provider_metadata(
                metadata,
                ClientId::new(self.settings.client_id.clone()),
                self.settings.client_secret.clone().map(ClientSecret::new),
            )
            .set_redirect_uri(redirect),
        );
        *self.client.write().await = Some(client.clone());
        Ok(client)
    }

    fn verifier<'a>(&self, client: &'a Client) -> IdTokenVerifier<'a, CoreJsonWebKey> {
        let clock = self.clock.clone();
        client
            .id_token_verifier()
            .set_allowed_algs(self.settings.algorithms.clone())
            .set_time_fn(move || clock.now())
    }

    /// Verifies `token` with the current keys, and once more with freshly fetched keys when
    /// none of the current ones matches (the provider rotated them).
    async fn verified<T>(
        &self,
        check: impl Fn(
            &Client,
            IdTokenVerifier<'_, CoreJsonWebKey>,
        ) -> Result<T, ClaimsVerificationError>,
    ) -> Result<T, ProtocolError> {
        let client = self.client(false).await?;
        match check(&client, self.verifier(&client)) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                let client = self.client(true).await?;
                check(&client, self.verifier(&client)).map_err(invalid)
            }
            other => other.map_err(invalid),
        }
    }

    fn person(
        &self,
        claims: &openidconnect::IdTokenClaims<Extra, CoreGenderClaim>,
    ) -> VerifiedPerson {
        let extra = &claims.additional_claims().0;
        let text = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        VerifiedPerson {
            subject: claims.subject().to_string(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
            id_number: self.settings.id_number_claim.as_deref().and_then(text),
            provider_session: text("sid"),
        }
    }
}

fn invalid(e: ClaimsVerificationError) -> ProtocolError {
    ProtocolError::Invalid(e.to_string())
}

impl SignInProtocol for Oidc {
    fn start(&self) -> Pending<'_, Result<Started, ProtocolError>> {
        Box::pin(async move {
            let client = self.client(false).await?;
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            let mut request = client.authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            );
            for scope in &self.settings.scopes {
                request = request.add_scope(Scope::new(scope.clone()));
            }
            let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
            Ok(Started {
                redirect: url.to_string(),
                state: state.secret().clone(),
                carry: vec![
                    ("nonce".into(), nonce.secret().clone()),
                    ("pkce".into(), verifier.secret().clone()),
                ],
            })
        })
    }

    fn finish<'a>(
        &'a self,
        started: &'a Started,
        callback: &'a Callback,
    ) -> Pending<'a, Result<VerifiedPerson, ProtocolError>> {
        Box::pin(async move {
            if let Some(error) = &callback.error {
                let detail = callback.error_description.as_deref().unwrap_or("");
                return Err(ProtocolError::Refused(
                    format!("{error} {detail}").trim().to_owned(),
                ));
            }
            // RFC 9207: an answer naming another issuer is a mix-up, whatever it carries.
            if let Some(iss) = &callback.iss
                && iss.trim_end_matches('/') != self.settings.issuer.trim_end_matches('/')
            {
                return Err(ProtocolError::Invalid(format!("answer from issuer {iss}")));
            }
            let code = callback
                .code
                .clone()
                .ok_or_else(|| ProtocolError::Invalid("no authorization code".into()))?;
            let (Some(nonce), Some(pkce)) = (started.carried("nonce"), started.carried("pkce"))
            else {
                return Err(ProtocolError::Invalid("sign-in state incomplete".into()));
            };
            let client = self.client(false).await?;
            let response = client
                .exchange_code(AuthorizationCode::new(code))
                .map_err(|e| ProtocolError::Unavailable(format!("token endpoint: {e}")))?
                .set_pkce_verifier(PkceCodeVerifier::new(pkce.to_owned()))
                .request_async(&self.http)
                .await
                .map_err(|e| ProtocolError::Invalid(format!("code exchange: {e}")))?;
            let token = response
                .id_token()
                .ok_or_else(|| ProtocolError::Invalid("no ID token".into()))?;
            let nonce = Nonce::new(nonce.to_owned());
            let claims = self
                .verified(|_, verifier| {
                    let claims = token.claims(&verifier, &nonce)?.clone();
                    if let Some(expected) = claims.access_token_hash() {
                        let alg = token
                            .signing_alg()
                            .map_err(ClaimsVerificationError::SignatureVerification)?;
                        let key = token
                            .signing_key(&verifier)
                            .map_err(ClaimsVerificationError::SignatureVerification)?;
                        let actual = AccessTokenHash::from_token(response.access_token(), alg, key)
                            .map_err(|e| ClaimsVerificationError::Other(e.to_string()))?;
                        if actual != *expected {
                            return Err(ClaimsVerificationError::Other(
                                "the access token does not match its hash".into(),
                            ));
                        }
                    }
                    Ok(claims)
                })
                .await?;
            Ok(self.person(&claims))
        })
    }

    fn logout<'a>(&'a self, message: &'a str) -> Pending<'a, Result<LoggedOut, ProtocolError>> {
        Box::pin(async move {
            let token: Token =
                serde_json::from_value(serde_json::Value::String(message.to_owned()))
                    .map_err(|e| ProtocolError::Invalid(format!("logout token: {e}")))?;
            let logout_type = JsonWebTokenType::new("logout+jwt".into())
                .normalize()
                .map_err(|e| ProtocolError::Invalid(e.to_string()))?;
            let claims = self
                .verified(|_, verifier| {
                    let verifier = verifier.set_allowed_jose_types([logout_type.clone()]);
                    // A logout token must not carry a nonce (Back-Channel Logout 1.0 §2.4).
                    let claims = token
                        .claims(&verifier, |nonce: Option<&Nonce>| match nonce {
                            None => Ok(()),
                            Some(_) => Err("a logout token carries no nonce".to_owned()),
                        })?
                        .clone();
                    Ok(claims)
                })
                .await?;
            let extra = &claims.additional_claims().0;
            if extra
                .get("events")
                .and_then(|e| e.get(LOGOUT_EVENT))
                .is_none_or(|e| !e.is_object())
            {
                return Err(ProtocolError::Invalid(
                    "not a back-channel logout event".into(),
                ));
            }
            Ok(LoggedOut {
                subject: Some(claims.subject().to_string()),
                provider_session: extra.get("sid").and_then(|v| v.as_str()).map(str::to_owned),
            })
        })
    }
}
