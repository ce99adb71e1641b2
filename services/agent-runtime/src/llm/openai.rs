//! OpenAI-compatible chat completions (OpenAI, OpenRouter, xAI, Groq, Mistral, Cerebras, vLLM,
//! Ollama, llama.cpp, custom providers): the request body and the streamed chunks.

use std::collections::BTreeMap;

use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::provider::Endpoint;
use super::sse::SseEvent;
use super::{ChatRequest, Delta, LlmError, Msg, Reply, StreamParser, ToolCall};

fn message(msg: &Msg) -> Value {
    match msg {
        Msg::User(text) => json!({"role": "user", "content": text}),
        Msg::Assistant {
            text, tool_calls, ..
        } => {
            let mut out = json!({"role": "assistant", "content": text});
            if !tool_calls.is_empty() {
                out["tool_calls"] = tool_calls
                    .iter()
                    .map(|c| {
                        json!({"id": c.id, "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments}})
                    })
                    .collect();
            }
            out
        }
        Msg::ToolResult {
            call_id, content, ..
        } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
    }
}

/// URL, headers and body of a streamed chat completion.
pub fn request(
    ep: &Endpoint,
    req: &ChatRequest<'_>,
) -> (String, Vec<(&'static str, String)>, Value) {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    messages.extend(req.messages.iter().map(message));
    let mut body = json!({
        "model": ep.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    // OpenAI's newer models refuse `max_tokens`; compatible servers mostly know only it.
    let limit = if ep.provider == "openai" {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    body[limit] = json!(req.max_tokens);
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function":
                    {"name": t.name, "description": t.description, "parameters": t.parameters}})
            })
            .collect();
        body["tool_choice"] = match req.force_tool {
            Some(name) => json!({"type": "function", "function": {"name": name}}),
            None => json!("auto"),
        };
    }
    if let Some(schema) = req.response_format {
        body["response_format"] = json!({"type": "json_schema", "json_schema": {
            "name": schema.name, "strict": schema.strict.unwrap_or(true), "schema": schema.schema}});
        if ep.provider == "openrouter" {
            // Route only to providers that honour the schema rather than ignore it.
            body["provider"] = json!({"require_parameters": true});
        }
    }
    let mut headers = Vec::new();
    if let Some(key) = &ep.api_key {
        headers.push(("authorization", format!("Bearer {}", key.expose_secret())));
    }
    if ep.provider == "openrouter" {
        // OpenRouter's app attribution (its dashboard groups calls by it).
        headers.push(("x-title", "DjinnBot".to_owned()));
    }
    (format!("{}/chat/completions", ep.base_url), headers, body)
}

/// Reassembles `chat.completion.chunk`s: text and reasoning deltas, tool-call fragments per
/// `index`, the finish reason and usage.
#[derive(Debug, Default)]
pub struct Parser {
    reply: Reply,
    calls: BTreeMap<u64, ToolCall>,
}

impl StreamParser for Parser {
    fn feed(
        &mut self,
        event: &SseEvent,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<bool, LlmError> {
        if event.data.trim() == "[DONE]" {
            return Ok(true);
        }
        let chunk: Value = serde_json::from_str(&event.data)
            .map_err(|e| LlmError::Stream(format!("a chunk is not JSON: {e}")))?;
        if let Some(error) = chunk.get("error") {
            let message = error["message"].as_str().unwrap_or("provider error");
            return Err(LlmError::Stream(message.to_owned()));
        }
        for (position, choice) in chunk["choices"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let delta = &choice["delta"];
            if let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) {
                self.reply.text.push_str(text);
                on_delta(Delta::Text(text));
            }
            let reasoning = delta["reasoning"]
                .as_str()
                .or(delta["reasoning_content"].as_str());
            if let Some(thinking) = reasoning.filter(|t| !t.is_empty()) {
                self.reply.thinking.push_str(thinking);
                on_delta(Delta::Thinking(thinking));
            }
            for (i, fragment) in delta["tool_calls"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let index = fragment["index"].as_u64().unwrap_or((position + i) as u64);
                let call = self.calls.entry(index).or_insert_with(|| ToolCall {
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                });
                if let Some(id) = fragment["id"].as_str().filter(|s| !s.is_empty()) {
                    call.id = id.to_owned();
                }
                let function = &fragment["function"];
                if let Some(name) = function["name"].as_str().filter(|s| !s.is_empty())
                    && call.name.is_empty()
                {
                    call.name = name.to_owned();
                }
                if let Some(args) = function["arguments"].as_str() {
                    call.arguments.push_str(args);
                }
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.reply.stop_reason = Some(reason.to_owned());
            }
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            self.reply.usage.input_tokens = usage["prompt_tokens"].as_u64().unwrap_or(0);
            self.reply.usage.output_tokens = usage["completion_tokens"].as_u64().unwrap_or(0);
            self.reply.usage.cache_read_tokens = usage["prompt_tokens_details"]["cached_tokens"]
                .as_u64()
                .unwrap_or(0);
        }
        Ok(false)
    }

    fn finish(mut self, complete: bool) -> Result<Reply, LlmError> {
        if !complete && self.reply.stop_reason.is_none() {
            return Err(LlmError::Stream(
                "the stream ended before the answer did".into(),
            ));
        }
        self.reply.tool_calls = self
            .calls
            .into_iter()
            .map(|(index, mut call)| {
                if call.id.is_empty() {
                    call.id = format!("call_{index}");
                }
                call
            })
            .collect();
        self.reply.usage.calls = 1;
        Ok(self.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: &str) -> SseEvent {
        SseEvent {
            event: None,
            data: data.to_owned(),
        }
    }

    #[test]
    fn tool_call_fragments_are_reassembled_per_index() {
        let mut parser = Parser::default();
        let mut seen = Vec::new();
        let mut on_delta = |d: Delta<'_>| seen.push(format!("{d:?}"));
        for data in [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi","reasoning":"hmm"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"write","arguments":"{\"pa"}},{"index":1,"id":"c2","function":{"name":"bash","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":\"a\"}"}},{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#,
        ] {
            assert!(!parser.feed(&event(data), &mut on_delta).expect("chunk"));
        }
        assert!(parser.feed(&event("[DONE]"), &mut on_delta).expect("done"));
        let reply = parser.finish(true).expect("reply");
        assert_eq!(seen, vec!["Text(\"Hi\")", "Thinking(\"hmm\")"]);
        assert_eq!(reply.tool_calls.len(), 2);
        assert_eq!(reply.tool_calls[0].arguments, r#"{"path":"a"}"#);
        assert_eq!(
            (reply.usage.input_tokens, reply.usage.output_tokens),
            (7, 3)
        );
        assert_eq!(reply.stop_reason.as_deref(), Some("tool_calls"));
    }

    #[test]
    fn bodies_follow_the_provider() {
        use std::collections::BTreeMap;

        use shared_schemas::pipeline::OutputSchema;

        use crate::llm::provider::Wire;

        let endpoint = |provider: &str| Endpoint {
            provider: provider.to_owned(),
            wire: Wire::OpenAi,
            base_url: "http://x/v1".into(),
            api_key: Some(secrecy::SecretString::from("k".to_owned())),
            model: "m".into(),
        };
        let schema = OutputSchema {
            name: "out".into(),
            schema: BTreeMap::new(),
            strict: None,
        };
        let msgs = [Msg::User("hi".into())];
        let req = ChatRequest {
            system: Some("sys"),
            messages: &msgs,
            tools: &[],
            max_tokens: 100,
            temperature: None,
            response_format: Some(&schema),
            force_tool: None,
        };
        let (url, headers, body) = request(&endpoint("openai"), &req);
        assert_eq!(url, "http://x/v1/chat/completions");
        assert_eq!(headers[0], ("authorization", "Bearer k".to_owned()));
        assert_eq!(body["max_completion_tokens"], 100);
        assert!(body.get("max_tokens").is_none() && body.get("tools").is_none());
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["response_format"]["json_schema"]["strict"], true);
        let (_, headers, body) = request(&endpoint("openrouter"), &req);
        assert_eq!(body["max_tokens"], 100);
        assert_eq!(body["provider"]["require_parameters"], true);
        assert!(headers.iter().any(|(name, _)| *name == "x-title"));
    }

    #[test]
    fn a_stream_cut_short_is_an_error() {
        let mut parser = Parser::default();
        let mut on_delta = |_: Delta<'_>| {};
        parser
            .feed(
                &event(r#"{"choices":[{"delta":{"content":"par"}}]}"#),
                &mut on_delta,
            )
            .expect("chunk");
        assert!(parser.finish(false).is_err());
        let mut parser = Parser::default();
        assert!(
            parser
                .feed(
                    &event(r#"{"error":{"message":"overloaded"}}"#),
                    &mut on_delta
                )
                .is_err()
        );
    }
}
