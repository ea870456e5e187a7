//! A real OpenID provider for the sign-in tests (`tests/oidc`: `oidc-provider` from npm, run
//! with the machine's Node.js), and a browser that goes through it over HTTP the way a person
//! does: the redirects, the provider's login form, its consent form, the callback.

use std::process::Stdio;
use std::time::Duration;

use lianban::identity::config::{IdentityConfig, ProviderConfig, SessionSettings};
use reqwest::{StatusCode, header};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{TestHost, workspace_root};

/// A host whose people sign in through a fresh test provider with `people`; `edit` may change
/// the host's identity settings first (point the staff issuer at the hostile one, say). The
/// staff in `staff` go into the directory: `(login, name, roles)`.
pub async fn host_with_provider(
    people: &Value,
    staff: &[(&str, &str, &[&str])],
    edit: impl FnOnce(&mut IdentityConfig, &IdentityProvider),
) -> (TestHost, IdentityProvider) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = IdentityProvider::start(&base, people).await;
    let mut config = provider.config(&base);
    edit(&mut config, &provider);
    let host = TestHost::start_listening(listener, |c| c.identity = config).await;
    for (login, name, roles) in staff {
        let (s, b) = host
            .put(
                &format!("/api/v1/staff/{login}"),
                &host.tokens.admin,
                &serde_json::json!({ "name": name, "roles": roles }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    (host, provider)
}

/// The two issuers, staff and citizens, in one Node.js process; killed when dropped.
pub struct IdentityProvider {
    pub staff: String,
    pub citizens: String,
    /// An attacker's stand-in for a provider, handing out the ID token `forge` asks for.
    pub hostile: String,
    _child: tokio::process::Child,
    _people: tempfile::NamedTempFile,
}

impl IdentityProvider {
    /// Starts the provider for a host reached at `host_base`, with `people`:
    /// `{"staff": {"<login>": {"name"}}, "citizens": {"<login>": {"name", "id_number"}}}`.
    pub async fn start(host_base: &str, people: &Value) -> IdentityProvider {
        let dir = workspace_root().join("tests/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the test identity provider is not installed: run `cargo xtask test`"
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), people.to_string()).unwrap();
        let mut child = tokio::process::Command::new("node")
            .arg(dir.join("provider.mjs"))
            .arg(host_base)
            .arg(file.path())
            .stdout(Stdio::piped())
            // Its log (notices, back-channel deliveries) when asked for, for a failing test.
            .stderr(if std::env::var_os("LIANBAN_PROVIDER_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true)
            .spawn()
            .expect("node");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let issuers = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(json) = line.strip_prefix("LIANBAN_ISSUERS ") {
                    return serde_json::from_str::<Value>(json).unwrap();
                }
            }
            panic!("the identity provider stopped before it listened");
        })
        .await
        .expect("the identity provider did not start within 30 s");
        // The provider's notices keep coming on stdout; read them so its pipe never fills.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        IdentityProvider {
            staff: issuers["staff"].as_str().unwrap().to_owned(),
            citizens: issuers["citizens"].as_str().unwrap().to_owned(),
            hostile: issuers["hostile"].as_str().unwrap().to_owned(),
            _child: child,
            _people: file,
        }
    }

    /// What the hostile issuer's token endpoint hands out next: `good`, `forged` (signed with
    /// a key it never published), `expired` (at `now`, the host's clock), `wrong_audience`,
    /// `wrong_issuer`, `alg_none`, `hs256`, `wrong_nonce`.
    pub async fn forge(&self, mode: &str, now: chrono::DateTime<chrono::Utc>) {
        let response = reqwest::Client::new()
            .post(format!("{}/__mode", self.hostile))
            .json(&serde_json::json!({ "mode": mode, "now": now.timestamp() }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// A logout token for every session of `wang` at `issuer`, signed with a key the hostile
    /// issuer never published (under the `kid` of one it did).
    pub async fn forged_logout_token(&self, issuer: &str) -> String {
        reqwest::Client::new()
            .get(format!("{}/__logout_token", self.hostile))
            .query(&[("iss", issuer)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The host's configuration for this provider, the host reached at `host_base`.
    pub fn config(&self, host_base: &str) -> IdentityConfig {
        IdentityConfig {
            public_url: host_base.to_owned(),
            staff: Some(ProviderConfig {
                issuer: self.staff.clone(),
                client_id: "lianban".into(),
                client_secret: Some("lianban-staff-secret".into()),
                id_number_claim: None,
                scopes: vec!["profile".into()],
            }),
            citizens: Some(ProviderConfig {
                issuer: self.citizens.clone(),
                client_id: "lianban".into(),
                client_secret: Some("lianban-citizens-secret".into()),
                id_number_claim: Some("id_number".into()),
                scopes: vec!["profile".into(), "idcard".into()],
            }),
            sessions: SessionSettings {
                secure_cookies: false,
                ..SessionSettings::default()
            },
        }
    }
}

/// Where a walk through the provider ended.
#[derive(Debug)]
pub enum Landing {
    /// Back on the host, sent to this path (a sign-in's return address).
    Redirected(String),
    /// The host (or the provider) answered without sending the browser on.
    Answered(StatusCode, String),
}

/// A browser: keeps cookies, follows redirects one by one, fills the forms it is shown.
pub struct Browser {
    pub client: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    /// A browser signed in as `login` through `issuer` (`staff` or `citizens`), with the
    /// session's CSRF token.
    pub async fn signed_in(host: &TestHost, issuer: &str, login: &str) -> (Browser, String) {
        let browser = Browser::new();
        let url = host.url(&format!("/api/v1/auth/{issuer}/login"));
        let landing = browser.walk(&url, &host.base, login).await;
        assert!(
            matches!(landing, Landing::Redirected(_)),
            "{login}: {landing:?}"
        );
        let session: Value = browser
            .client
            .get(host.url("/api/v1/session"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let csrf = session["csrf_token"].as_str().unwrap().to_owned();
        (browser, csrf)
    }

    pub fn new() -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Goes to `url` and on, through redirects and forms (filling any login form as `login`),
    /// until an answer that is neither: a redirect to a path of `host_base` other than its
    /// sign-in routes ends the walk there.
    pub async fn walk(&self, url: &str, host_base: &str, login: &str) -> Landing {
        let mut next = Request::Get(url.to_owned());
        for _ in 0..20 {
            let response = match &next {
                Request::Get(url) => self.client.get(url).send().await.unwrap(),
                Request::Post(url, form) => self.client.post(url).form(form).send().await.unwrap(),
            };
            let here = response.url().clone();
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()[header::LOCATION].to_str().unwrap();
                let target = here.join(location).unwrap().to_string();
                if let Some(path) = target.strip_prefix(host_base)
                    && !path.starts_with("/api/v1/auth/")
                {
                    return Landing::Redirected(path.to_owned());
                }
                next = Request::Get(target);
                continue;
            }
            let body = response.text().await.unwrap();
            let Some(mut form) = first_form(&body) else {
                return Landing::Answered(status, body);
            };
            for (name, value) in &mut form.fields {
                match name.as_str() {
                    "login" => *value = login.to_owned(),
                    "password" => *value = "任意密码".into(),
                    _ => {}
                }
            }
            // The provider's sign-out page confirms with a button outside the form.
            if body.contains("name=\"logout\"") {
                form.fields.push(("logout".into(), "yes".into()));
            }
            let action = here.join(&form.action).unwrap().to_string();
            next = Request::Post(action, form.fields);
        }
        panic!("more than 20 steps from {url}");
    }
}

enum Request {
    Get(String),
    Post(String, Vec<(String, String)>),
}

struct Form {
    action: String,
    fields: Vec<(String, String)>,
}

/// The first `<form>` of a page with its inputs: enough HTML for the provider's pages.
fn first_form(html: &str) -> Option<Form> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form = &html[start..end];
    let tag_end = form.find('>')?;
    let action = attribute(&form[..tag_end], "action").unwrap_or_default();
    let fields = form
        .match_indices("<input")
        .filter_map(|(i, _)| {
            let tag = &form[i..i + form[i..].find('>')?];
            Some((
                attribute(tag, "name")?,
                attribute(tag, "value").unwrap_or_default(),
            ))
        })
        .collect();
    Some(Form { action, fields })
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(tag[at..at + len].replace("&amp;", "&"))
}
