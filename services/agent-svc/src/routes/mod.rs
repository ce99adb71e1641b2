//! One module per resource; each declares its routes with their OpenAPI (`routes()`), merged here.

pub mod admin;
pub mod agent_config;
pub mod agents;
pub mod channels;
pub mod chat;
pub mod chat_attachments;
pub mod chat_internal;
pub mod chat_sessions;
pub mod inbox;
pub mod internal;
pub mod lifecycle;
pub mod llm_calls;
pub mod messaging;
pub mod providers;
pub mod pulse_agent;
pub mod pulse_routines;
pub mod pulses;
pub mod queue;
pub mod sandbox;
pub mod secret_grants;
pub mod secrets;
pub mod settings;
pub mod shares;
pub mod skill_grants;
pub mod skills;
pub mod templates;
pub mod tools;
pub mod user_providers;
pub mod work_locks;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI operation, each declared once in its file.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(agents::routes())
        .merge(templates::routes())
        .merge(agent_config::routes())
        .merge(sandbox::routes())
        .merge(lifecycle::routes())
        .merge(channels::routes())
        .merge(tools::routes())
        .merge(messaging::routes())
        .merge(queue::routes())
        .merge(inbox::routes())
        .merge(pulse_routines::routes())
        .merge(pulses::routes())
        .merge(pulse_agent::routes())
        .merge(settings::routes())
        .merge(providers::routes())
        .merge(user_providers::routes())
        .merge(shares::routes())
        .merge(llm_calls::routes())
        .merge(skills::routes())
        .merge(skill_grants::routes())
        .merge(secrets::routes())
        .merge(secret_grants::routes())
        .merge(admin::routes())
        .merge(internal::routes())
        .merge(work_locks::routes())
        .merge(chat::routes())
        .merge(chat_sessions::routes())
        .merge(chat_attachments::routes())
        .merge(chat_internal::routes())
}
