//! `engine.outputs`: a run's outputs by key (the last step that produced a key wins).

use std::collections::BTreeMap;

use kit::db::TenantTx;

pub async fn upsert(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    key: &str,
    value: &str,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query(
        "insert into engine.outputs (tenant_id, run_id, key, step_id, value, updated_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (run_id, key) do update
            set step_id = excluded.step_id, value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(&tenant)
    .bind(run)
    .bind(key)
    .bind(step)
    .bind(value)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn all(tx: &mut TenantTx, run: &str) -> sqlx::Result<BTreeMap<String, String>> {
    let tenant = tx.tenant().clone();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select key, value from engine.outputs where tenant_id = $1 and run_id = $2",
    )
    .bind(&tenant)
    .bind(run)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().collect())
}

pub async fn clear(tx: &mut TenantTx, run: &str) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from engine.outputs where tenant_id = $1 and run_id = $2")
        .bind(&tenant)
        .bind(run)
        .execute(&mut **tx)
        .await
        .map(drop)
}
