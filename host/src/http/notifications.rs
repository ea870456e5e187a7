//! `/outbox` and department webhooks: what was sent, and where department systems listen.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::blocking;
use super::contract::ErrorBody;
use super::error::ApiError;
use super::extract::{Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::store::{OutboxStore, Webhook, WebhookStore};
use crate::workflow::outbox::OutboxMessage;
use crate::workflow::personal;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SentQuery {
    /// At most this many (default 100, at most 1,000).
    #[serde(default)]
    #[param(maximum = 1000)]
    limit: Option<usize>,
}

/// GET /api/v1/outbox/sent — admin: the sent log (SMS and webhooks), newest first. With the
/// default SMS sink this is where operators read the SMS; numbers are masked.
#[utoipa::path(get, path = "/outbox/sent", tag = "outbox",
    summary = "The sent log: SMS and webhooks delivered, newest first",
    params(SentQuery),
    responses((status = 200, description = "delivered messages", body = Vec<OutboxMessage>)))]
pub async fn sent(
    State(app): State<AppState>,
    Query(q): Query<SentQuery>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let limit = q.limit.unwrap_or(100).min(1_000);
    blocking(move || {
        let messages = app.store.sent_messages(limit)?;
        Ok(messages.iter().map(personal::masked_message).collect())
    })
    .await
    .map(Json)
}

/// GET /api/v1/outbox/dead — admin: messages given up after their last attempt, oldest first,
/// each with its last error.
#[utoipa::path(get, path = "/outbox/dead", tag = "outbox",
    summary = "Dead letters: messages given up after their last attempt, oldest first",
    params(SentQuery),
    responses((status = 200, description = "dead letters, each with its last error", body = Vec<OutboxMessage>)))]
pub async fn dead(
    State(app): State<AppState>,
    Query(q): Query<SentQuery>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let limit = q.limit.unwrap_or(100).min(1_000);
    blocking(move || {
        let messages = app.store.dead_messages(limit)?;
        Ok(messages.iter().map(personal::masked_message).collect())
    })
    .await
    .map(Json)
}

/// POST /api/v1/outbox/dead/{id}/retry — admin: sends a dead letter again (once the receiver
/// is fixed), with its attempts counted afresh.
#[utoipa::path(post, path = "/outbox/dead/{id}/retry", tag = "outbox",
    summary = "Send a dead letter again, its attempts counted afresh",
    params(("id" = u64, Path, description = "the message's id")),
    responses(
        (status = 200, description = "the message, back in the outbox and due at once", body = OutboxMessage),
        (status = 404, description = "`unknown_dead_letter`", body = ErrorBody),
    ))]
pub async fn retry(
    State(app): State<AppState>,
    Path(id): Path<u64>,
) -> Result<Json<OutboxMessage>, ApiError> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    blocking(move || {
        let revived = app.store.revive_message(id, now_ms)?.ok_or_else(|| {
            ApiError::not_found(
                "unknown_dead_letter",
                format!("没有编号为 {id} 的投递失败消息"),
                format!("no dead letter {id}"),
            )
        })?;
        Ok(personal::masked_message(&revived))
    })
    .await
    .map(Json)
}

/// PUT /api/v1/departments/{code}/webhook — admin: where a department's system receives its
/// items (on distribution and every state change), signed with HMAC-SHA256.
#[utoipa::path(put, path = "/departments/{code}/webhook", tag = "outbox",
    summary = "Where a department's system hears about its items, signed with HMAC-SHA256",
    params(("code" = String, Path, description = "the department's code")),
    request_body = WebhookBody,
    responses(
        (status = 200, description = "saved", body = WebhookSaved),
        (status = 404, description = "`unknown_department`", body = ErrorBody),
        (status = 422, description = "`invalid_webhook`: not an https:// or http:// URL, or a secret under 16 characters; `webhook_target_not_allowed`: a loopback, private or link-local address the platform does not allow", body = ErrorBody),
    ))]
pub async fn set_webhook(
    State(app): State<AppState>,
    Path(code): Path<String>,
    JsonBody(hook): JsonBody<WebhookBody>,
) -> Result<Json<WebhookSaved>, ApiError> {
    if !(hook.url.starts_with("https://") || hook.url.starts_with("http://"))
        || hook.url.len() > 2_000
    {
        return Err(ApiError::unprocessable(
            "invalid_webhook",
            "回调地址应为 https:// 或 http:// 开头的网址，不超过 2000 个字符",
            "the webhook URL must start with https:// or http:// and be at most 2,000 characters",
        ));
    }
    if let Err(why) = crate::notify::target::check(&hook.url, app.config.allow_private_webhooks) {
        return Err(ApiError::unprocessable(
            "webhook_target_not_allowed",
            format!("回调地址不允许：{why}；只能指向公网地址，除非平台配置允许内网地址"),
            format!(
                "the webhook address is not allowed: {why}; only public addresses are, unless the platform allows private ones"
            ),
        ));
    }
    if hook.secret.len() < 16 {
        return Err(ApiError::unprocessable(
            "invalid_webhook",
            "签名密钥至少 16 个字符",
            "the signing secret needs at least 16 characters",
        ));
    }
    blocking(move || {
        let known = app.catalog.departments()?.contains_key(&code);
        if !known {
            return Err(ApiError::not_found(
                "unknown_department",
                format!("没有部门“{code}”"),
                format!("no department {code}"),
            ));
        }
        app.store.put_webhook(
            &code,
            &Webhook {
                url: hook.url,
                secret: hook.secret,
            },
        )?;
        Ok(WebhookSaved {
            department: code,
            saved: true,
        })
    })
    .await
    .map(Json)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// `https://` or `http://`, at most 2,000 characters.
    url: String,
    /// The key of the signature over each body, at least 16 characters.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookSaved {
    department: String,
    saved: bool,
}
