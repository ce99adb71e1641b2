use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::SessionId;
use sqlx::{FromRow, PgConnection};

#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub id: String,
    pub tenant_id: String,
    pub user_id: String,
    pub family_id: String,
    pub expires_at: i64,
    pub rotated_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The session this one was rotated into, and its refresh token (encrypted) while a lost
    /// response may still be retried.
    pub successor_id: Option<String>,
    pub successor_token: Option<String>,
    pub family_expires_at: Option<i64>,
}

const COLUMNS: &str = "id, tenant_id, user_id, family_id, expires_at, rotated_at, revoked_at, \
                       successor_id, successor_token, family_expires_at";

pub struct NewSession<'a> {
    pub user_id: &'a str,
    /// `None` starts a new family (a login); `Some` continues one (a rotation).
    pub family_id: Option<&'a str>,
    pub token_hash: &'a str,
    pub expires_at: i64,
    /// The family's absolute end; never later than this, whatever the rotations.
    pub family_expires_at: i64,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(tx: &mut TenantTx, new: &NewSession<'_>, now: i64) -> Result<String, ApiError> {
    let tenant = tx.tenant().clone();
    let id = SessionId::generate();
    let family = new.family_id.map_or_else(|| id.to_string(), str::to_owned);
    sqlx::query(
        "insert into auth.user_sessions (id, tenant_id, user_id, family_id, refresh_token_hash,
                                         expires_at, created_at, ip_address, user_agent,
                                         family_expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.as_str())
    .bind(tenant.as_str())
    .bind(new.user_id)
    .bind(&family)
    .bind(new.token_hash)
    .bind(new.expires_at.min(new.family_expires_at))
    .bind(now)
    .bind(new.ip)
    .bind(new.user_agent)
    .bind(new.family_expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(id.into_string())
}

/// Refresh lookup across tenants: only works inside a `LookupTx` holding `app.refresh_hash`.
pub async fn find_by_hash(
    conn: &mut PgConnection,
    hash: &str,
) -> Result<Option<Session>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.user_sessions where refresh_token_hash = $1"
    ))
    .bind(hash)
    .fetch_optional(conn)
    .await?)
}

/// Re-reads and locks a session so concurrent refreshes of one token serialise.
pub async fn lock(tx: &mut TenantTx, id: &str) -> Result<Option<Session>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.user_sessions where tenant_id = $1 and id = $2 for update"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Reads a session without locking it (the successor a retry is answered with).
pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Option<Session>, ApiError> {
    let tenant = tx.tenant().clone();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.user_sessions where tenant_id = $1 and id = $2"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Marks a session rotated into `successor`. The first rotation's instant stays: replays never
/// move the grace window (`coalesce`).
pub async fn mark_rotated(
    tx: &mut TenantTx,
    id: &str,
    successor: &str,
    successor_token_encrypted: &str,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update auth.user_sessions
            set rotated_at = coalesce(rotated_at, $3), successor_id = $4, successor_token = $5
          where tenant_id = $1 and id = $2",
    )
    .bind(tenant.as_str())
    .bind(id)
    .bind(now)
    .bind(successor)
    .bind(successor_token_encrypted)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Drops the stored successor tokens of a family whose grace window is over (`rotated_before`),
/// so no usable refresh token rests in the table longer than needed. Rows another refresh holds
/// are skipped (they are wiped next time): waiting for them could deadlock with a family revoke.
pub async fn wipe_successor_tokens(
    tx: &mut TenantTx,
    family: &str,
    rotated_before: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "update auth.user_sessions set successor_token = null
          where tenant_id = $1 and id in (
                select id from auth.user_sessions
                 where tenant_id = $1 and family_id = $2 and successor_token is not null
                   and rotated_at < $3
                   for update skip locked)",
    )
    .bind(tenant.as_str())
    .bind(family)
    .bind(rotated_before)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Which sessions to end.
pub enum Revoke<'a> {
    /// Every token of a family (logout, or reuse of an old token).
    Family(&'a str),
    /// All of a user's sessions (deactivation).
    User(&'a str),
}

/// Why sessions ended, kept in `revoke_reason`.
#[derive(Debug, Clone, Copy)]
pub enum Reason {
    Logout,
    /// A superseded refresh token was presented after its grace window.
    Reuse,
    Deactivated,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Reuse => "reuse",
            Self::Deactivated => "deactivated",
        }
    }
}

pub async fn revoke(
    tx: &mut TenantTx,
    which: Revoke<'_>,
    reason: Reason,
    now: i64,
) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let (filter, id) = match which {
        Revoke::Family(f) => ("family_id = $2", f),
        Revoke::User(u) => ("user_id = $2", u),
    };
    sqlx::query(&format!(
        "update auth.user_sessions
            set revoked_at = coalesce(revoked_at, $3),
                revoke_reason = coalesce(revoke_reason, $4),
                successor_token = null
          where tenant_id = $1 and {filter}"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .bind(now)
    .bind(reason.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
