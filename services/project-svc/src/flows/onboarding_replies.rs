//! agent-svc completed an answer (`CHAT_MESSAGE_COMPLETED`): when the chat is one an onboarding
//! session started, the answer becomes the session's `assistant` message, signed by the agent
//! that gave it. At least once delivery: the event id is recorded in the same transaction as
//! the message, so a redelivery adds nothing.

use kit::db::TenantTx;
use kit::outbox::first_delivery;
use kit::{ApiError, Platform};
use shared_schemas::events::EventEnvelope;
use shared_schemas::events::chat::ChatMessageCompleted;

use crate::store::now_ms;
use crate::store::onboarding::{self as store, NewMessage};
use crate::store::onboarding_chats;

/// The consumer name under which applied `CHAT_MESSAGE_COMPLETED` ids are recorded.
pub const CONSUMER: &str = "project-onboarding";

/// Records the reply in the event's tenant; returns whether a message was added.
pub async fn reply_completed(
    platform: &Platform,
    envelope: &EventEnvelope,
    reply: &ChatMessageCompleted,
) -> Result<bool, ApiError> {
    let mut tx = TenantTx::begin(platform.db.pool(), &envelope.tenant_id).await?;
    if !first_delivery(&mut tx, CONSUMER, envelope.id.as_str()).await? {
        tx.commit().await?;
        return Ok(false);
    }
    let Some(chat) = onboarding_chats::find(&mut tx, &reply.session_id).await? else {
        tx.commit().await?;
        return Ok(false);
    };
    // An answer stopped before it said anything leaves nothing to show.
    if reply.content.trim().is_empty() {
        tx.commit().await?;
        return Ok(false);
    }
    let new = NewMessage {
        role: "assistant",
        content: &reply.content,
        agent_id: Some(reply.agent_id.as_str()),
        handoff_to_agent: None,
    };
    store::add_message(&mut tx, &chat.session_id, &new, now_ms()).await?;
    tx.commit().await?;
    Ok(true)
}
