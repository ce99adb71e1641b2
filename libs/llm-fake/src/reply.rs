//! What the fake answers to one request: a scripted [`Reply`], wire-neutral, rendered by the
//! OpenAI or the Anthropic module. The same JSON shape is taken by `POST /_fake/script`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One scripted answer. The body says what the model "says"; the other fields shape how it
/// travels (delays, a cut connection, the length stop).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    #[serde(flatten)]
    pub body: ReplyBody,
    /// Wait this long before the response's first byte (headers included).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
    /// Wait this long between two streamed events.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chunk_delay_ms: u64,
    /// Cut the connection after this many streamed events (no `[DONE]`, no `message_stop`);
    /// a non-streamed answer is cut before its body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnect_after: Option<usize>,
    /// End as if `max_tokens` was reached (`finish_reason: length`, `stop_reason: max_tokens`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub max_tokens: bool,
    /// Anthropic: the `signature` of the thinking block (its `signature_delta` when streamed)
    /// instead of the generated `fake-signature-{n}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_signature: Option<String>,
    /// Anthropic: a `redacted_thinking` block with this `data`, after the thinking block. A
    /// client must send both back unchanged with the next turn of a tool exchange.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_thinking: Option<String>,
}

/// What the model answers, or the HTTP error the API answers instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyBody {
    /// Assistant text, streamed in several chunks, after optional reasoning.
    Text {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thinking: Option<String>,
    },
    /// One or more tool calls, with optional text and reasoning before them.
    ToolCalls {
        calls: Vec<ToolCall>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thinking: Option<String>,
    },
    /// Structured output: the content is this value's JSON text.
    Json { value: Value },
    /// The API refuses: this status with the wire's error body.
    Error {
        status: u16,
        message: String,
        /// Seconds for the `Retry-After` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        /// Overrides the wire's error type for the status (e.g. `insufficient_quota`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_type: Option<String>,
        /// A streamed request gets 200, this many events of a text, then the error as an
        /// event of the stream (Anthropic's `event: error`, OpenAI's `data: {"error":…}`),
        /// as an overloaded upstream fails part way; a non-streamed one gets the HTTP error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mid_stream_after: Option<usize>,
    },
}

/// One function call: its arguments travel as JSON text split into several fragments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub name: String,
    #[serde(default = "empty_object")]
    pub arguments: Value,
    /// The call id on the wire; generated (`call_…` / `toolu_…`) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Text long enough to be cut by [`Reply::disconnect_after`] in the middle.
const DISCONNECT_TEXT: &str =
    "this answer is cut off before it ends, so the client never sees the end of the stream";

impl Reply {
    fn of(body: ReplyBody) -> Self {
        Self {
            body,
            delay_ms: 0,
            chunk_delay_ms: 0,
            disconnect_after: None,
            max_tokens: false,
            thinking_signature: None,
            redacted_thinking: None,
        }
    }

    pub fn text(text: impl Into<String>) -> Self {
        Self::of(ReplyBody::Text {
            text: text.into(),
            thinking: None,
        })
    }

    /// Reasoning first (`reasoning` deltas / a `thinking` block), then the text.
    pub fn thinking(thinking: impl Into<String>, text: impl Into<String>) -> Self {
        Self::of(ReplyBody::Text {
            text: text.into(),
            thinking: Some(thinking.into()),
        })
    }

    pub fn tool_call(name: impl Into<String>, arguments: Value) -> Self {
        Self::tool_calls(vec![ToolCall::new(name, arguments)])
    }

    pub fn tool_calls(calls: Vec<ToolCall>) -> Self {
        Self::of(ReplyBody::ToolCalls {
            calls,
            text: None,
            thinking: None,
        })
    }

    pub fn json(value: Value) -> Self {
        Self::of(ReplyBody::Json { value })
    }

    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::of(ReplyBody::Error {
            status,
            message: message.into(),
            retry_after: None,
            error_type: None,
            mid_stream_after: None,
        })
    }

    /// A text answer whose connection is cut after `events` streamed events.
    pub fn disconnect_after(events: usize) -> Self {
        Self::text(DISCONNECT_TEXT).cut_after(events)
    }

    /// Cut this answer's connection after `events` streamed events.
    pub fn cut_after(mut self, events: usize) -> Self {
        self.disconnect_after = Some(events);
        self
    }

    /// `Retry-After` seconds; only an error reply carries it.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        if let ReplyBody::Error { retry_after, .. } = &mut self.body {
            *retry_after = Some(seconds);
        }
        self
    }

    /// Streamed, the error arrives as an event of the stream after `events` events of text;
    /// only an error reply carries it.
    pub fn mid_stream(mut self, events: usize) -> Self {
        if let ReplyBody::Error {
            mid_stream_after, ..
        } = &mut self.body
        {
            *mid_stream_after = Some(events);
        }
        self
    }

    /// The error's `type` instead of the wire's usual one for its status.
    pub fn error_type(mut self, kind: impl Into<String>) -> Self {
        if let ReplyBody::Error { error_type, .. } = &mut self.body {
            *error_type = Some(kind.into());
        }
        self
    }

    /// Text said before the tool calls (or instead of the current text).
    pub fn with_text(mut self, said: impl Into<String>) -> Self {
        match &mut self.body {
            ReplyBody::Text { text, .. } => *text = said.into(),
            ReplyBody::ToolCalls { text, .. } => *text = Some(said.into()),
            ReplyBody::Json { .. } | ReplyBody::Error { .. } => {}
        }
        self
    }

    /// Reasoning before the text or the tool calls.
    pub fn with_thinking(mut self, reasoning: impl Into<String>) -> Self {
        match &mut self.body {
            ReplyBody::Text { thinking, .. } | ReplyBody::ToolCalls { thinking, .. } => {
                *thinking = Some(reasoning.into());
            }
            ReplyBody::Json { .. } | ReplyBody::Error { .. } => {}
        }
        self
    }

    /// The thinking block's signature (Anthropic), instead of the generated one.
    pub fn with_signature(mut self, signature: impl Into<String>) -> Self {
        self.thinking_signature = Some(signature.into());
        self
    }

    /// A `redacted_thinking` block with `data` after the thinking (Anthropic).
    pub fn with_redacted_thinking(mut self, data: impl Into<String>) -> Self {
        self.redacted_thinking = Some(data.into());
        self
    }

    /// Milliseconds before the first byte.
    pub fn delay(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    /// Milliseconds between streamed events.
    pub fn chunk_delay(mut self, ms: u64) -> Self {
        self.chunk_delay_ms = ms;
        self
    }

    /// End with the length stop reason instead of the natural one.
    pub fn hit_max_tokens(mut self) -> Self {
        self.max_tokens = true;
        self
    }

    /// Why this reply cannot be served; checked when it is scripted, so a bad script fails
    /// at the admin call rather than in the middle of a test run.
    pub fn check(&self) -> Result<(), String> {
        const MAX_DELAY_MS: u64 = 600_000;
        if self.delay_ms > MAX_DELAY_MS || self.chunk_delay_ms > MAX_DELAY_MS {
            return Err(format!("delays are at most {MAX_DELAY_MS} ms"));
        }
        match &self.body {
            ReplyBody::Error { status, .. } if !(400..=599).contains(status) => {
                Err(format!("error status {status} is not within 400-599"))
            }
            ReplyBody::ToolCalls { calls, .. } if calls.is_empty() => {
                Err("tool_calls needs at least one call".into())
            }
            ReplyBody::ToolCalls { calls, .. } => {
                match calls
                    .iter()
                    .find(|call| call.name.is_empty() || !call.arguments.is_object())
                {
                    Some(call) => Err(format!(
                        "tool call `{}` needs a name and an object as arguments",
                        call.name
                    )),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

impl ToolCall {
    pub fn new(name: impl Into<String>, arguments: Value) -> Self {
        Self {
            name: name.into(),
            arguments,
            id: None,
        }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}
