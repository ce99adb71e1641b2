use kit::ApiError;
use shared_schemas::ids::UserId;
use sqlx::{PgConnection, PgPool};

pub async fn setup_complete(pool: &PgPool) -> Result<bool, ApiError> {
    Ok(
        sqlx::query_scalar("select exists (select 1 from auth.installation)")
            .fetch_one(pool)
            .await?,
    )
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
