//! Request and response types of project-svc's HTTP API, one module per resource. Types other
//! services use too live in `shared_schemas`.

pub mod agent_work;
pub mod columns;
pub mod dependencies;
pub mod execution;
pub mod onboarding;
pub mod page;
pub mod planning;
pub mod project_agents;
pub mod project_settings;
pub mod projects;
pub mod ready;
pub mod task_moves;
pub mod tasks;
pub mod templates;
pub mod workflows;
