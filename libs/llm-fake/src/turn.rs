//! A reply reduced to what both wires render: reasoning, text, tool calls and a stop reason,
//! plus the splitting that makes every stream arrive in several pieces.

use axum::http::StatusCode;

use crate::reply::ReplyBody;
use crate::wire::WireError;

/// The assistant's turn, wire-neutral.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    pub thinking: Option<String>,
    /// The thinking block's signature when scripted (Anthropic generates one otherwise).
    pub signature: Option<String>,
    /// The `data` of a `redacted_thinking` block (Anthropic only).
    pub redacted: Option<String>,
    pub text: Option<String>,
    pub calls: Vec<Call>,
    pub stop: Stop,
}

#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// The scripted id, when the script gave one.
    pub id: Option<String>,
    pub name: String,
    /// The arguments as the JSON text that travels in fragments.
    pub arguments: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    End,
    ToolUse,
    MaxTokens,
}

/// What a reply that fails part way says before its error.
const PARTIAL_TEXT: &str = "this answer stops part way through with an error from upstream";

impl Turn {
    /// The text streamed before a mid-stream error.
    pub fn partial() -> Self {
        Self {
            thinking: None,
            signature: None,
            redacted: None,
            text: Some(PARTIAL_TEXT.to_owned()),
            calls: Vec::new(),
            stop: Stop::End,
        }
    }

    /// The turn a body says, or the API error it scripts instead.
    pub fn from_body(body: ReplyBody, max_tokens: bool) -> Result<Self, WireError> {
        let mut turn = match body {
            ReplyBody::Text { text, thinking } => Self {
                thinking,
                signature: None,
                redacted: None,
                text: Some(text),
                calls: Vec::new(),
                stop: Stop::End,
            },
            ReplyBody::ToolCalls {
                calls,
                text,
                thinking,
            } => Self {
                thinking,
                signature: None,
                redacted: None,
                text,
                calls: calls
                    .into_iter()
                    .map(|call| Call {
                        id: call.id,
                        name: call.name,
                        arguments: call.arguments.to_string(),
                    })
                    .collect(),
                stop: Stop::ToolUse,
            },
            ReplyBody::Json { value } => Self {
                thinking: None,
                signature: None,
                redacted: None,
                text: Some(value.to_string()),
                calls: Vec::new(),
                stop: Stop::End,
            },
            ReplyBody::Error {
                status,
                message,
                retry_after,
                error_type,
                ..
            } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Err(WireError {
                    status,
                    message,
                    error_type,
                    retry_after,
                });
            }
        };
        if max_tokens {
            turn.stop = Stop::MaxTokens;
        }
        Ok(turn)
    }

    /// A rough token count of everything the turn says (4 characters a token).
    pub fn output_tokens(&self) -> u64 {
        let said = self
            .thinking
            .iter()
            .chain(self.text.iter())
            .map(|s| s.chars().count());
        let called = self
            .calls
            .iter()
            .map(|c| c.name.chars().count() + c.arguments.chars().count());
        tokens(said.chain(called).sum())
    }
}

/// Tokens for a length in characters: 4 characters a token, at least one.
pub(crate) fn tokens(chars: usize) -> u64 {
    u64::try_from(chars.div_ceil(4)).unwrap_or(u64::MAX).max(1)
}

/// Splits `s` on character boundaries into pieces of at most 24 characters, and into at least
/// three pieces when it has three characters, so every stream is fragmented like a real one.
pub(crate) fn pieces(s: &str) -> Vec<&str> {
    let chars = s.chars().count();
    if chars == 0 {
        return Vec::new();
    }
    let size = chars.div_ceil(3).clamp(1, 24);
    let mut out = Vec::with_capacity(chars.div_ceil(size));
    let mut start = 0;
    for (count, (at, _)) in s.char_indices().enumerate() {
        if count > 0 && count % size == 0 {
            out.push(&s[start..at]);
            start = at;
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_rejoin_to_the_text_and_fragment_it() {
        for text in [
            "ok",
            "{\"a\":1}",
            "héllo wörld, ünïcode ✓ all the way",
            &"x".repeat(500),
        ] {
            let parts = pieces(text);
            assert_eq!(parts.concat(), text);
            assert!(
                parts.len() >= text.chars().count().min(3),
                "{text}: {parts:?}"
            );
            assert!(parts.iter().all(|p| p.chars().count() <= 24));
        }
        assert!(pieces("").is_empty());
    }
}
