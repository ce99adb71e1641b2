use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use kit::page::Page;
use serde::Serialize;
use shared_schemas::ids::{TenantId, UserId};
use sqlx::{FromRow, PgConnection};

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub owner_user_id: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, slug, owner_user_id, status, created_at, updated_at";

pub fn slug_taken() -> ApiError {
    ApiError::conflict("slug_taken", "this slug is already used by another tenant")
}

/// Inserts the tenant without an owner (phase one of spec §2.2.1). `false` when the slug is
/// taken; the transaction stays usable so the caller can try another slug.
pub async fn insert(tx: &mut TenantTx, name: &str, slug: &str, now: i64) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    let inserted = sqlx::query(
        "insert into auth.tenants (id, name, slug, created_at, updated_at)
         values ($1, $2, $3, $4, $4) on conflict (slug) do nothing",
    )
    .bind(tenant.as_str())
    .bind(name)
    .bind(slug)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

pub async fn set_owner(tx: &mut TenantTx, owner: &UserId, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("update auth.tenants set owner_user_id = $2, updated_at = $3 where id = $1")
        .bind(tenant.as_str())
        .bind(owner.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, tenant: &TenantId) -> Result<Option<Tenant>, ApiError> {
    Ok(
        sqlx::query_as(&format!("select {COLUMNS} from auth.tenants where id = $1"))
            .bind(tenant.as_str())
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn update(
    tx: &mut TenantTx,
    name: Option<&str>,
    slug: Option<&str>,
    now: i64,
) -> Result<Tenant, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "update auth.tenants set name = coalesce($2, name), slug = coalesce($3, slug), updated_at = $4
          where id = $1 returning {COLUMNS}"
    ))
    .bind(tenant.as_str())
    .bind(name)
    .bind(slug)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("tenants_slug_key", slug_taken)
}

/// Every tenant (platform scope only: the status sync and platform administrators).
/// Every tenant (the status sync's walk over all of them).
pub async fn list_all(conn: &mut PgConnection) -> Result<Vec<Tenant>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.tenants order by created_at, id"
    ))
    .fetch_all(conn)
    .await?)
}

/// A page of the tenants, oldest first, and how many there are.
pub async fn page(conn: &mut PgConnection, page: Page) -> Result<(Vec<Tenant>, i64), ApiError> {
    let total: i64 = sqlx::query_scalar("select count(*) from auth.tenants")
        .fetch_one(&mut *conn)
        .await?;
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from auth.tenants order by created_at, id limit $1 offset $2"
    ))
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut *conn)
    .await?;
    Ok((rows, total))
}

pub async fn set_status(
    conn: &mut PgConnection,
    tenant: &TenantId,
    status: &str,
    now: i64,
) -> Result<Option<Tenant>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "update auth.tenants set status = $2, updated_at = $3 where id = $1 returning {COLUMNS}"
    ))
    .bind(tenant.as_str())
    .bind(status)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Deletes the tenant; every tenant table cascades from it.
pub async fn delete(conn: &mut PgConnection, tenant: &TenantId) -> Result<bool, ApiError> {
    let done = sqlx::query("delete from auth.tenants where id = $1")
        .bind(tenant.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the tenant's row for the rest of the transaction and returns its owner: changes of
/// administrators' roles and active flags take it first, so two concurrent demotions count the
/// remaining administrators one after the other.
pub async fn lock_owner(tx: &mut TenantTx) -> Result<Option<String>, ApiError> {
    let tenant = tx.tenant().clone();
    let row: Option<(Option<String>,)> =
        sqlx::query_as("select owner_user_id from auth.tenants where id = $1 for update")
            .bind(tenant.as_str())
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.and_then(|(owner,)| owner))
}
