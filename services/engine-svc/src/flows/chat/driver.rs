//! A session's driver: one per active session in the cluster, on the replica holding the
//! session's lease. It works through the inbox in order from the last id done (`message` →
//! one answer, `stop` → no-op unless an answer is streaming, `model`, `end`), keeps the
//! runtime started, ends it when idle, and records how far it got in `keys.chat_state` so a
//! replica taking over continues exactly there.

use std::collections::HashSet;
use std::time::Duration;

use bus::lease::Lease;
use serde_json::json;
use shared_schemas::events::chat::{ChatMessageSent, ChatModelChanged, ChatStartRequested};
use shared_schemas::ids::{RunId, TenantId};
use shared_schemas::runtime::{ChangeModel, RuntimeCommand};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::agent_svc::{ChatTimeouts, Completion};
use super::frames::{Frames, now_ms};
use super::inbox::InboxEntry;
use super::start::{Live, SessionState};
use super::{Chat, kind};

/// How often an idle driver looks at its inbox (and a streaming one for `stop`).
pub(super) const POLL: Duration = Duration::from_millis(100);

/// Why a driver stopped.
#[derive(Debug, PartialEq, Eq)]
enum Exit {
    /// `end`, or the idle reaper: the runtime is shut down and the session's keys forgotten.
    Ended,
    /// Nothing to do and no runtime (a start failed): the state stays for the next command.
    Quiet,
    /// The lease was lost or the replica drains: another replica continues.
    HandedOver,
    /// The tenant has no such session: nothing was started, the stray inbox is dropped.
    Unknown,
}

pub(super) struct Driver {
    pub(super) chat: Chat,
    pub(super) tenant: TenantId,
    pub(super) session: String,
    pub(super) state: SessionState,
    pub(super) frames: Frames,
    pub(super) timeouts: ChatTimeouts,
    pub(super) live: Option<Live>,
    /// `stop`/`end` entries already acted on while an answer streamed.
    pub(super) used_stops: HashSet<String>,
    pub(super) lost: CancellationToken,
    last_activity: Instant,
}

/// Runs the session's driver until it stops, then gives the lease back.
pub(super) async fn drive(chat: Chat, tenant: TenantId, session: String, lease: Lease) {
    let heartbeat = lease.spawn_heartbeat(chat.lease_ttl / 3, chat.shutdown.child_token());
    let lost = heartbeat.lost();
    let frames = Frames::new(
        chat.app.platform.redis.clone(),
        &chat.app.platform.keys,
        &tenant,
        &session,
    );
    let timeouts = chat.svc.timeouts(&tenant).await;
    let mut driver = Driver {
        chat,
        tenant,
        session,
        state: SessionState::default(),
        frames,
        timeouts,
        live: None,
        used_stops: HashSet::new(),
        lost,
        last_activity: Instant::now(),
    };
    let exit = match driver.run().await {
        Ok(exit) => exit,
        Err(err) => {
            tracing::error!(session = %driver.session, error = %err, "a chat driver failed; the take-over pass restarts it");
            Exit::HandedOver
        }
    };
    if exit == Exit::HandedOver {
        // The state stays as it is: the next driver continues from it.
        if let Some(live) = driver.live.take() {
            driver.stop_runtime_only(&live.run).await;
        }
    }
    tracing::info!(session = %driver.session, ?exit, "chat driver stopped");
    heartbeat.stop().await;
    if let Err(err) = lease.release().await {
        tracing::debug!(error = %err, "a chat lease could not be released; it expires by itself");
    }
}

impl Driver {
    async fn run(&mut self) -> Result<Exit, anyhow::Error> {
        let (tenant, session) = (self.tenant.clone(), self.session.clone());
        if self.chat.svc.session(&tenant, &session).await?.is_none() {
            // Another tenant's session id, or one deleted since: nothing of it is ours to run.
            self.chat.inbox.forget(&tenant, &session).await?;
            return Ok(Exit::Unknown);
        }
        self.state = SessionState::from_hash(self.chat.inbox.state(&tenant, &session).await?);
        // A runtime was running under a replica that is gone: this one starts a new runtime
        // with the conversation, so the session goes on as it was.
        let mut resume = self.state.run_id.take().is_some();
        loop {
            if self.lost.is_cancelled() || self.chat.shutdown.is_cancelled() {
                return Ok(Exit::HandedOver);
            }
            let next = self
                .chat
                .inbox
                .after(&tenant, &session, &self.state.done, 1)
                .await?;
            if let Some(entry) = next.into_iter().next() {
                self.last_activity = Instant::now();
                let exit = self.handle(&entry).await?;
                // Idle counts from the end of the last command (an answer may take minutes).
                self.last_activity = Instant::now();
                if let Some(exit) = exit {
                    return Ok(exit);
                }
                continue;
            }
            if resume {
                resume = false;
                let _ = self.ensure_runtime().await;
            }
            let Some(live) = &self.live else {
                return Ok(Exit::Quiet);
            };
            let running = self
                .chat
                .runtimes
                .status(&live.run)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.is_running());
            if !running {
                // It ended on its own (crashed): the next message starts a new one.
                self.frames
                    .status("container_exiting", "the runtime ended")
                    .await;
                self.drop_runtime().await?;
                continue;
            }
            if self.last_activity.elapsed() >= self.timeouts.idle {
                self.finish("idle", "the session was idle and its runtime was stopped")
                    .await?;
                return Ok(Exit::Ended);
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = self.lost.cancelled() => {}
                () = self.chat.shutdown.cancelled() => {}
            }
        }
    }

    /// One inbox entry; `Some` when the driver stops after it.
    async fn handle(&mut self, entry: &InboxEntry) -> Result<Option<Exit>, anyhow::Error> {
        match entry.kind.as_str() {
            kind::START => {
                let start: ChatStartRequested = serde_json::from_str(&entry.data)?;
                self.state.agent = start.agent_id.as_str().to_owned();
                self.state.model = Some(start.model).filter(|m| !m.is_empty());
                self.state.user = start.user_id.map(|u| u.as_str().to_owned());
                self.state.supplement = start.system_prompt_supplement;
                let _ = self.ensure_runtime().await;
            }
            kind::MESSAGE => {
                let message: ChatMessageSent = serde_json::from_str(&entry.data)?;
                if self.state.agent.is_empty() {
                    self.state.agent = message.agent_id.as_str().to_owned();
                }
                match self.ensure_runtime().await {
                    Ok(()) => self.answer(entry, &message).await?,
                    Err(error) => {
                        self.complete(
                            &message.assistant_message_id,
                            &Completion {
                                content: String::new(),
                                thinking: None,
                                tool_calls: None,
                                aborted: true,
                            },
                        )
                        .await;
                        tracing::warn!(session = %self.session, error, "a message could not be answered");
                    }
                }
            }
            kind::MODEL => {
                let change: ChatModelChanged = serde_json::from_str(&entry.data)?;
                self.state.model = Some(change.model.clone());
                // A runtime holds its model provider's key only: another provider needs a new
                // runtime, started now with the conversation so far.
                let provider = change.model.split('/').next().unwrap_or_default();
                let same = self
                    .live
                    .as_ref()
                    .is_some_and(|l| l.key_resolution["modelProvider"] == provider);
                if self.live.is_some() && !same {
                    self.drop_runtime().await?;
                    let _ = self.ensure_runtime().await;
                }
                if let Some(live) = &mut self.live {
                    let command = RuntimeCommand::ChangeModel(ChangeModel {
                        model: change.model,
                        timestamp: now_ms(),
                    });
                    if let Err(err) = live.session.send_now(&command).await {
                        tracing::warn!(session = %self.session, error = %err, "the model change did not reach the runtime");
                    }
                }
            }
            kind::END => {
                self.state.done.clone_from(&entry.id);
                self.finish("completed", "the session ended").await?;
                return Ok(Some(Exit::Ended));
            }
            // `stop` with nothing streaming, or a kind of a newer engine: nothing to do.
            _ => {}
        }
        self.mark_done(&entry.id).await?;
        Ok(None)
    }

    /// Starts the runtime unless one runs; reports the outcome to the dashboard and agent-svc.
    async fn ensure_runtime(&mut self) -> Result<(), String> {
        if let Some(live) = &self.live {
            let running = self.chat.runtimes.status(&live.run).await.ok().flatten();
            if running.is_some_and(|s| s.is_running()) {
                return Ok(());
            }
            self.drop_runtime().await.map_err(|e| e.to_string())?;
        }
        self.frames
            .status("session_status", "starting the agent's runtime")
            .await;
        self.report(None, "starting", None).await;
        let pending = self.pending_messages().await;
        let launched = self
            .chat
            .launch(&self.tenant, &self.session, &self.state, &pending)
            .await;
        match launched {
            Ok(live) => {
                self.state.run_id = Some(live.run.as_str().to_owned());
                let mut fields = self.state.fields();
                fields.push(("keyResolution", live.key_resolution.to_string()));
                self.save(&fields).await.map_err(|e| e.to_string())?;
                self.frames.status("container_ready", "ready").await;
                self.report(Some(&live.container), "running", None).await;
                let recorded =
                    self.chat
                        .svc
                        .key_resolution(&self.tenant, &self.session, &live.key_resolution);
                if let Err(err) = recorded.await {
                    tracing::warn!(session = %self.session, error = %err, "the key resolution was not recorded on the session");
                }
                self.live = Some(live);
                Ok(())
            }
            Err(error) => {
                self.frames
                    .emit("session_error", json!({"message": error}))
                    .await;
                self.frames.status("container_error", &error).await;
                self.report(None, "failed", Some(&error)).await;
                Err(error)
            }
        }
    }

    /// The message ids of the `message` entries not done yet.
    async fn pending_messages(&self) -> HashSet<String> {
        let entries = self
            .chat
            .inbox
            .after(&self.tenant, &self.session, &self.state.done, 500)
            .await
            .unwrap_or_default();
        entries
            .iter()
            .filter(|e| e.kind == kind::MESSAGE)
            .filter_map(|e| serde_json::from_str::<ChatMessageSent>(&e.data).ok())
            .map(|m| m.message_id)
            .collect()
    }

    /// Shuts the runtime down and forgets the session's commands done so far (`end`, or idle):
    /// the session is `completed` for agent-svc; a later message or `/restart` starts a runtime
    /// again with the stored conversation (the monolith's reaped sessions behaved the same).
    /// A command that arrived meanwhile stays in the inbox for the take-over pass.
    async fn finish(&mut self, why: &str, message: &str) -> Result<(), anyhow::Error> {
        if let Some(live) = self.live.take() {
            self.frames.status("container_exiting", message).await;
            self.stop_runtime_only(&live.run).await;
        }
        self.frames
            .emit(
                "session_complete",
                json!({"message": message, "reason": why}),
            )
            .await;
        // An `end` came from agent-svc, which marked the session ended itself; telling it again
        // could end a restart the user asked for meanwhile. Only the reaper's decision is news.
        if why == "idle" {
            self.report(None, "completed", None).await;
        }
        self.state.run_id = None;
        let fields = self.state.fields();
        self.save(&fields).await?;
        let left = self
            .chat
            .inbox
            .forget_through(&self.tenant, &self.session, &self.state.done)
            .await?;
        if left > 0 {
            tracing::info!(session = %self.session, left, "commands arrived after the session ended; a new driver takes them");
        }
        Ok(())
    }

    /// The runtime is gone (crashed or stopped): forget it and record that none runs.
    pub(super) async fn drop_runtime(&mut self) -> Result<(), anyhow::Error> {
        if let Some(live) = self.live.take() {
            self.stop_runtime_only(&live.run).await;
        }
        self.state.run_id = None;
        let fields = self.state.fields();
        self.save(&fields).await
    }

    pub(super) async fn stop_runtime_only(&self, run: &RunId) {
        if let Err(err) = self.chat.runtimes.stop(run).await {
            tracing::warn!(session = %self.session, error = %err, "a chat runtime could not be stopped");
        }
    }

    pub(super) async fn mark_done(&mut self, id: &str) -> Result<(), anyhow::Error> {
        self.state.done = id.to_owned();
        let fields = self.state.fields();
        self.save(&fields).await
    }

    /// Writes the state while this driver still holds the lease (a driver that lost it must
    /// not move the next one's place).
    async fn save(&self, fields: &[(&str, String)]) -> Result<(), anyhow::Error> {
        if self.lost.is_cancelled() {
            anyhow::bail!("the session's lease was lost");
        }
        self.chat
            .inbox
            .set_state(&self.tenant, &self.session, fields)
            .await?;
        Ok(())
    }

    async fn report(&self, container: Option<&str>, status: &str, error: Option<&str>) {
        if let Err(err) = self
            .chat
            .svc
            .container(&self.tenant, &self.session, container, status, error)
            .await
        {
            tracing::warn!(session = %self.session, status, error = %err, "agent-svc was not told the runtime's status");
        }
    }

    pub(super) async fn complete(&self, message: &str, completion: &Completion) {
        if let Err(err) = self
            .chat
            .svc
            .complete(&self.tenant, message, completion)
            .await
        {
            tracing::warn!(session = %self.session, message, error = %err, "an assistant message was not completed");
        }
    }
}
