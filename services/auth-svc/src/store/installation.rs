//! The installation as a whole: whether it has accounts and a platform administrator, and the
//! record of its first setup.

use kit::ApiError;
use kit::db::LookupTx;
use shared_schemas::ids::UserId;
use sqlx::{PgConnection, PgPool};

/// The capability (policy `installation_probe`) that lets a transaction see whether users exist
/// across tenants. Only the two `exists` below run under it.
const PROBE: (&str, &str) = ("app.scope", "installation");

/// Serialises first-run writers (two replicas bootstrapping at once, or bootstrap and setup).
const FIRST_RUN_LOCK: &str = "select pg_advisory_xact_lock(hashtext('auth.first_run'))";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// Some account exists, or the first setup was recorded (the reference's `users > 0`).
    pub setup_complete: bool,
    pub has_platform_admin: bool,
}

/// A transaction holding the probe capability; `enter_tenant` turns it into the transaction
/// that creates the first account.
pub async fn begin_probe(pool: &PgPool) -> Result<LookupTx, ApiError> {
    Ok(LookupTx::begin(pool, PROBE.0, PROBE.1).await?)
}

/// Waits for any other first-run writer to commit (released with the transaction).
pub async fn lock_first_run(conn: &mut PgConnection) -> Result<(), ApiError> {
    sqlx::query(FIRST_RUN_LOCK).execute(conn).await?;
    Ok(())
}

/// Only meaningful inside `begin_probe`'s transaction (elsewhere RLS hides other tenants' users).
pub async fn state(conn: &mut PgConnection) -> Result<State, ApiError> {
    let (users, admins, recorded): (bool, bool, bool) = sqlx::query_as(
        "select exists (select 1 from auth.users),
                exists (select 1 from auth.users where platform_admin),
                exists (select 1 from auth.installation)",
    )
    .fetch_one(conn)
    .await?;
    Ok(State {
        setup_complete: users || recorded,
        has_platform_admin: admins,
    })
}

/// Gives the probe capability back before the transaction writes as a tenant.
pub async fn end_probe(conn: &mut PgConnection) -> Result<(), ApiError> {
    sqlx::query("select set_config($1, '', true)")
        .bind(PROBE.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// The installation's state in a transaction of its own.
pub async fn current(pool: &PgPool) -> Result<State, ApiError> {
    let mut tx = begin_probe(pool).await?;
    let state = state(&mut tx).await?;
    tx.commit().await?;
    Ok(state)
}

/// Records the first user; `false` when another setup got there first.
pub async fn complete(conn: &mut PgConnection, user: &UserId, now: i64) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "insert into auth.installation (first_user_id, setup_completed_at) values ($1, $2)
         on conflict (singleton) do nothing",
    )
    .bind(user.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
