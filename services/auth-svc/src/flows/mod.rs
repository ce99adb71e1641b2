//! The account flows: what happens between a validated request and the store.

pub mod account;
pub mod admin;
pub mod api_keys;
pub mod first_run;
pub mod introspect;
pub mod login;
pub mod oidc;
pub mod refresh;
pub mod revocation;
pub mod session;
pub mod status_sync;
pub mod tenancy;
pub mod totp;
pub mod totp_login;
pub mod users;
pub mod waitlist;

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::store::tenants;

/// Refuses a tenant that is not active (suspended or being deleted).
pub async fn ensure_tenant_active(tx: &mut TenantTx) -> Result<(), ApiError> {
    let tenant: TenantId = tx.tenant().clone();
    let row = tenants::get(tx, &tenant).await?;
    match row.as_ref().map(|t| t.status.as_str()) {
        Some("active") => Ok(()),
        Some(_) => Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "tenant_suspended",
            "this tenant is suspended",
        )),
        None => Err(ApiError::unauthorized("account no longer exists")),
    }
}
