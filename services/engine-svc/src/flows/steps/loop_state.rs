//! A loop step's state as the reference's HTTP API exposed it: create or replace, read, change
//! one item, advance to the next pending item.

use kit::ApiError;
use shared_schemas::ids::TenantId;

use super::state::begin;
use crate::AppState;
use crate::api::steps::{
    CreateLoopStateRequest, LoopAdvanced, LoopItemUpdated, LoopStateView, UpdateLoopItemRequest,
};
use crate::domain::loops::{self, LoopState};
use crate::flows::runs::control::{locked, run_not_found};
use crate::store;

fn loop_not_found() -> ApiError {
    ApiError::not_found("loop state not found")
}

fn view(run: &str, step: &str, state: LoopState) -> LoopStateView {
    LoopStateView {
        run_id: run.to_owned(),
        step_id: step.to_owned(),
        current_index: state.current_index,
        items: state.items,
    }
}

pub async fn put_loop(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    req: CreateLoopStateRequest,
) -> Result<LoopStateView, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    locked(&mut tx, run).await?;
    let state = LoopState {
        items: req.items,
        current_index: usize::try_from(req.current_index.unwrap_or(0)).unwrap_or(0),
        updated_at: now,
    };
    store::loop_state::put(&mut tx, run, &req.step_id, &state, now).await?;
    tx.commit().await?;
    Ok(view(run, &req.step_id, state))
}

pub async fn get_loop(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
) -> Result<LoopStateView, ApiError> {
    let mut tx = begin(app, tenant).await?;
    store::runs::get(&mut tx, run)
        .await?
        .ok_or_else(run_not_found)?;
    let state = store::loop_state::get(&mut tx, run, step)
        .await?
        .ok_or_else(loop_not_found)?;
    tx.commit().await?;
    Ok(view(run, step, state))
}

pub async fn patch_item(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
    item: &str,
    req: &UpdateLoopItemRequest,
) -> Result<LoopItemUpdated, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    locked(&mut tx, run).await?;
    let mut state = store::loop_state::get(&mut tx, run, step)
        .await?
        .ok_or_else(loop_not_found)?;
    let found = state
        .items
        .iter_mut()
        .find(|i| i.id == item)
        .ok_or_else(|| ApiError::not_found("loop item not found"))?;
    if let Some(status) = &req.status {
        found.status = status.clone();
    }
    if let Some(output) = &req.output {
        found.output = Some(output.clone());
    }
    state.updated_at = now;
    store::loop_state::put(&mut tx, run, step, &state, now).await?;
    tx.commit().await?;
    Ok(LoopItemUpdated {
        run_id: run.to_owned(),
        step_id: step.to_owned(),
        item_id: item.to_owned(),
        updated: true,
    })
}

/// Moves the loop to its next pending item (made `running`); `null` when none is left.
pub async fn advance(
    app: &AppState,
    tenant: &TenantId,
    run: &str,
    step: &str,
) -> Result<LoopAdvanced, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = begin(app, tenant).await?;
    locked(&mut tx, run).await?;
    let mut state = store::loop_state::get(&mut tx, run, step)
        .await?
        .ok_or_else(loop_not_found)?;
    let answer = match state.next_pending() {
        Some(index) => {
            state.current_index = index;
            state.items[index].status = loops::RUNNING.to_owned();
            LoopAdvanced {
                next_item: Some(state.items[index].clone()),
                index: Some(index),
            }
        }
        None => {
            state.current_index = state.items.len();
            LoopAdvanced {
                next_item: None,
                index: None,
            }
        }
    };
    state.updated_at = now;
    store::loop_state::put(&mut tx, run, step, &state, now).await?;
    tx.commit().await?;
    Ok(answer)
}
