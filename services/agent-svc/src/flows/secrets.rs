//! `/v1/secrets/`: credentials a tenant hands to its agents as environment variables (contract
//! §1.3, §10). Values are encrypted at rest and answered only masked, except to engine-svc on
//! `/agents/{agent_id}/env` (secret_grants.rs). Users create secrets; admins and the creator
//! change, delete and grant them. The library is for users; an agent sees only the secrets
//! granted to itself.
//! The use cases behind `routes::secrets`.

use std::sync::Arc;

use kit::crypto::SecretBox;
use kit::{ApiError, Platform, TenantContext};

use crate::api::secrets::{SecretCreate, SecretResponse, SecretUpdate};
use crate::domain::secrets::{self as rules, normalize_env_key};
use crate::store::{self, secrets::NewSecret, secrets::SecretPatch};
use kit::crypto::mask;

/// The tenant's secrets, newest first, masked.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
) -> Result<Vec<SecretResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secrets = store::secrets::list(&mut tx).await?;
    tx.commit().await?;
    Ok(secrets.into_iter().map(Into::into).collect())
}

/// Encrypts the value at once; 409 `secret_name_taken` when the tenant has the name already.
pub async fn create(
    platform: &Platform,
    secrets: &Arc<SecretBox>,
    ctx: &TenantContext,
    body: SecretCreate,
) -> Result<SecretResponse, ApiError> {
    let new = NewSecret {
        name: body.name.trim().to_owned(),
        description: body.description,
        secret_type: body.secret_type,
        env_key: normalize_env_key(&body.env_key),
        encrypted_value: secrets.encrypt(&body.value),
        masked_preview: mask(&body.value),
        created_by: ctx.subject().to_owned(),
    };
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let id = store::secrets::insert(&mut tx, &new, store::now_ms()).await?;
    let secret = store::secrets::get(&mut tx, &id).await?;
    tx.commit().await?;
    Ok(secret.into())
}

pub async fn get_one(
    platform: &Platform,
    ctx: &TenantContext,
    secret_id: &str,
) -> Result<SecretResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    tx.commit().await?;
    Ok(secret.into())
}

/// Renames, retypes, re-keys or rotates a secret (admins and its creator).
pub async fn update(
    platform: &Platform,
    secrets: &Arc<SecretBox>,
    ctx: &TenantContext,
    admin: bool,
    secret_id: &str,
    body: SecretUpdate,
) -> Result<SecretResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    rules::require_manager(ctx, admin, &secret.created_by)?;
    let patch = SecretPatch {
        name: body.name.map(|n| n.trim().to_owned()),
        description: body.description,
        secret_type: body.secret_type,
        env_key: body.env_key.as_deref().map(normalize_env_key),
        value: body.value.map(|v| (secrets.encrypt(&v), mask(&v))),
    };
    if let Some(key) = &patch.env_key {
        store::secrets::refuse_env_key_clash(&mut tx, &secret.id, key, &secret.granted_agents)
            .await?;
    }
    store::secrets::update(&mut tx, &secret.id, &patch, store::now_ms()).await?;
    let secret = store::secrets::get(&mut tx, &secret.id).await?;
    tx.commit().await?;
    Ok(secret.into())
}

/// Deletes the secret and all its grants (admins and its creator).
pub async fn delete(
    platform: &Platform,
    ctx: &TenantContext,
    admin: bool,
    secret_id: &str,
) -> Result<(), ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let secret = store::secrets::get(&mut tx, secret_id).await?;
    rules::require_manager(ctx, admin, &secret.created_by)?;
    store::secrets::delete(&mut tx, &secret.id).await?;
    tx.commit().await?;
    Ok(())
}
