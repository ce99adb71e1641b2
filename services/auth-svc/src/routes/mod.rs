//! HTTP routes of auth-svc, one file per resource.

mod auth;
mod tenants;
mod totp;
mod users;
mod waitlist;

use axum::Router;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(auth::routes())
        .merge(tenants::routes())
        .merge(totp::routes())
        .merge(users::routes())
        .merge(waitlist::routes())
}

pub use auth::ApiDoc as AuthDoc;
pub use tenants::ApiDoc as TenantsDoc;
pub use totp::ApiDoc as TotpDoc;
pub use users::ApiDoc as UsersDoc;
pub use waitlist::ApiDoc as WaitlistDoc;
