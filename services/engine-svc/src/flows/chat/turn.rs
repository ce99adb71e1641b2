//! One answer: the user's message goes to the runtime as an `agentStep` (request id = the
//! message id), its messages stream to the session's stream as frames, and its `idle` ends it.
//! Between runtime reads the inbox is looked at for a `stop` (or `end`): the request is
//! aborted and the partial answer kept. An answer longer than the tenant's hard timeout is
//! aborted the same way.

use std::time::Duration;

use serde_json::{Value, json};
use shared_schemas::events::chat::ChatMessageSent;
use shared_schemas::runtime::{
    Abort, AgentStep, Attachment, DEFAULT_MAX_STEPS, OutputSource, RuntimeCommand, RuntimeMessage,
};
use tokio::time::Instant;

use super::agent_svc::Completion;
use super::driver::{Driver, POLL};
use super::frames::{frame_of, now_ms};
use super::inbox::InboxEntry;
use super::kind;
use crate::runtimes::session::SessionError;

/// How long an aborted request may take to end before its runtime is stopped.
const ABORT_GRACE: Duration = Duration::from_secs(10);

/// What an answer gathered while it streamed.
#[derive(Default)]
struct Answer {
    content: String,
    thinking: String,
    tools: Vec<Value>,
    result: Option<String>,
    success: bool,
    aborted: bool,
}

impl Answer {
    fn take(&mut self, message: &RuntimeMessage) {
        match message {
            RuntimeMessage::Stdout(out) if out.source != Some(OutputSource::Tool) => {
                self.content.push_str(&out.data);
            }
            RuntimeMessage::Thinking(t) => self.thinking.push_str(&t.thinking),
            RuntimeMessage::ToolStart(t) => self.tools.push(json!({
                "id": t.tool_call_id, "name": t.tool_name, "args": t.args,
            })),
            RuntimeMessage::ToolEnd(t) => {
                if let Some(call) = self
                    .tools
                    .iter_mut()
                    .find(|c| c["id"] == t.tool_call_id.as_str())
                {
                    call["result"] = json!(t.result);
                    call["success"] = json!(t.success);
                    call["durationMs"] = json!(t.duration_ms);
                }
            }
            RuntimeMessage::StepEnd(end) => {
                self.success = end.success;
                self.result = Some(end.result.clone());
            }
            _ => {}
        }
    }

    fn completion(self) -> Completion {
        let content = match (self.content.is_empty(), self.success, self.result) {
            (true, true, Some(result)) => result,
            (_, _, _) => self.content,
        };
        Completion {
            content,
            thinking: (!self.thinking.is_empty()).then_some(self.thinking),
            tool_calls: (!self.tools.is_empty()).then(|| Value::from(self.tools)),
            aborted: self.aborted,
        }
    }
}

impl Driver {
    /// Answers `message` (the runtime runs), then marks its inbox entry done.
    pub(super) async fn answer(
        &mut self,
        entry: &InboxEntry,
        message: &ChatMessageSent,
    ) -> Result<(), anyhow::Error> {
        let request = message.message_id.clone();
        let step = RuntimeCommand::AgentStep(AgentStep {
            request_id: request.clone(),
            prompt: message.content.clone(),
            tools: Vec::new(),
            max_steps: DEFAULT_MAX_STEPS,
            attachments: attachments(message),
            model: message.model.clone(),
            system_prompt: None,
            timestamp: now_ms(),
        });
        let mut answer = Answer::default();
        let mut gone = false;
        let sent = match &mut self.live {
            Some(live) => live.session.send(&step).await,
            None => Err(SessionError::Timeout(Duration::ZERO)),
        };
        if let Err(err) = sent {
            gone = true;
            self.frames
                .emit(
                    "session_error",
                    json!({"message": format!("the runtime did not take the message: {err}")}),
                )
                .await;
        }
        let started = Instant::now();
        let mut polled = Instant::now();
        let mut aborted_at: Option<Instant> = None;
        while !gone {
            if self.lost.is_cancelled() {
                return Ok(());
            }
            let Some(live) = &mut self.live else {
                gone = true;
                break;
            };
            match live.session.next_for(&request, POLL).await {
                Ok(Some(msg)) => {
                    answer.take(&msg);
                    if let Some((kind, data)) = frame_of(&msg) {
                        self.frames.emit(kind, data).await;
                    }
                    if matches!(msg, RuntimeMessage::Idle(_)) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(SessionError::Timeout(_)) => {}
                Err(err) => {
                    tracing::warn!(session = %self.session, error = %err, "the chat runtime ended mid-answer");
                    self.frames
                        .status("container_error", "the runtime ended mid-answer")
                        .await;
                    gone = true;
                    break;
                }
            }
            match aborted_at {
                None => {
                    let timed_out = started.elapsed() >= self.timeouts.hard;
                    let stop = if polled.elapsed() >= POLL {
                        polled = Instant::now();
                        self.stop_requested(&entry.id).await
                    } else {
                        false
                    };
                    if timed_out {
                        let why = format!(
                            "the answer took longer than {} s and was stopped",
                            self.timeouts.hard.as_secs()
                        );
                        self.frames
                            .emit("session_error", json!({"message": why}))
                            .await;
                    }
                    if stop || timed_out {
                        answer.aborted = true;
                        aborted_at = Some(Instant::now());
                        self.abort(&request).await;
                    }
                }
                Some(at) if at.elapsed() >= ABORT_GRACE => {
                    // It never ended the request: stop it; the next message starts another.
                    gone = true;
                    break;
                }
                Some(_) => {}
            }
        }
        if gone {
            answer.aborted = true;
            self.drop_runtime().await?;
        }
        if answer.aborted {
            self.frames.emit("response_aborted", json!({})).await;
        }
        let success = answer.success && !answer.aborted;
        self.frames
            .emit("turn_end", json!({"success": success}))
            .await;
        self.complete(&message.assistant_message_id, &answer.completion())
            .await;
        self.mark_done(&entry.id).await
    }

    /// Whether a `stop` or `end` not yet acted on waits after `current` in the inbox.
    async fn stop_requested(&mut self, current: &str) -> bool {
        let later = self
            .chat
            .inbox
            .after(&self.tenant, &self.session, current, 100)
            .await
            .unwrap_or_default();
        let stop = later.into_iter().find(|e| {
            (e.kind == kind::STOP || e.kind == kind::END) && !self.used_stops.contains(&e.id)
        });
        match stop {
            Some(entry) => {
                self.used_stops.insert(entry.id);
                true
            }
            None => false,
        }
    }

    async fn abort(&mut self, request: &str) {
        let Some(live) = &mut self.live else {
            return;
        };
        let abort = RuntimeCommand::Abort(Abort {
            request_id: request.to_owned(),
            timestamp: now_ms(),
        });
        if let Err(err) = live.session.send_now(&abort).await {
            tracing::warn!(session = %self.session, error = %err, "the abort did not reach the runtime");
        }
    }
}

fn attachments(message: &ChatMessageSent) -> Option<Vec<Attachment>> {
    if message.attachments.is_empty() {
        return None;
    }
    Some(
        message
            .attachments
            .iter()
            .map(|a| Attachment {
                id: a.id.clone(),
                filename: a.filename.clone(),
                mime_type: a.mime_type.clone(),
                size_bytes: u64::try_from(a.size_bytes).unwrap_or(0),
                is_image: a.is_image,
                estimated_tokens: a.estimated_tokens.and_then(|t| u64::try_from(t).ok()),
            })
            .collect(),
    )
}
