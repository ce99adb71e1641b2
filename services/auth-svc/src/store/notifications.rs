//! SQL of `auth.admin_notifications`: system messages for a tenant's administrators.

use kit::ApiError;
use kit::db::TenantTx;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct Notification {
    pub id: String,
    pub level: String,
    pub title: String,
    pub detail: Option<String>,
    pub created_by: String,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, level, title, detail, created_by, read_at, created_at";

pub struct NewNotification<'a> {
    pub level: &'a str,
    pub title: &'a str,
    pub detail: Option<&'a str>,
    pub created_by: &'a str,
}

pub async fn insert(
    tx: &mut TenantTx,
    new: &NewNotification<'_>,
    now: i64,
) -> Result<Notification, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "insert into auth.admin_notifications
             (id, tenant_id, level, title, detail, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7) returning {COLUMNS}"
    ))
    .bind(format!("ntf_{}", shared_schemas::ids::random_body()))
    .bind(tenant.as_str())
    .bind(new.level)
    .bind(new.title)
    .bind(new.detail)
    .bind(new.created_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// One page, newest first, and how many there are in all.
pub async fn page(
    tx: &mut TenantTx,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Notification>, i64), ApiError> {
    let tenant = tx.tenant().clone();
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from auth.admin_notifications
          where tenant_id = $1 and (not $2 or read_at is null)
          order by created_at desc, id desc limit $3 offset $4"
    ))
    .bind(tenant.as_str())
    .bind(unread_only)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    let total = sqlx::query_scalar(
        "select count(*) from auth.admin_notifications
          where tenant_id = $1 and (not $2 or read_at is null)",
    )
    .bind(tenant.as_str())
    .bind(unread_only)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// Marks one read (kept when it already was); false when the tenant has no such notification.
pub async fn mark_read(tx: &mut TenantTx, id: &str, now: i64) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update auth.admin_notifications set read_at = coalesce(read_at, $3)
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant.as_str())
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks every unread one read; how many were.
pub async fn mark_all_read(tx: &mut TenantTx, now: i64) -> Result<u64, ApiError> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query(
        "update auth.admin_notifications set read_at = $2
          where tenant_id = $1 and read_at is null",
    )
    .bind(tenant.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
