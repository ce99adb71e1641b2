//! `structuredOutput`: one LLM call whose answer must be JSON of the request's schema.

use std::sync::Arc;

use serde_json::Value;
use shared_schemas::pipeline::OutputMethod;
use shared_schemas::runtime::{StructuredOutputRequest, TokenUsage};

use crate::flows::request::{Outcome, Runtime, add};
use crate::llm::provider::Wire;
use crate::llm::{ChatRequest, Msg, ToolSpec};

/// `max_tokens` when the request names none.
const STRUCTURED_MAX_TOKENS: u32 = 32768;

impl Runtime {
    /// One call whose answer must be JSON of the request's schema: `response_format` first
    /// (OpenAI wire), the schema as a forced tool when asked, on the Anthropic wire, or after a
    /// 400 that refuses `response_format`.
    pub async fn structured(
        self: Arc<Self>,
        req: StructuredOutputRequest,
        model: Option<String>,
    ) -> Outcome {
        let ep = match self.endpoint(req.model.as_deref(), model.as_deref()) {
            Ok(ep) => ep,
            Err(e) => return Outcome::failed("the model cannot be used", e),
        };
        let mut method = match ep.wire {
            Wire::Anthropic => OutputMethod::ToolUse,
            Wire::OpenAi => req.output_method.unwrap_or(OutputMethod::ResponseFormat),
        };
        let msgs = [Msg::User(req.prompt.clone())];
        let tool = [ToolSpec {
            name: req.output_schema.name.clone(),
            description: "Return the answer as this tool's arguments.".into(),
            parameters: serde_json::to_value(&req.output_schema.schema).unwrap_or_default(),
        }];
        let mut usage = TokenUsage::default();
        let text = loop {
            let tool_use = method == OutputMethod::ToolUse;
            let request = ChatRequest {
                system: Some(&req.system_prompt),
                messages: &msgs,
                tools: if tool_use { &tool } else { &[] },
                max_tokens: req.max_output_tokens.unwrap_or(STRUCTURED_MAX_TOKENS),
                temperature: req.temperature,
                response_format: (!tool_use).then_some(&req.output_schema),
                force_tool: tool_use.then_some(req.output_schema.name.as_str()),
            };
            match self.call(&ep, &request, &req.request_id).await {
                Err(e) if !tool_use && e.rejects_response_format() => {
                    tracing::info!("response_format refused; retrying with tool use");
                    method = OutputMethod::ToolUse;
                }
                Err(e) => return Outcome::failed("the LLM call failed", e.to_string()),
                Ok(reply) => {
                    add(&mut usage, &reply.usage);
                    if !tool_use {
                        break reply.text;
                    }
                    match reply
                        .tool_calls
                        .into_iter()
                        .find(|c| c.name == req.output_schema.name)
                    {
                        Some(call) => break call.arguments,
                        None => {
                            return Outcome {
                                usage: Some(usage),
                                ..Outcome::failed(
                                    "no structured answer",
                                    "the model did not call the output tool",
                                )
                            };
                        }
                    }
                }
            }
        };
        let body = text.trim();
        let body = body
            .strip_prefix("```json")
            .or_else(|| body.strip_prefix("```"))
            .and_then(|b| b.strip_suffix("```"))
            .unwrap_or(body);
        match serde_json::from_str::<Value>(body.trim()) {
            Ok(value) => Outcome {
                result: value.to_string(),
                success: true,
                structured: Some(value),
                usage: Some(usage),
                ..Outcome::default()
            },
            Err(e) => Outcome {
                result: text.clone(),
                error: Some(format!("the answer is not JSON: {e}")),
                usage: Some(usage),
                ..Outcome::default()
            },
        }
    }
}
