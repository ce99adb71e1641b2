//! project-svc against real Postgres and Redis.

mod helpers;
mod onboarding;
mod onboarding_conversation;
mod onboarding_cross_tenant;
mod schema;
mod templates;
mod templates_catalog;
