//! Live streams read by sse-relay (issue 13). Every SSE endpoint reads a durable stream so a
//! client resumes with `Last-Event-ID` on any relay replica. Tenant data sits under the tenant
//! namespace, so another tenant's id simply names no key there.

use shared_schemas::ids::TenantId;

use super::{Keys, segment};

impl Keys {
    /// A chat or agent session's events (`output`, `thinking`, `tool_start`, `turn_end`, …):
    /// the chat producer appends here and sse-relay serves the session's stream from it.
    pub fn session_stream(&self, tenant: &TenantId, session: &str) -> String {
        self.tenant(tenant, &format!("sessions:{}:stream", segment(session)))
    }

    /// The latest full state of a swarm (a JSON string), sent first on its stream.
    pub fn swarm_state(&self, tenant: &TenantId, swarm: &str) -> String {
        self.tenant(tenant, &format!("swarm:{}:state", segment(swarm)))
    }

    /// A swarm's progress events (`swarm:task_started`, …, `swarm:completed`), a stream.
    pub fn swarm_progress(&self, tenant: &TenantId, swarm: &str) -> String {
        self.tenant(tenant, &format!("swarm:{}:progress", segment(swarm)))
    }

    /// A tenant's MCP server log lines (flat fields `line, level, ts`), a capped stream.
    pub fn mcp_logs(&self, tenant: &TenantId) -> String {
        self.tenant(tenant, "mcp:logs")
    }

    /// One platform container's log lines (flat fields `line, level, ts, container, service`),
    /// for platform administrators only.
    pub fn container_logs(&self, container: &str) -> String {
        self.global(&format!("logs:{}", segment(container)))
    }

    /// SCAN pattern of every tenant's event streams (tenant and run streams), which sse-relay
    /// trims by age.
    pub fn tenant_event_streams_pattern(&self) -> String {
        self.global("t:*:events:*")
    }

    /// Every platform container's log lines merged in one stream (administrators only).
    pub fn merged_logs(&self) -> String {
        self.global("logs:merged")
    }
}
