use kit::ApiError;
use kit::db::TenantTx;
use kit::error::OnConstraint;
use shared_schemas::ids::UserId;
use sqlx::{FromRow, PgConnection};

#[derive(Debug, Clone, FromRow)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub is_active: bool,
    pub is_admin: bool,
    pub platform_admin: bool,
    pub totp_enabled: bool,
    pub slack_id: Option<String>,
    pub phone_number: Option<String>,
    /// `{provider slug}:{sub}` of a linked OIDC identity.
    pub oidc_subject: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, tenant_id, email, display_name, password_hash, is_active, is_admin, \
                       platform_admin, totp_enabled, slack_id, phone_number, oidc_subject, created_at, \
                       updated_at";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub is_admin: bool,
    pub platform_admin: bool,
}

pub fn email_taken() -> ApiError {
    ApiError::conflict("email_taken", "an account with this email already exists")
}

pub async fn insert(tx: &mut TenantTx, user: &NewUser<'_>, now: i64) -> Result<User, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "insert into auth.users (id, tenant_id, email, display_name, password_hash, is_admin,
                                 platform_admin, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning {COLUMNS}"
    ))
    .bind(UserId::generate().as_str())
    .bind(tenant.as_str())
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.password_hash)
    .bind(user.is_admin)
    .bind(user.platform_admin)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("users_email_key", email_taken)
}

/// Login lookup across tenants: only works inside a `LookupTx` holding `app.login_email`.
pub async fn find_by_email(conn: &mut PgConnection, email: &str) -> Result<Option<User>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.users where email = $1"
    ))
    .bind(email)
    .fetch_optional(conn)
    .await?)
}

/// OIDC lookup across tenants: only works inside a `LookupTx` holding `app.oidc_subject`.
pub async fn find_by_oidc_subject(
    conn: &mut PgConnection,
    subject: &str,
) -> Result<Option<User>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.users where oidc_subject = $1"
    ))
    .bind(subject)
    .fetch_optional(conn)
    .await?)
}

/// Links an OIDC identity (`{slug}:{sub}`) to an account.
pub async fn set_oidc_subject(tx: &mut TenantTx, id: &str, subject: &str) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("update auth.users set oidc_subject = $3 where tenant_id = $1 and id = $2")
        .bind(tenant.as_str())
        .bind(id)
        .bind(subject)
        .execute(&mut **tx)
        .await
        .on_constraint("users_oidc_subject_key", || {
            ApiError::conflict(
                "account_conflict",
                "this identity is linked to another account",
            )
        })?;
    Ok(())
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Option<User>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.users where tenant_id = $1 and id = $2"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<User>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.users where tenant_id = $1 order by created_at, id"
    ))
    .bind(tenant.as_str())
    .fetch_all(&mut **tx)
    .await?)
}

/// The tenant's active account with this Slack member id (the oldest, should two claim it).
pub async fn by_slack_id(tx: &mut TenantTx, slack_id: &str) -> Result<Option<User>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.users
          where tenant_id = $1 and slack_id = $2 and is_active
          order by created_at, id limit 1"
    ))
    .bind(tenant.as_str())
    .bind(slack_id)
    .fetch_optional(&mut **tx)
    .await?)
}

#[derive(Debug, Default)]
pub struct Changes<'a> {
    pub display_name: Option<&'a str>,
    pub is_admin: Option<bool>,
    pub is_active: Option<bool>,
    pub slack_id: Option<&'a str>,
    pub phone_number: Option<&'a str>,
}

pub async fn update(
    tx: &mut TenantTx,
    id: &str,
    changes: &Changes<'_>,
    now: i64,
) -> Result<Option<User>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "update auth.users set display_name = coalesce($3, display_name),
                is_admin = coalesce($4, is_admin), is_active = coalesce($5, is_active),
                slack_id = coalesce($6, slack_id), phone_number = coalesce($7, phone_number),
                updated_at = $8
          where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .bind(changes.display_name)
    .bind(changes.is_admin)
    .bind(changes.is_active)
    .bind(changes.slack_id)
    .bind(changes.phone_number)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().clone();
    let done = sqlx::query("delete from auth.users where tenant_id = $1 and id = $2")
        .bind(tenant.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Active administrators of the tenant other than `except`: the last one cannot be removed.
pub async fn other_active_admins(tx: &mut TenantTx, except: &str) -> Result<i64, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_scalar(
        "select count(*) from auth.users
          where tenant_id = $1 and id <> $2 and is_admin and is_active",
    )
    .bind(tenant.as_str())
    .bind(except)
    .fetch_one(&mut **tx)
    .await?)
}
