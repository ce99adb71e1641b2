//! One module per resource; each declares its routes with their OpenAPI in `routes()`.

pub mod agent_work;
pub mod columns;
pub mod dependencies;
pub mod execution;
pub mod onboarding;
pub mod planning;
pub mod project_agents;
pub mod project_settings;
pub mod projects;
pub mod ready;
pub mod task_moves;
pub mod tasks;
pub mod templates;
pub mod workflows;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route of the service with its OpenAPI operation, declared once in its resource's file.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(projects::routes())
        .merge(project_settings::routes())
        .merge(columns::routes())
        .merge(tasks::routes())
        .merge(task_moves::routes())
        .merge(dependencies::routes())
        .merge(ready::routes())
        .merge(planning::routes())
        .merge(workflows::routes())
        .merge(project_agents::routes())
        .merge(execution::routes())
        .merge(templates::routes())
        .merge(onboarding::routes())
        .merge(agent_work::routes())
}
