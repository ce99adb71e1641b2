//! HTTP routes of auth-svc, one file per resource.

mod admin;
mod api_keys;
mod auth;
mod internal;
mod oidc;
mod providers;
mod tenants;
mod totp;
mod users;
mod waitlist;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Every route with its OpenAPI operation, each declared once beside its handler.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(admin::routes())
        .merge(auth::routes())
        .merge(oidc::routes())
        .merge(providers::routes())
        .merge(tenants::routes())
        .merge(totp::routes())
        .merge(users::routes())
        .merge(waitlist::routes())
        .merge(api_keys::routes())
        .merge(internal::routes())
}
