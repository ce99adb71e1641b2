//! HTTP routes of auth-svc, one file per resource.

mod api_keys;
mod auth;
mod internal;
mod oidc;
mod providers;
mod tenants;
mod totp;
mod users;
mod waitlist;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
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

pub use api_keys::ApiDoc as ApiKeysDoc;
pub use auth::ApiDoc as AuthDoc;
pub use internal::ApiDoc as InternalDoc;
pub use oidc::ApiDoc as OidcDoc;
pub use providers::ApiDoc as ProvidersDoc;
pub use tenants::ApiDoc as TenantsDoc;
pub use totp::ApiDoc as TotpDoc;
pub use users::ApiDoc as UsersDoc;
pub use waitlist::ApiDoc as WaitlistDoc;
