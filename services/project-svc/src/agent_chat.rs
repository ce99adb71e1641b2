//! agent-svc's chat API as onboarding uses it: start a chat session for the leading agent, send
//! it the user's messages, stop an answer, end the chat. Every call speaks for the session's
//! tenant with a service token and is made with no transaction open. The reply comes back as
//! `CHAT_MESSAGE_COMPLETED` (see `workers::onboarding_replies`), never in these answers.

use axum::http::StatusCode;
use kit::ApiError;
use kit::client::{CallError, ServiceClient};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

/// What a chat call can end in, besides success.
#[derive(Debug)]
pub enum ChatRefusal {
    /// The chat session has ended (agent-svc's 400 `session_not_active`, or it is gone: 404).
    Ended,
    /// agent-svc's word passed on to the caller (409 `chat_queue_full`).
    Refused(ApiError),
    /// agent-svc cannot be reached or answered something it should not have.
    Unavailable(String),
}

impl From<ChatRefusal> for ApiError {
    fn from(r: ChatRefusal) -> Self {
        match r {
            ChatRefusal::Ended => {
                ApiError::bad_request("no_active_chat", "the session's agent chat has ended")
            }
            ChatRefusal::Refused(err) => err,
            ChatRefusal::Unavailable(why) => {
                tracing::warn!(reason = %why, "agent-svc chat unavailable");
                unavailable()
            }
        }
    }
}

/// 503 `agent_unavailable`: the agent cannot be reached now; what was stored stays stored.
pub fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "agent_unavailable",
        "the agent cannot be reached right now; your message is kept, try again shortly",
    )
}

/// A chat session to start for an onboarding session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartChat<'a> {
    pub session_type: &'static str,
    pub system_prompt_supplement: &'a str,
    pub model: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Started {
    session_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Queued {
    pub assistant_message_id: Option<String>,
}

/// agent-svc's chat routes, through kit's service client.
pub struct AgentChat {
    client: ServiceClient,
    base_url: String,
}

impl AgentChat {
    pub fn new(client: ServiceClient, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, agent: &str, tail: &str) -> String {
        format!("{}/v1/agents/{agent}/chat/{tail}", self.base_url)
    }

    /// Starts a chat session of `agent`; returns its id. `key` makes a retry start it once.
    pub async fn start(
        &self,
        tenant: &TenantId,
        agent: &str,
        body: &StartChat<'_>,
        key: &str,
    ) -> Result<String, ChatRefusal> {
        let res = self
            .post(tenant, &self.url(agent, "start"), body, key)
            .await?;
        let started: Started = read(res).await?;
        Ok(started.session_id)
    }

    /// Queues `message` in the chat; the answer's message id when agent-svc gives one.
    pub async fn send(
        &self,
        tenant: &TenantId,
        agent: &str,
        chat: &str,
        message: &str,
        key: &str,
    ) -> Result<Queued, ChatRefusal> {
        let url = self.url(agent, &format!("{chat}/message"));
        let res = self
            .post(tenant, &url, &json!({ "message": message }), key)
            .await?;
        read(res).await
    }

    /// `stop` (the answer in progress) or `end` (the whole chat).
    pub async fn command(
        &self,
        tenant: &TenantId,
        agent: &str,
        chat: &str,
        command: &str,
        key: &str,
    ) -> Result<(), ChatRefusal> {
        let url = self.url(agent, &format!("{chat}/{command}"));
        let res = self.post(tenant, &url, &json!({}), key).await?;
        read::<Value>(res).await.map(drop)
    }

    async fn post<T: Serialize>(
        &self,
        tenant: &TenantId,
        url: &str,
        body: &T,
        key: &str,
    ) -> Result<reqwest::Response, ChatRefusal> {
        self.client
            .post(url)
            .for_tenant(tenant)
            .idempotency_key(key)
            .json(body)
            .send()
            .await
            .map_err(|e: CallError| ChatRefusal::Unavailable(e.to_string()))
    }
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: Option<String>,
    detail: Option<String>,
}

/// A 2xx answer decoded; agent-svc's refusals sorted into what the caller can act on.
async fn read<T: for<'de> Deserialize<'de>>(res: reqwest::Response) -> Result<T, ChatRefusal> {
    let status = res.status();
    if status.is_success() {
        return res
            .json()
            .await
            .map_err(|e| ChatRefusal::Unavailable(format!("unreadable answer: {e}")));
    }
    let body: Option<ErrorBody> = res.json().await.ok();
    let code = body.as_ref().and_then(|b| b.code.as_deref());
    match (status, code) {
        (StatusCode::BAD_REQUEST, Some("session_not_active")) | (StatusCode::NOT_FOUND, _) => {
            Err(ChatRefusal::Ended)
        }
        (StatusCode::CONFLICT, Some("chat_queue_full")) => {
            Err(ChatRefusal::Refused(ApiError::conflict(
                "chat_queue_full",
                "the agent has 5 answers pending; wait for one before sending more",
            )))
        }
        _ => Err(ChatRefusal::Unavailable(format!(
            "agent-svc answered {status}: {}",
            body.and_then(|b| b.detail).unwrap_or_default()
        ))),
    }
}
