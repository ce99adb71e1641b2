//! `engine.loop_state`: the items of each loop step of a run and the current one.

use std::collections::BTreeMap;

use kit::db::TenantTx;
use serde_json::Value;

use crate::domain::loops::{LoopItem, LoopState};

#[derive(sqlx::FromRow)]
struct Row {
    step_id: String,
    items: Value,
    current_index: i32,
    updated_at: i64,
}

fn decode(row: Row) -> sqlx::Result<(String, LoopState)> {
    let items: Vec<LoopItem> = serde_json::from_value(row.items)
        .map_err(|e| sqlx::Error::Decode(format!("loop items of {}: {e}", row.step_id).into()))?;
    let state = LoopState {
        items,
        current_index: usize::try_from(row.current_index).unwrap_or(0),
        updated_at: row.updated_at,
    };
    Ok((row.step_id, state))
}

pub async fn all(tx: &mut TenantTx, run: &str) -> sqlx::Result<BTreeMap<String, LoopState>> {
    let tenant = tx.tenant().clone();
    let rows: Vec<Row> = sqlx::query_as(
        "select step_id, items, current_index, updated_at from engine.loop_state
          where tenant_id = $1 and run_id = $2",
    )
    .bind(&tenant)
    .bind(run)
    .fetch_all(&mut **tx)
    .await?;
    rows.into_iter().map(decode).collect()
}

pub async fn get(tx: &mut TenantTx, run: &str, step: &str) -> sqlx::Result<Option<LoopState>> {
    Ok(all(tx, run).await?.remove(step))
}

/// Writes the whole state of one loop.
pub async fn put(
    tx: &mut TenantTx,
    run: &str,
    step: &str,
    state: &LoopState,
    now: i64,
) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    let items = serde_json::to_value(&state.items)
        .map_err(|e| sqlx::Error::Encode(format!("loop items: {e}").into()))?;
    let index = i32::try_from(state.current_index).unwrap_or(i32::MAX);
    sqlx::query(
        "insert into engine.loop_state (tenant_id, run_id, step_id, items, current_index, updated_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (run_id, step_id) do update
            set items = excluded.items, current_index = excluded.current_index,
                updated_at = excluded.updated_at",
    )
    .bind(&tenant)
    .bind(run)
    .bind(step)
    .bind(items)
    .bind(index)
    .bind(now)
    .execute(&mut **tx)
    .await
    .map(drop)
}

pub async fn clear(tx: &mut TenantTx, run: &str) -> sqlx::Result<()> {
    let tenant = tx.tenant().clone();
    sqlx::query("delete from engine.loop_state where tenant_id = $1 and run_id = $2")
        .bind(&tenant)
        .bind(run)
        .execute(&mut **tx)
        .await
        .map(drop)
}
