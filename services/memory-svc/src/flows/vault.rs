//! Which vault a request names, whether the caller may use it, and its directory handle.
//!
//! `shared` is the tenant's shared vault; anything else names an agent (id or slug) that
//! agent-svc must know in the caller's tenant (404 otherwise, so another tenant's agent is as
//! unknown as one that never existed). An agent's own credential reaches only its own vault
//! and the shared one.

use kit::beneath::{Beneath, WriteError};
use kit::paths::{Area, PathError};
use kit::{ApiError, TenantContext};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::blocking;

pub const SHARED: &str = "shared";

/// The vault `vault_ref` names for this caller: an agent id or [`SHARED`].
pub async fn resolve(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
) -> Result<String, ApiError> {
    if vault_ref == SHARED {
        return Ok(SHARED.to_owned());
    }
    let id = app.agents.resolve(&ctx.tenant_id, vault_ref).await?;
    ctx.require_access_to_agent(&id)?;
    Ok(id)
}

/// The vaults an agent credential may read; `None` (all of them) for users and services.
pub fn readable(ctx: &TenantContext) -> Option<Vec<String>> {
    ctx.agent_id()
        .filter(|_| ctx.kind() == kit::auth::TokenKind::Agent)
        .map(|own| vec![own.to_owned(), SHARED.to_owned()])
}

/// The vault's directory handle; with `create`, made where missing. `None` when it does not
/// exist (and `create` is false).
pub async fn root(
    app: &AppState,
    tenant: &TenantId,
    vault: &str,
    create: bool,
) -> Result<Option<Beneath>, ApiError> {
    let (paths, tenant, vault) = (app.paths.clone(), tenant.clone(), vault.to_owned());
    blocking(
        move || match Beneath::base(&paths, tenant.as_str(), Area::Vaults, &vault, create) {
            Ok(dir) => Ok(Some(dir)),
            Err(PathError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        },
    )
    .await
}

/// The tenant's `vaults/` directory, if it exists.
pub async fn vaults_dir(app: &AppState, tenant: &TenantId) -> Result<Option<Beneath>, ApiError> {
    let (paths, tenant) = (app.paths.clone(), tenant.clone());
    blocking(move || {
        let opened = Beneath::open(paths.root())
            .and_then(|root| root.open_dir(&format!("tenants/{}/vaults", tenant.as_str())));
        match opened {
            Ok(dir) => Ok(Some(dir)),
            Err(PathError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

pub fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::Path(e) => e.into(),
        WriteError::Exists => ApiError::conflict("file_exists", "a file with that name exists"),
        WriteError::NotFound => file_not_found(),
        WriteError::NotAFile => ApiError::bad_request("not_a_file", "not a regular file"),
    }
}

pub fn file_not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "file_not_found",
        "no such note in this vault",
    )
}
