//! The work of one accepted request, run in its own task: the agent loop (`agentStep`), one
//! structured call (`structuredOutput`), one direct tool call (`tool`), a history summary
//! (`compactSession`). Each returns an [`Outcome`]; the session turns it into the request's one
//! `stepEnd` and `idle`, so an aborted or timed-out task cannot skip or repeat them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;
use shared_schemas::runtime::{
    AgentStep, CompactSession, OutputSource, RuntimeMessage, Thinking, TokenUsage, ToolCommand,
    ToolEnd, ToolStart,
};

use crate::calls::{CallLog, CallRecord};
use crate::config::RuntimeConfig;
use crate::emit::{Emitter, now_ms};
use crate::llm::provider::Endpoint;
use crate::llm::{ChatRequest, Delta, Llm, LlmError, Msg, Reply};
use crate::tools::{self, Control, Toolbox};

const STEP_MAX_TOKENS: u32 = 8192;
const NUDGE: &str = "You stopped without calling `complete`. If the task is done, call `complete` \
    with its outputs; if it cannot be done, call `fail` with the reason; otherwise continue.";

/// What the runtime shares with its request tasks.
#[derive(Debug)]
pub struct Runtime {
    pub cfg: RuntimeConfig,
    pub llm: Llm,
    pub tools: Toolbox,
    /// The conversation so far; a request works on a copy and writes it back when it ends (an
    /// aborted request leaves it as it was, never half a tool exchange).
    pub history: Mutex<Vec<Msg>>,
    pub out: Emitter,
    /// Where every model turn's record goes (agent-svc's call log), off the request's path.
    pub calls: CallLog,
}

/// How a request ended: the fields of its `stepEnd`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub result: String,
    pub success: bool,
    pub explicit_completion: Option<bool>,
    pub outputs: Option<BTreeMap<String, String>>,
    pub structured: Option<Value>,
    pub error: Option<String>,
    pub usage: Option<TokenUsage>,
}

impl Outcome {
    pub fn failed(result: &str, error: impl Into<String>) -> Self {
        Self {
            result: result.to_owned(),
            error: Some(error.into()),
            ..Self::default()
        }
    }
}

pub(super) fn add(total: &mut TokenUsage, part: &TokenUsage) {
    total.input_tokens += part.input_tokens;
    total.output_tokens += part.output_tokens;
    total.cache_read_tokens += part.cache_read_tokens;
    total.cache_write_tokens += part.cache_write_tokens;
    total.calls += part.calls;
}

/// The prompt, with the attachments named so the model knows they exist (their bytes live in
/// agent-svc; the runtime does not fetch them).
fn prompt_with_attachments(step: &AgentStep) -> String {
    let Some(files) = step.attachments.as_ref().filter(|f| !f.is_empty()) else {
        return step.prompt.clone();
    };
    let listed: Vec<String> = files
        .iter()
        .map(|f| format!("- {} ({}, {} bytes)", f.filename, f.mime_type, f.size_bytes))
        .collect();
    format!("{}\n\nAttached files:\n{}", step.prompt, listed.join("\n"))
}

/// The conversation a chat runtime starts from: its stored messages (`AGENT_CHAT_HISTORY`,
/// already capped by the configuration) as plain user and assistant turns.
pub fn initial_history(cfg: &RuntimeConfig) -> Vec<Msg> {
    cfg.chat_history
        .iter()
        .map(|m| match m.role.as_str() {
            "assistant" => Msg::Assistant {
                text: m.content.clone(),
                tool_calls: Vec::new(),
                thinking: Vec::new(),
            },
            _ => Msg::User(m.content.clone()),
        })
        .collect()
}

impl Runtime {
    /// The endpoint of the request's model, else the runtime's current one.
    pub(super) fn endpoint(
        &self,
        requested: Option<&str>,
        current: Option<&str>,
    ) -> Result<Endpoint, String> {
        let model = requested
            .or(current)
            .ok_or("AGENT_MODEL is not set and the request names no model")?;
        self.cfg.providers.resolve(model)
    }

    fn history(&self) -> Vec<Msg> {
        self.history.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn set_history(&self, msgs: Vec<Msg>) {
        if let Ok(mut h) = self.history.lock() {
            *h = msgs;
        }
    }

    /// The step's system prompt (else the runtime's), with the agent's skills listed when
    /// `load_skill` is offered.
    async fn system_prompt(
        &self,
        own: Option<String>,
        specs: &[crate::llm::ToolSpec],
    ) -> Option<String> {
        let base = own.or_else(|| self.cfg.system_prompt.clone());
        let skills = match &self.tools.team {
            Some(team) if specs.iter().any(|s| s.name == "load_skill") => {
                team.skills_prompt().await
            }
            _ => None,
        };
        match (base, skills) {
            (Some(base), Some(skills)) => Some(format!("{base}\n\n{skills}")),
            (base, skills) => base.or_else(|| skills.map(str::to_owned)),
        }
    }

    /// An estimate of the tokens the next call would send (4 characters a token).
    pub fn used_tokens(&self) -> u64 {
        let system = self.cfg.system_prompt.as_ref().map_or(0, String::len);
        let msgs: usize = self.history().iter().map(Msg::chars).sum();
        ((system + msgs) / 4) as u64
    }

    /// One streamed call whose text and reasoning go out as `stdout` and `thinking`; its record
    /// is queued for the call log whether it succeeded or not.
    pub(super) async fn call(
        &self,
        ep: &Endpoint,
        req: &ChatRequest<'_>,
        request_id: &str,
    ) -> Result<Reply, LlmError> {
        let out = &self.out;
        let mut on_delta = |delta: Delta<'_>| match delta {
            Delta::Text(text) => out.output(request_id, text, OutputSource::Assistant, false),
            Delta::Thinking(thinking) => out.send(RuntimeMessage::Thinking(Thinking {
                request_id: request_id.to_owned(),
                thinking: thinking.to_owned(),
                timestamp: now_ms(),
            })),
        };
        let started = Instant::now();
        let result = self.llm.chat(ep, req, &mut on_delta).await;
        let turn = CallRecord::of_turn(
            &self.cfg,
            ep,
            request_id,
            started.elapsed(),
            result.as_ref(),
        );
        if let Some(record) = turn {
            self.calls.record(record);
        }
        result
    }

    async fn run_tool(
        &self,
        request_id: &str,
        call_id: &str,
        name: &str,
        args: &Value,
    ) -> tools::ToolResult {
        self.out.send(RuntimeMessage::ToolStart(ToolStart {
            request_id: request_id.to_owned(),
            tool_call_id: call_id.to_owned(),
            tool_name: name.to_owned(),
            args: args.clone(),
            timestamp: now_ms(),
        }));
        let started = Instant::now();
        let result = self.tools.run(name, args, &self.out, request_id).await;
        self.out.send(RuntimeMessage::ToolEnd(ToolEnd {
            request_id: request_id.to_owned(),
            tool_call_id: call_id.to_owned(),
            tool_name: name.to_owned(),
            result: result.content.clone(),
            success: result.success,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            timestamp: now_ms(),
        }));
        result
    }

    /// The agent loop: call, run the tools asked for, feed the results back, until `complete`,
    /// `fail`, a stop without tools (after the nudges), `maxSteps` turns or an LLM error.
    pub async fn agent_step(self: Arc<Self>, step: AgentStep, model: Option<String>) -> Outcome {
        let ep = match self.endpoint(step.model.as_deref(), model.as_deref()) {
            Ok(ep) => ep,
            Err(e) => return Outcome::failed("the model cannot be used", e),
        };
        let specs = tools::specs(&step.tools, self.tools.team.as_ref());
        let system = self.system_prompt(step.system_prompt.clone(), &specs).await;
        let nudges_allowed = self.cfg.chat_session.is_none();
        let mut msgs = self.history();
        msgs.push(Msg::User(prompt_with_attachments(&step)));
        let mut usage = TokenUsage::default();
        let (mut turns, mut nudges) = (0u32, 0u32);
        let outcome = loop {
            if turns >= step.max_steps {
                break Outcome::failed(
                    &format!("stopped after {turns} turns without completing"),
                    "max_steps",
                );
            }
            turns += 1;
            let request = ChatRequest {
                system: system.as_deref(),
                messages: &msgs,
                tools: &specs,
                max_tokens: STEP_MAX_TOKENS,
                temperature: None,
                response_format: None,
                force_tool: None,
            };
            let reply = match self.call(&ep, &request, &step.request_id).await {
                Ok(reply) => reply,
                Err(e) => break Outcome::failed("the LLM call failed", e.to_string()),
            };
            add(&mut usage, &reply.usage);
            msgs.push(Msg::Assistant {
                text: reply.text.clone(),
                tool_calls: reply.tool_calls.clone(),
                thinking: reply.thinking_blocks.clone(),
            });
            if reply.tool_calls.is_empty() {
                if nudges_allowed && nudges < self.cfg.max_auto_continuations {
                    nudges += 1;
                    msgs.push(Msg::User(NUDGE.to_owned()));
                    continue;
                }
                break Outcome {
                    result: reply.text,
                    success: true,
                    explicit_completion: Some(false),
                    ..Outcome::default()
                };
            }
            let mut control = None;
            for call in &reply.tool_calls {
                let content = if control.is_some() {
                    "skipped: the step already ended".to_owned()
                } else {
                    match serde_json::from_str::<Value>(&call.arguments) {
                        Err(e) => format!("error: the arguments are not JSON: {e}"),
                        Ok(args) => {
                            let result = self
                                .run_tool(&step.request_id, &call.id, &call.name, &args)
                                .await;
                            control = result.control;
                            result.content
                        }
                    }
                };
                msgs.push(Msg::ToolResult {
                    call_id: call.id.clone(),
                    name: call.name.clone(),
                    content,
                    is_error: false,
                });
            }
            match control {
                Some(Control::Complete { outputs, summary }) => {
                    let result = summary.unwrap_or_else(|| reply.text.clone());
                    break Outcome {
                        result: if result.is_empty() {
                            "completed".into()
                        } else {
                            result
                        },
                        success: true,
                        explicit_completion: Some(true),
                        outputs: Some(outputs),
                        ..Outcome::default()
                    };
                }
                Some(Control::Fail { error }) => {
                    break Outcome {
                        explicit_completion: Some(true),
                        ..Outcome::failed(&error, error.clone())
                    };
                }
                None => {}
            }
        };
        self.set_history(msgs);
        Outcome {
            usage: Some(usage),
            ..outcome
        }
    }

    /// One tool, as the engine asked; `complete`'s outputs travel in `stepEnd.outputs` as well.
    pub async fn tool(self: Arc<Self>, cmd: ToolCommand) -> Outcome {
        let result = self
            .run_tool(&cmd.request_id, &cmd.request_id, &cmd.tool_name, &cmd.args)
            .await;
        let outputs = match result.control {
            Some(Control::Complete { outputs, .. }) => Some(outputs),
            _ => None,
        };
        Outcome {
            error: (!result.success).then(|| result.content.clone()),
            result: result.content,
            success: result.success,
            outputs,
            ..Outcome::default()
        }
    }

    /// Replaces the history with a summary the model writes of it.
    pub async fn compact(self: Arc<Self>, cmd: CompactSession, model: Option<String>) -> Outcome {
        let mut msgs = self.history();
        if msgs.is_empty() {
            return Outcome {
                result: "nothing to compact".into(),
                success: true,
                ..Outcome::default()
            };
        }
        let ep = match self.endpoint(None, model.as_deref()) {
            Ok(ep) => ep,
            Err(e) => return Outcome::failed("the model cannot be used", e),
        };
        let ask = format!(
            "Summarise the conversation so far for your own later use: decisions, facts, files \
             touched, open work.{}",
            cmd.instructions
                .as_deref()
                .map(|i| format!(" {i}"))
                .unwrap_or_default()
        );
        msgs.push(Msg::User(ask));
        let request = ChatRequest {
            system: self.cfg.system_prompt.as_deref(),
            messages: &msgs,
            tools: &[],
            max_tokens: STEP_MAX_TOKENS,
            temperature: None,
            response_format: None,
            force_tool: None,
        };
        match self.call(&ep, &request, &cmd.request_id).await {
            Err(e) => Outcome::failed("the LLM call failed", e.to_string()),
            Ok(reply) => {
                self.set_history(vec![Msg::User(format!(
                    "Summary of the earlier conversation:\n{}",
                    reply.text
                ))]);
                Outcome {
                    result: reply.text,
                    success: true,
                    usage: Some(reply.usage),
                    ..Outcome::default()
                }
            }
        }
    }
}
