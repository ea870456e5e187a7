//! `serve` flags that point the host at its identity providers (see the README, "Signing in").

use std::path::PathBuf;

use clap::Args;
use lianban::Config;
use lianban::identity::config::ProviderConfig;

#[derive(Args, Clone, Debug, Default)]
pub struct IdentityArgs {
    /// The host's address as browsers reach it, e.g. https://zwfw.example.gov.cn; the
    /// providers redirect back to <URL>/api/v1/auth/{staff|citizens}/callback.
    #[arg(long)]
    pub public_url: Option<String>,
    /// The staff identity provider's issuer (统一身份认证), an OpenID Connect issuer URL.
    #[arg(long)]
    pub staff_issuer: Option<String>,
    #[arg(long, default_value = "lianban")]
    pub staff_client_id: String,
    /// A file holding the client secret the staff provider issued to the host.
    #[arg(long)]
    pub staff_client_secret_file: Option<PathBuf>,
    /// The citizens' identity provider's issuer (政务服务网 account).
    #[arg(long)]
    pub citizens_issuer: Option<String>,
    #[arg(long, default_value = "lianban")]
    pub citizens_client_id: String,
    #[arg(long)]
    pub citizens_client_secret_file: Option<PathBuf>,
    /// The ID token claim carrying the 公民身份号码.
    #[arg(long, default_value = "id_number")]
    pub citizens_id_number_claim: String,
    /// Minutes without use after which a session ends.
    #[arg(long, default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after which a session ends however active.
    #[arg(long, default_value_t = 12)]
    pub session_hours: i64,
}

fn secret(file: &Option<PathBuf>) -> Result<Option<String>, String> {
    file.as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|s| s.trim().to_owned())
                .map_err(|e| format!("{}: {e}", path.display()))
        })
        .transpose()
}

impl IdentityArgs {
    /// Writes the identity settings into `config`.
    pub fn apply(&self, config: &mut Config) -> Result<(), String> {
        let wanted = self.staff_issuer.is_some() || self.citizens_issuer.is_some();
        let identity = &mut config.identity;
        identity.sessions.idle =
            chrono::Duration::minutes(self.session_idle_minutes.clamp(1, 24 * 60));
        identity.sessions.absolute = chrono::Duration::hours(self.session_hours.clamp(1, 24 * 7));
        if !wanted {
            return Ok(());
        }
        let public_url = self
            .public_url
            .clone()
            .ok_or("--public-url is needed with an identity provider")?;
        let loopback = public_url.starts_with("http://127.0.0.1")
            || public_url.starts_with("http://localhost")
            || public_url.starts_with("http://[::1]");
        if !public_url.starts_with("https://") && !loopback {
            return Err(
                "--public-url must be https:// (plain http only on the loopback address)".into(),
            );
        }
        identity.sessions.secure_cookies = !loopback;
        identity.public_url = public_url;
        identity.staff = self
            .staff_issuer
            .clone()
            .map(|issuer| {
                Ok::<_, String>(ProviderConfig {
                    issuer,
                    client_id: self.staff_client_id.clone(),
                    client_secret: secret(&self.staff_client_secret_file)?,
                    id_number_claim: None,
                    scopes: vec!["profile".into()],
                })
            })
            .transpose()?;
        identity.citizens = self
            .citizens_issuer
            .clone()
            .map(|issuer| {
                Ok::<_, String>(ProviderConfig {
                    issuer,
                    client_id: self.citizens_client_id.clone(),
                    client_secret: secret(&self.citizens_client_secret_file)?,
                    id_number_claim: Some(self.citizens_id_number_claim.clone()),
                    scopes: vec!["profile".into(), "idcard".into()],
                })
            })
            .transpose()?;
        Ok(())
    }
}
