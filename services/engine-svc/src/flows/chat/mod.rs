//! Chat sessions' runtimes (ARCHITECTURE §6 "Chat", docs/engine/chat.md).
//!
//! agent-svc's `CHAT_*` commands reach every replica's chat consumer through the global stream;
//! [`Chat::accept`] puts each into its session's inbox (once, whatever the redeliveries) and
//! makes sure a driver runs: the replica that takes the session's lease spawns it
//! ([`driver`]). The driver starts the session's runtime, answers the inbox in order, streams
//! the answer's frames to the session's stream and completes the assistant messages in
//! agent-svc. A replica that dies loses the lease; [`Chat::take_over`] (a periodic pass) gives
//! its sessions a new driver, which starts a new runtime with the stored conversation.

pub mod agent_svc;
mod driver;
pub mod frames;
pub mod inbox;
mod start;
mod turn;

use std::sync::Arc;
use std::time::Duration;

use bus::lease::Lease;
use shared_schemas::events::chat::ChatSessionCommand;
use shared_schemas::events::{Decoded, Event, EventEnvelope, decode};
use shared_schemas::ids::TenantId;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::execute::agent_env::AgentEnv;
use crate::runtimes::Runtimes;
use agent_svc::ChatAgentSvc;
use inbox::Inbox;

/// How long a session's lease lasts unless renewed (renewed every third of it).
pub const LEASE_TTL: Duration = Duration::from_secs(15);

/// Inbox entry kinds.
pub mod kind {
    pub const START: &str = "start";
    pub const MESSAGE: &str = "message";
    pub const STOP: &str = "stop";
    pub const END: &str = "end";
    pub const MODEL: &str = "model";
}

/// Everything the chat consumer and drivers work with.
#[derive(Clone)]
pub struct Chat {
    pub app: AppState,
    pub runtimes: Arc<Runtimes>,
    pub agents: AgentEnv,
    pub svc: ChatAgentSvc,
    pub inbox: Inbox,
    /// `DJINNBOT_API_URL` for the runtime.
    pub api_url: String,
    pub lease_ttl: Duration,
    /// Drivers stop with it (their sessions go to another replica).
    pub shutdown: CancellationToken,
}

impl Chat {
    pub fn new(app: AppState, runtimes: Arc<Runtimes>, shutdown: CancellationToken) -> Self {
        let client = app.platform.client.clone();
        let url = app.config.agent_svc_url.clone();
        Self {
            agents: AgentEnv::new(client.clone(), &url),
            svc: ChatAgentSvc::new(client, &url),
            inbox: Inbox::new(app.platform.redis.clone(), app.platform.keys.clone()),
            api_url: app.config.api_url(),
            lease_ttl: LEASE_TTL,
            app,
            runtimes,
            shutdown,
        }
    }

    /// Handles one global-stream entry: a `CHAT_*` command goes into its session's inbox and
    /// the session gets a driver. Other events are not the chat consumer's.
    pub async fn accept(&self, data: &str) -> Result<(), bus::BusError> {
        let Ok(Decoded::Known(envelope)) = decode(data) else {
            return Ok(());
        };
        let Some((session, kind, payload)) = command_of(&envelope)? else {
            return Ok(());
        };
        // The tenant is the envelope's (the outbox of the tenant that wrote it): another
        // tenant's command for this session id lands in that tenant's own keys.
        let tenant = &envelope.tenant_id;
        let fresh = self
            .inbox
            .append(tenant, &session, envelope.id.as_str(), kind, &payload)
            .await?;
        if !fresh {
            tracing::debug!(session, event = %envelope.id, "a redelivered chat command is skipped");
        }
        self.ensure_driver(tenant, &session).await
    }

    /// Spawns the session's driver here unless a replica holds its lease (a dead holder's lease
    /// is broken first). Never waits for a runtime.
    pub async fn ensure_driver(
        &self,
        tenant: &TenantId,
        session: &str,
    ) -> Result<(), bus::BusError> {
        if self.shutdown.is_cancelled() || self.runtimes.is_draining() {
            return Ok(());
        }
        let platform = &self.app.platform;
        let key = platform.keys.chat_lease(tenant, session);
        let mut lease = self.acquire(&key).await?;
        if lease.is_none()
            && crate::flows::execute::takeover::break_if_dead(&self.runtimes, &platform.redis, &key)
                .await?
        {
            lease = self.acquire(&key).await?;
        }
        let Some(lease) = lease else {
            return Ok(());
        };
        tokio::spawn(driver::drive(
            self.clone(),
            tenant.clone(),
            session.to_owned(),
            lease,
        ));
        Ok(())
    }

    async fn acquire(&self, key: &str) -> Result<Option<Lease>, bus::BusError> {
        let platform = &self.app.platform;
        Lease::acquire(
            platform.redis.clone(),
            &platform.keys,
            key.to_owned(),
            self.runtimes.instance_id().to_owned(),
            self.lease_ttl,
        )
        .await
    }

    /// The take-over pass: every active session with work left (commands not done, or a
    /// runtime that was running) and no live lease holder gets a driver here. Returns how many
    /// sessions it tried to take.
    pub async fn take_over(&self) -> Result<usize, bus::BusError> {
        let mut started = 0;
        for tenant in self.inbox.tenants().await? {
            for session in self.inbox.active(&tenant).await? {
                let state = self.inbox.state(&tenant, &session).await?;
                let done = state.get("done").cloned().unwrap_or_default();
                let pending = !self
                    .inbox
                    .after(&tenant, &session, &done, 1)
                    .await?
                    .is_empty();
                let live = state.get("runId").is_some_and(|r| !r.is_empty());
                if !pending && !live {
                    if state.is_empty() {
                        self.inbox.deactivate(&tenant, &session).await?;
                    }
                    continue;
                }
                let key = self.app.platform.keys.chat_lease(&tenant, &session);
                let held = bus::lease::holder_of(&self.app.platform.redis, &key).await?;
                if let Some(holder) = held
                    && (holder == self.runtimes.instance_id()
                        || self.runtimes.liveness().is_alive(&holder).await?)
                {
                    continue;
                }
                self.ensure_driver(&tenant, &session).await?;
                started += 1;
            }
        }
        Ok(started)
    }
}

/// The session, inbox kind and payload (JSON) of a `CHAT_*` command.
fn command_of(
    envelope: &EventEnvelope,
) -> Result<Option<(String, &'static str, String)>, bus::BusError> {
    let (session, kind, payload) = match &envelope.event {
        Event::ChatStartRequested(e) => (&e.session_id, kind::START, serde_json::to_string(e)?),
        Event::ChatMessageSent(e) => (&e.session_id, kind::MESSAGE, serde_json::to_string(e)?),
        Event::ChatStopRequested(e) => (&e.session_id, kind::STOP, serde_json::to_string(e)?),
        Event::ChatEndRequested(e) => (&e.session_id, kind::END, serde_json::to_string(e)?),
        Event::ChatModelChanged(e) => (&e.session_id, kind::MODEL, serde_json::to_string(e)?),
        // A deleted session's runtime ends like an ended one's.
        Event::ChatSessionDeleted(e) => {
            let end = ChatSessionCommand {
                session_id: e.session_id.clone(),
                agent_id: e.agent_id.clone(),
            };
            (&e.session_id, kind::END, serde_json::to_string(&end)?)
        }
        _ => return Ok(None),
    };
    Ok(Some((session.clone(), kind, payload)))
}
