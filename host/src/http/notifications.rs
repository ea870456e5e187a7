//! `/outbox` and department webhooks: what was sent, and where department systems listen.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::blocking;
use super::error::ApiError;
use super::extract::{Caller, Json as JsonBody, Path, Query};
use crate::app::AppState;
use crate::auth::Need;
use crate::store::{CaseStore, Webhook, WebhookStore};
use crate::workflow::outbox::OutboxMessage;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentQuery {
    #[serde(default)]
    limit: Option<usize>,
}

/// GET /api/v1/outbox/sent — admin: the sent log (SMS and webhooks), newest first. With the
/// default SMS sink this is where operators read the SMS.
pub async fn sent(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<SentQuery>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    caller.need(Need::Admin)?;
    let limit = q.limit.unwrap_or(100).min(1_000);
    blocking(move || Ok(app.store.sent_messages(limit)?))
        .await
        .map(Json)
}

/// GET /api/v1/outbox/dead — admin: messages given up after their last attempt, oldest first,
/// each with its last error.
pub async fn dead(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<SentQuery>,
) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    caller.need(Need::Admin)?;
    let limit = q.limit.unwrap_or(100).min(1_000);
    blocking(move || Ok(app.store.dead_messages(limit)?))
        .await
        .map(Json)
}

/// POST /api/v1/outbox/dead/{id}/retry — admin: sends a dead letter again (once the receiver
/// is fixed), with its attempts counted afresh.
pub async fn retry(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<u64>,
) -> Result<Json<OutboxMessage>, ApiError> {
    caller.need(Need::Admin)?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    blocking(move || {
        app.store.revive_message(id, now_ms)?.ok_or_else(|| {
            ApiError::not_found(
                "unknown_dead_letter",
                format!("没有编号为 {id} 的投递失败消息"),
                format!("no dead letter {id}"),
            )
        })
    })
    .await
    .map(Json)
}

/// PUT /api/v1/departments/{code}/webhook — admin: where a department's system receives its
/// items (on distribution and every state change), signed with HMAC-SHA256.
pub async fn set_webhook(
    State(app): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(hook): JsonBody<WebhookBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller.need(Need::Admin)?;
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
        Ok(serde_json::json!({ "department": code, "saved": true }))
    })
    .await
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    url: String,
    secret: String,
}
