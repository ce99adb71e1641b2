//! The LLM clients: one request/stream shape ([`ChatRequest`] → [`Reply`]) over two wires,
//! OpenAI-compatible chat completions ([`openai`]) and Anthropic Messages ([`anthropic`]),
//! always streamed, with bounded retries on 429, 5xx and connection errors ([`http`]). Every
//! call goes through the `egress` guard: a base URL that points at an internal address is
//! refused unless `OUTBOUND_ALLOW` lists it (a tenant sets its custom providers' base URLs).

pub mod anthropic;
mod http;
pub mod openai;
pub mod provider;
pub mod sse;

use std::time::Duration;

use serde_json::Value;
use shared_schemas::pipeline::OutputSchema;
use shared_schemas::runtime::TokenUsage;

pub use http::RetryPolicy;
use provider::{Endpoint, Wire};
use sse::{SseDecoder, SseEvent};

/// A tool the model may call.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON schema of the arguments.
    pub parameters: Value,
}

/// A reasoning block of an Anthropic answer, kept exactly as it came. With extended thinking
/// the API wants every such block of the last assistant turn back, unchanged, when the turn
/// ended in tool use: the signature proves the reasoning is the model's own, and a redacted
/// block carries reasoning only the API can read.
#[derive(Debug, Clone, PartialEq)]
pub enum ThinkingBlock {
    Thinking { thinking: String, signature: String },
    Redacted { data: String },
}

impl ThinkingBlock {
    fn chars(&self) -> usize {
        match self {
            Self::Thinking { thinking, .. } => thinking.len(),
            Self::Redacted { data } => data.len(),
        }
    }
}

/// One entry of the conversation, wire-neutral.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    User(String),
    Assistant {
        text: String,
        tool_calls: Vec<ToolCall>,
        /// The signed reasoning blocks of the answer (Anthropic; empty on the other wire).
        thinking: Vec<ThinkingBlock>,
    },
    ToolResult {
        call_id: String,
        name: String,
        content: String,
        is_error: bool,
    },
}

impl Msg {
    /// Characters of text, for the context estimate.
    pub fn chars(&self) -> usize {
        match self {
            Self::User(text) => text.len(),
            Self::Assistant {
                text,
                tool_calls,
                thinking,
            } => {
                text.len()
                    + tool_calls
                        .iter()
                        .map(|c| c.name.len() + c.arguments.len())
                        .sum::<usize>()
                    + thinking.iter().map(ThinkingBlock::chars).sum::<usize>()
            }
            Self::ToolResult { content, .. } => content.len(),
        }
    }
}

/// A tool call as the model made it; `arguments` is the raw JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// Everything one LLM call needs besides the endpoint.
#[derive(Debug, Clone, Copy)]
pub struct ChatRequest<'a> {
    pub system: Option<&'a str>,
    pub messages: &'a [Msg],
    pub tools: &'a [ToolSpec],
    pub max_tokens: u32,
    pub temperature: Option<f64>,
    /// Ask for JSON matching this schema (OpenAI `response_format: json_schema`).
    pub response_format: Option<&'a OutputSchema>,
    /// Force a call of this tool (the tool-use method of structured output).
    pub force_tool: Option<&'a str>,
}

/// A piece of the answer as it streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delta<'a> {
    Text(&'a str),
    Thinking(&'a str),
}

/// The whole answer of one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    pub text: String,
    pub thinking: String,
    /// The reasoning blocks to send back with the next turn, in the order they came.
    pub thinking_blocks: Vec<ThinkingBlock>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: TokenUsage,
    pub stop_reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the provider answered HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("could not reach the provider: {0}")]
    Transport(String),
    #[error("the provider's stream broke: {0}")]
    Stream(String),
    #[error("{0}")]
    Config(String),
    /// The base URL is not http(s), or points at an internal address `OUTBOUND_ALLOW` does not
    /// list; never retried.
    #[error("the provider address {0}")]
    NotAllowed(String),
}

impl LlmError {
    /// A 400 that says the provider does not take `response_format` (then tool use is tried).
    pub fn rejects_response_format(&self) -> bool {
        matches!(self, Self::Status { status: 400, message }
            if message.to_ascii_lowercase().contains("response_format"))
    }
}

/// What a wire's stream parser does with each event.
trait StreamParser {
    /// Takes one event; `Ok(true)` once the stream says it is complete.
    fn feed(
        &mut self,
        event: &SseEvent,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<bool, LlmError>;
    fn finish(self, complete: bool) -> Result<Reply, LlmError>;
}

/// The HTTP clients every call goes through, behind the egress guard.
#[derive(Debug, Clone)]
pub struct Llm {
    http: egress::Guarded,
    retry: RetryPolicy,
}

impl Llm {
    /// `allow` is `OUTBOUND_ALLOW`: the internal addresses base URLs may point at.
    pub fn new(retry: RetryPolicy, allow: egress::AllowList) -> anyhow::Result<Self> {
        crate::tls::install_provider();
        let http = egress::Guarded::new(allow, || {
            Ok::<_, reqwest::Error>(
                reqwest::Client::builder().connect_timeout(Duration::from_secs(10)),
            )
        })?;
        Ok(Self { http, retry })
    }

    /// One streamed call; `on_delta` sees text and reasoning as they arrive.
    pub async fn chat(
        &self,
        endpoint: &Endpoint,
        request: &ChatRequest<'_>,
        on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
    ) -> Result<Reply, LlmError> {
        let (url, headers, body) = match endpoint.wire {
            Wire::OpenAi => openai::request(endpoint, request),
            Wire::Anthropic => anthropic::request(endpoint, request),
        };
        let response = http::send(&self.http, &self.retry, &url, &headers, &body).await?;
        match endpoint.wire {
            Wire::OpenAi => read(response, openai::Parser::default(), on_delta).await,
            Wire::Anthropic => read(response, anthropic::Parser::default(), on_delta).await,
        }
    }
}

async fn read<P: StreamParser>(
    mut response: reqwest::Response,
    mut parser: P,
    on_delta: &mut (dyn FnMut(Delta<'_>) + Send),
) -> Result<Reply, LlmError> {
    let mut decoder = SseDecoder::default();
    let mut complete = false;
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|e| LlmError::Stream(e.to_string()))?;
        let events = match &chunk {
            Some(bytes) => decoder.push(bytes),
            None => decoder.finish().into_iter().collect(),
        };
        for event in &events {
            complete |= parser.feed(event, on_delta)?;
        }
        if chunk.is_none() || complete {
            return parser.finish(complete);
        }
    }
}
