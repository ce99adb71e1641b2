//! SQL of the installation's waitlist and mail settings. These tables have no tenant, so the
//! functions take a plain connection; callers check platform administration first.

use kit::ApiError;
use kit::page::Page;
use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use utoipa::ToSchema;

#[derive(Debug, Clone, FromRow, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: String,
    pub email: String,
    /// `waiting`, `invited` or `registered`.
    pub status: String,
    pub invited_at: Option<i64>,
    pub registered_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, status, invited_at, registered_at, created_at";

pub const STATUSES: [&str; 3] = ["waiting", "invited", "registered"];

/// Adds an email; an email already on the list is left as it is.
pub async fn join(
    conn: &mut PgConnection,
    id: &str,
    email: &str,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "insert into auth.waitlist_entries (id, email, created_at) values ($1, $2, $3)
         on conflict (email) do nothing",
    )
    .bind(id)
    .bind(email)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A page of the entries (of one status, or all), newest first, and how many there are.
pub async fn list(
    conn: &mut PgConnection,
    status: Option<&str>,
    page: Page,
) -> Result<(Vec<Entry>, i64), ApiError> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from auth.waitlist_entries where $1::text is null or status = $1",
    )
    .bind(status)
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as(&format!(
        "select {COLUMNS} from auth.waitlist_entries
          where $1::text is null or status = $1
          order by created_at desc, id limit $2 offset $3"
    ))
    .bind(status)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(&mut *conn)
    .await?;
    Ok((rows, total))
}

/// Locks an entry for a read-modify-write.
pub async fn lock(conn: &mut PgConnection, id: &str) -> Result<Option<Entry>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.waitlist_entries where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn delete(conn: &mut PgConnection, id: &str) -> Result<bool, ApiError> {
    let done = sqlx::query("delete from auth.waitlist_entries where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the entry's registration token (an earlier invitation's link stops working).
pub async fn set_invite_token(
    conn: &mut PgConnection,
    id: &str,
    hash: &str,
    expires_at: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "update auth.waitlist_entries set invite_token_hash = $2, invite_expires_at = $3
          where id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a delivered invitation; `None` when a newer invitation replaced this token meanwhile.
pub async fn mark_invited(
    conn: &mut PgConnection,
    id: &str,
    hash: &str,
    now: i64,
) -> Result<Option<Entry>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "update auth.waitlist_entries set status = 'invited', invited_at = $3
          where id = $1 and invite_token_hash = $2 and status <> 'registered'
          returning {COLUMNS}"
    ))
    .bind(id)
    .bind(hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Withdraws a token whose mail was never delivered.
pub async fn clear_invite_token(
    conn: &mut PgConnection,
    id: &str,
    hash: &str,
) -> Result<(), ApiError> {
    sqlx::query(
        "update auth.waitlist_entries set invite_token_hash = null, invite_expires_at = null
          where id = $1 and invite_token_hash = $2",
    )
    .bind(id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// The email a live invitation token was sent to.
pub async fn invited_email(
    conn: &mut PgConnection,
    hash: &str,
    now: i64,
) -> Result<Option<String>, ApiError> {
    Ok(sqlx::query_scalar(
        "select email from auth.waitlist_entries
          where invite_token_hash = $1 and status = 'invited' and invite_expires_at > $2",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Uses up a live token for `email`; `false` when it is unknown, expired, used or someone else's.
pub async fn redeem(
    conn: &mut PgConnection,
    hash: &str,
    email: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "update auth.waitlist_entries
            set status = 'registered', registered_at = $3,
                invite_token_hash = null, invite_expires_at = null
          where invite_token_hash = $1 and email = $2 and status = 'invited'
            and invite_expires_at > $3",
    )
    .bind(hash)
    .bind(email)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The stored settings; `smtp_password` is ciphertext (or '' for none).
#[derive(Debug, Clone, FromRow)]
pub struct EmailSettingsRow {
    pub smtp_host: String,
    pub smtp_port: i64,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_use_tls: bool,
    pub from_email: String,
    pub from_name: String,
}

pub async fn email_settings(conn: &mut PgConnection) -> Result<Option<EmailSettingsRow>, ApiError> {
    Ok(sqlx::query_as(
        "select smtp_host, smtp_port, smtp_username, smtp_password, smtp_use_tls, from_email,
                from_name
           from auth.email_settings where id = 'default'",
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn save_email_settings(
    conn: &mut PgConnection,
    row: &EmailSettingsRow,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "insert into auth.email_settings (id, smtp_host, smtp_port, smtp_username, smtp_password,
                                          smtp_use_tls, from_email, from_name, updated_at)
         values ('default', $1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (id) do update set
            smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
            smtp_username = excluded.smtp_username, smtp_password = excluded.smtp_password,
            smtp_use_tls = excluded.smtp_use_tls, from_email = excluded.from_email,
            from_name = excluded.from_name, updated_at = excluded.updated_at",
    )
    .bind(&row.smtp_host)
    .bind(row.smtp_port)
    .bind(&row.smtp_username)
    .bind(&row.smtp_password)
    .bind(row.smtp_use_tls)
    .bind(&row.from_email)
    .bind(&row.from_name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
