//! Request and response types of agent-svc's HTTP API (serde + utoipa `ToSchema`), one module
//! per resource. Types other services also use live in shared-schemas.

pub mod lifecycle;
pub mod providers;
pub mod shares;
pub mod skill_grants;
pub mod user_providers;
