//! Chat sessions (issue 15): the engine's per-session coordination. agent-svc's commands arrive
//! on the global stream (`CHAT_*` events); the engine's chat consumer puts each into the
//! session's inbox, and the one replica holding the session's lease drives its runtime from it.

use shared_schemas::ids::TenantId;

use super::{Keys, segment};

impl Keys {
    /// Consumer group of engine-svc's chat command consumer on the global stream.
    pub fn engine_chat_group(&self) -> String {
        self.global("cg:engine-chat")
    }

    /// Consumer group of engine-svc's pulse runner on the global stream (`PULSE_TRIGGERED`).
    pub fn engine_pulses_group(&self) -> String {
        self.global("cg:engine-pulses")
    }

    /// Consumer group of project-svc's onboarding reply recorder on the global stream
    /// (`CHAT_MESSAGE_COMPLETED` of onboarding chats becomes the session's assistant message).
    pub fn project_onboarding_group(&self) -> String {
        self.global("cg:project-onboarding")
    }

    /// A session's commands in order (`message`, `stop`, `end`, `model`), a stream the driver
    /// reads from the last id it finished.
    pub fn chat_inbox(&self, tenant: &TenantId, session: &str) -> String {
        self.tenant(tenant, &format!("chat:{}:inbox", segment(session)))
    }

    /// The lease of the replica driving a session's runtime (`SET NX PX`, fenced).
    pub fn chat_lease(&self, tenant: &TenantId, session: &str) -> String {
        self.tenant(tenant, &format!("chat:{}:lease", segment(session)))
    }

    /// A session's driver state (hash: runtime run id, last inbox id done, model, …), so a
    /// replica taking the session over continues where the previous one stopped.
    pub fn chat_state(&self, tenant: &TenantId, session: &str) -> String {
        self.tenant(tenant, &format!("chat:{}:state", segment(session)))
    }

    /// Set of the tenant's sessions with a live driver, which the reaper and the take-over pass
    /// walk (members are session ids).
    pub fn chat_active(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "chat:active")
    }

    /// SCAN pattern of every tenant's active-session set.
    pub fn chat_active_pattern(&self) -> String {
        self.global("t:*:chat:active")
    }

    /// Pulse sessions of a tenant running now (a sorted set: session id by start time), bounded
    /// by the tenant's `maxConcurrentPulseSessions`.
    pub fn pulse_sessions(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "pulse:sessions")
    }
}
