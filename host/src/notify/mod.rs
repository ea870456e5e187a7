//! Sends what the outbox holds: SMS to applicants (第十五条、第十七条) and webhooks to the
//! departments' systems (第十三条). Delivery is at least once; every message carries its outbox
//! id so a receiver can drop duplicates. Failures are retried with a doubling backoff, up to
//! [`DEFAULT_MAX_ATTEMPTS`] attempts; then the message is a dead letter, listed for
//! administrators (`GET /api/v1/outbox/dead`), who can send it again once the receiver is
//! fixed (`POST /api/v1/outbox/dead/{id}/retry`).
//!
//! No receiver can hold up the others or the host: every request has a connect timeout and a
//! total timeout ([`DeliveryTimeouts`]), and a pass delivers to each destination (the SMS
//! gateway, each department's system) in order but to different destinations at the same
//! time, so one that never answers costs the others nothing and a stop waits at most one
//! timeout for the pass in progress.

pub mod target;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::clock::Clock;
use crate::store::{OutboxStore, Webhook, WebhookStore};
use crate::workflow::outbox::{Message, OutboxMessage, backoff_ms};

/// Attempts before a message is given up: with the default backoff (1 s, doubling, at most
/// 10 minutes between attempts) that is about two and a half hours of trying.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 24;

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Where SMS go. The default writes nothing anywhere: delivered messages stay in the outbox's
/// sent log, which operators read through the API. A gateway plugs in here.
pub trait SmsSink: Send + Sync {
    fn send<'a>(&'a self, id: u64, to: &'a str, text: &'a str) -> SendFuture<'a>;
}

/// Delivers to the sent log only.
pub struct LogSink;

impl SmsSink for LogSink {
    fn send<'a>(&'a self, id: u64, to: &'a str, _text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(id, to = %crate::privacy::mask::mobile(to), "sms logged");
            Ok(())
        })
    }
}

/// How long one delivery may take.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryTimeouts {
    /// To establish the connection (TCP and, for HTTPS, TLS).
    pub connect: Duration,
    /// For the whole request, answer included.
    pub total: Duration,
}

impl Default for DeliveryTimeouts {
    fn default() -> DeliveryTimeouts {
        DeliveryTimeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(10),
        }
    }
}

/// Certificate authorities trusted for HTTPS deliveries besides the public ones built in: a
/// department's system inside the government network often has a certificate from the
/// department's own CA.
#[derive(Clone, Debug, Default)]
pub struct ExtraRoots(Vec<reqwest::Certificate>);

impl ExtraRoots {
    /// Every certificate in the PEM files at `paths`.
    pub fn load(paths: &[std::path::PathBuf]) -> Result<ExtraRoots, String> {
        let mut roots = Vec::new();
        for path in paths {
            let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("{}: no certificate in it", path.display()));
            }
            roots.extend(certs);
        }
        Ok(ExtraRoots(roots))
    }
}

impl DeliveryTimeouts {
    /// An HTTP(S) client that gives up on a receiver after these timeouts and trusts the
    /// public roots and `roots`.
    pub fn client(&self, roots: &ExtraRoots) -> reqwest::Client {
        self.builder(roots)
            .build()
            // Only a TLS backend that cannot start fails here; the default client has the
            // same backend and would fail the same way at its first request.
            .unwrap_or_default()
    }

    fn builder(&self, roots: &ExtraRoots) -> reqwest::ClientBuilder {
        let mut builder = reqwest::Client::builder();
        for root in &roots.0 {
            builder = builder.add_root_certificate(root.clone());
        }
        builder
            .connect_timeout(self.connect)
            .timeout(self.total)
            // A receiver's redirect could point anywhere, the platform's own network included.
            .redirect(reqwest::redirect::Policy::none())
    }

    /// The client for department webhooks: like [`DeliveryTimeouts::client`], and unless
    /// `allow_private`, host names resolve to public addresses only (`target.rs`).
    fn webhook_client(&self, roots: &ExtraRoots, allow_private: bool) -> reqwest::Client {
        let builder = self.builder(roots);
        let builder = if allow_private {
            builder
        } else {
            builder.dns_resolver(Arc::new(target::PublicOnly))
        };
        builder.build().unwrap_or_default()
    }
}

/// An HTTP SMS gateway: POSTs `{"id","to","text"}`, signed like the webhooks. Its client
/// should come from [`DeliveryTimeouts::client`].
pub struct HttpSmsGateway {
    pub url: String,
    pub secret: String,
    pub client: reqwest::Client,
}

impl SmsSink for HttpSmsGateway {
    fn send<'a>(&'a self, id: u64, to: &'a str, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let body = json!({ "id": id, "to": to, "text": text }).to_string();
            post_signed(&self.client, &self.url, &self.secret, id, body).await
        })
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
#[allow(clippy::expect_used)]
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    id: u64,
    body: String,
) -> Result<(), String> {
    let sig = signature(secret, body.as_bytes());
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-lianban-message-id", id.to_string())
        .header("x-lianban-signature", sig)
        .body(body)
        .send()
        .await
        .map_err(|e| with_causes(&e))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("receiver answered {}", response.status()))
    }
}

pub struct Outbox {
    messages: Arc<dyn OutboxStore>,
    webhooks: Arc<dyn WebhookStore>,
    sms: Arc<dyn SmsSink>,
    client: reqwest::Client,
    /// Webhooks may point at private, loopback and link-local addresses (`target.rs`).
    allow_private_webhooks: bool,
    clock: Arc<dyn Clock>,
    /// First retry delay; later ones double.
    pub base_backoff_ms: i64,
    /// Attempts after which a message becomes a dead letter.
    pub max_attempts: u32,
}

impl Outbox {
    pub fn new(
        messages: Arc<dyn OutboxStore>,
        webhooks: Arc<dyn WebhookStore>,
        sms: Arc<dyn SmsSink>,
        clock: Arc<dyn Clock>,
        timeouts: DeliveryTimeouts,
        roots: &ExtraRoots,
        allow_private_webhooks: bool,
    ) -> Outbox {
        Outbox {
            messages,
            webhooks,
            sms,
            client: timeouts.webhook_client(roots, allow_private_webhooks),
            allow_private_webhooks,
            clock,
            base_backoff_ms: 1_000,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Retry timing follows the real clock even when the business clock is fixed (tests,
    /// replays): a backoff is about the receiver, not about working days.
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    /// Delivers one message. `hooks` holds the webhooks this pass has already read, so a pass
    /// reads each department's setting once.
    async fn deliver(
        &self,
        m: &OutboxMessage,
        hooks: &mut HashMap<String, Option<Webhook>>,
    ) -> Result<(), String> {
        match &m.message {
            Message::Sms { to, text } => self.sms.send(m.id, to, text).await,
            Message::DutySms { department, text } => {
                let webhooks = self.webhooks.clone();
                let dept = department.clone();
                let phone = tokio::task::spawn_blocking(move || webhooks.duty_phone(&dept))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                // Without a duty phone the card still reaches the department's system and the
                // bureau's list; there is no one to text.
                let Some(phone) = phone else {
                    tracing::warn!(%department, "a card for a department without a duty phone");
                    return Ok(());
                };
                self.sms.send(m.id, &phone, text).await
            }
            Message::Webhook {
                department,
                case_id,
                matter,
                status,
            } => {
                let hook = match hooks.get(department) {
                    Some(hook) => hook.clone(),
                    None => {
                        let webhooks = self.webhooks.clone();
                        let dept = department.clone();
                        let hook = tokio::task::spawn_blocking(move || webhooks.webhook(&dept))
                            .await
                            .map_err(|e| e.to_string())?
                            .map_err(|e| e.to_string())?;
                        hooks.insert(department.clone(), hook.clone());
                        hook
                    }
                };
                // A department without a system reads its queue through the API instead.
                let Some(hook) = hook else { return Ok(()) };
                // Checked again here: the rule may have changed since the address was set.
                target::check(&hook.url, self.allow_private_webhooks)
                    .map_err(|e| format!("webhook address refused: {e}"))?;
                let body = json!({
                    "id": m.id,
                    "case_id": case_id,
                    "matter": matter,
                    "status": status,
                    "at": m.created_at,
                })
                .to_string();
                post_signed(&self.client, &hook.url, &hook.secret, m.id, body).await
            }
        }
    }

    /// Delivers the messages of one destination, one after the other.
    async fn deliver_in_order(&self, messages: Vec<OutboxMessage>) -> Vec<OutboxMessage> {
        let mut hooks = HashMap::new();
        let mut attempted = Vec::with_capacity(messages.len());
        for mut m in messages {
            let result = self.deliver(&m, &mut hooks).await;
            m.attempts += 1;
            match result {
                Ok(()) => {
                    m.delivered_at = Some(self.clock.stamp());
                    m.last_error = None;
                }
                Err(e) if m.attempts >= self.max_attempts => {
                    tracing::error!(id = m.id, error = %e, attempts = m.attempts, "delivery given up: dead letter");
                    m.dead_at = Some(self.clock.stamp());
                    m.last_error = Some(e);
                }
                Err(e) => {
                    tracing::warn!(id = m.id, error = %e, "delivery failed; will retry");
                    m.next_attempt_ms =
                        self.now_ms() + backoff_ms(self.base_backoff_ms, m.attempts);
                    m.last_error = Some(e);
                }
            }
            attempted.push(m);
        }
        attempted
    }

    /// One pass over the messages that are due; returns how many were attempted.
    ///
    /// The pass's outcomes are recorded together with one flush. Should the host stop between a
    /// delivery and that record, the message is sent again after the restart under the same
    /// id, which is what at-least-once delivery promises its receivers.
    pub async fn run_once(&self) -> usize {
        let now = self.now_ms();
        let messages = self.messages.clone();
        let due = match tokio::task::spawn_blocking(move || messages.due_messages(now, 64)).await {
            Ok(Ok(due)) => due,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "outbox unreadable");
                return 0;
            }
            Err(_) => return 0,
        };
        let count = due.len();
        if count == 0 {
            return 0;
        }
        // In order within a destination, destinations side by side.
        let mut by_destination: BTreeMap<String, Vec<OutboxMessage>> = BTreeMap::new();
        for m in due {
            by_destination.entry(destination(&m)).or_default().push(m);
        }
        let passes = by_destination
            .into_values()
            .map(|messages| self.deliver_in_order(messages));
        let attempted: Vec<OutboxMessage> = futures::future::join_all(passes)
            .await
            .into_iter()
            .flatten()
            .collect();
        let messages = self.messages.clone();
        if let Ok(Err(e)) =
            tokio::task::spawn_blocking(move || messages.messages_attempted(&attempted)).await
        {
            tracing::error!(error = %e, "could not record the delivery attempts");
        }
        count
    }

    /// Runs until the task is dropped.
    /// Delivers until `stop` turns true. A pass in progress finishes first: aborting it would
    /// leave its blocking store call running, still holding the database, after `serve` has
    /// returned.
    pub async fn run(
        self: Arc<Self>,
        every: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        while !*stop.borrow() {
            if self.run_once().await == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

/// An error with the errors that caused it: reqwest's own says only that sending failed, the
/// causes say why (refused, timed out, resolved to no public address).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Where a message goes: the SMS gateway, or one department's system.
fn destination(m: &OutboxMessage) -> String {
    match &m.message {
        Message::Sms { .. } | Message::DutySms { .. } => "sms".to_owned(),
        Message::Webhook { department, .. } => format!("webhook:{department}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
