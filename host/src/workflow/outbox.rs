//! Messages that must leave the platform — SMS to applicants, webhooks to department systems —
//! written to the outbox in the same transaction as the command that causes them, and sent by
//! a worker that retries with backoff until the receiver takes them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// An SMS to the applicant, already rendered.
    Sms { to: String, text: String },
    /// A department system is told about one of its items.
    Webhook {
        department: String,
        case_id: String,
        matter: String,
        status: String,
    },
    /// An SMS to a department's duty phone (its 值班电话, set by the department), looked up
    /// when it is sent: a card of 电子监察.
    DutySms { department: String, text: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutboxMessage {
    /// Unique and increasing; receivers drop duplicates by it.
    pub id: u64,
    pub case_id: String,
    pub created_at: String,
    pub message: Message,
    pub attempts: u32,
    /// Unix milliseconds before which no new attempt is made.
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    /// When the outbox gave up on it after its last attempt: a dead letter, kept for an
    /// administrator to look at and send again.
    #[serde(default)]
    pub dead_at: Option<String>,
}

/// Backoff after `attempts` failures: `base`, twice that, four times … capped at 10 minutes.
pub fn backoff_ms(base_ms: i64, attempts: u32) -> i64 {
    let exp = attempts.saturating_sub(1).min(20);
    (base_ms << exp).min(600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff_ms(1_000, 1), 1_000);
        assert_eq!(backoff_ms(1_000, 2), 2_000);
        assert_eq!(backoff_ms(1_000, 5), 16_000);
        assert_eq!(backoff_ms(1_000, 30), 600_000);
    }
}
