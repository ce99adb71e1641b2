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
}

const COLUMNS: &str = "id, tenant_id, user_id, family_id, expires_at, rotated_at, revoked_at";

pub struct NewSession<'a> {
    pub user_id: &'a str,
    /// `None` starts a new family (a login); `Some` continues one (a rotation).
    pub family_id: Option<&'a str>,
    pub token_hash: &'a str,
    pub expires_at: i64,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert(tx: &mut TenantTx, new: &NewSession<'_>, now: i64) -> Result<String, ApiError> {
    let tenant = tx.tenant().clone();
    let id = SessionId::generate();
    let family = new.family_id.map_or_else(|| id.to_string(), str::to_owned);
    sqlx::query(
        "insert into auth.user_sessions (id, tenant_id, user_id, family_id, refresh_token_hash,
                                         expires_at, created_at, ip_address, user_agent)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.as_str())
    .bind(tenant.as_str())
    .bind(new.user_id)
    .bind(&family)
    .bind(new.token_hash)
    .bind(new.expires_at)
    .bind(now)
    .bind(new.ip)
    .bind(new.user_agent)
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

pub async fn mark_rotated(tx: &mut TenantTx, id: &str, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query("update auth.user_sessions set rotated_at = $3 where tenant_id = $1 and id = $2")
        .bind(tenant.as_str())
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Which sessions to end.
pub enum Revoke<'a> {
    /// The unrotated tokens of a family: a lost-response retry replaces them.
    LiveOf(&'a str),
    /// Every token of a family (logout, or reuse of an old token).
    Family(&'a str),
    /// All of a user's sessions (deactivation).
    User(&'a str),
}

pub async fn revoke(tx: &mut TenantTx, which: Revoke<'_>, now: i64) -> Result<(), ApiError> {
    let tenant = tx.tenant().clone();
    let (filter, id) = match which {
        Revoke::LiveOf(f) => (
            "family_id = $2 and rotated_at is null and revoked_at is null",
            f,
        ),
        Revoke::Family(f) => ("family_id = $2", f),
        Revoke::User(u) => ("user_id = $2", u),
    };
    sqlx::query(&format!(
        "update auth.user_sessions set revoked_at = coalesce(revoked_at, $3)
          where tenant_id = $1 and {filter}"
    ))
    .bind(tenant.as_str())
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
