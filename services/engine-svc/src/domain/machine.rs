//! The run state machine as data (CONTRACTS §4.2, ARCHITECTURE §6): given what a run looks like,
//! what must happen after it starts, after a step completes and after a step fails. Flows apply
//! the [`Effect`]s in one transaction with their events. Differences from the monolith, on
//! purpose: `goto` to a completed step and every loop pass queue a new attempt; `notify` is sent
//! also with `goto`; a notify-only action falls through to `onComplete` (or completes the run
//! when the step is the last); loops are made when the loop step is first queued.

use std::collections::BTreeMap;

use serde_json::Value;
use shared_schemas::pipeline::{PipelineConfig, ResultAction, StepConfig};

use crate::domain::loops::{self, LoopItem, LoopState};
use crate::domain::step_settings::DEFAULT_MAX_RETRIES;

/// How many transitions one decision may chain (an empty loop whose `onAllComplete` is another
/// empty loop, …) before the run is failed instead of looping forever.
const MAX_CHAIN: usize = 32;

/// What the machine needs to know of one step row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    pub retry_count: u32,
    pub max_retries: u32,
}

/// The run as the machine sees it.
pub struct RunView<'a> {
    pub pipeline: &'a PipelineConfig,
    pub steps: &'a BTreeMap<String, StepView>,
    pub loops: &'a BTreeMap<String, LoopState>,
    /// Every output accumulated so far, including those of the step that just completed.
    pub outputs: &'a BTreeMap<String, String>,
}

/// One thing to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Queue `step` as a new attempt; its prompt carries `human_context` (None clears it).
    Queue {
        step: String,
        human_context: Option<String>,
    },
    /// The step is tried again: `retrying` with `retry_count`, STEP_RETRYING, then queued as a
    /// new attempt with the feedback as its human context.
    Retry {
        step: String,
        retry_count: u32,
        feedback: String,
    },
    /// AGENT_MESSAGE from `system` to the pipeline agent `to`.
    Notify {
        to: String,
        message: String,
    },
    /// The loop state of a loop step is (re)made.
    LoopInit {
        step: String,
        items: Vec<LoopItem>,
    },
    LoopItemComplete {
        step: String,
        index: usize,
        output: Value,
    },
    LoopItemFailed {
        step: String,
        index: usize,
        error: String,
    },
    /// The loop moves to item `index` (that item becomes `running`); `index == items.len()`
    /// closes it.
    LoopMove {
        step: String,
        index: usize,
    },
    CompleteRun,
    FailRun {
        error: String,
    },
}

/// The effects of a run's start: its first step is queued.
pub fn start(view: &RunView<'_>) -> Vec<Effect> {
    let mut fx = Vec::new();
    match view.pipeline.steps.first() {
        Some(first) => queue(view, first.id.as_str(), None, &mut fx, 0),
        None => fx.push(Effect::FailRun {
            error: "the pipeline has no steps".to_owned(),
        }),
    }
    fx
}

/// The effects of `step` completing with `outputs` (already merged into `view.outputs`).
pub fn after_complete(
    view: &RunView<'_>,
    step: &str,
    outputs: &BTreeMap<String, String>,
) -> Vec<Effect> {
    let mut fx = Vec::new();
    let Some(config) = view.pipeline.step(step) else {
        fx.push(Effect::FailRun {
            error: format!("step {step} is not in the run's pipeline"),
        });
        return fx;
    };
    if config.is_loop() {
        loop_step_completed(view, config, outputs, &mut fx);
        return fx;
    }
    if let Some((value, action)) = matching_action(config, outputs) {
        if let Some(notify) = &action.notify {
            fx.push(Effect::Notify {
                to: notify.agent.clone(),
                message: notify.message.clone(),
            });
        }
        if let Some(target) = &action.goto {
            queue(view, target.as_str(), None, &mut fx, 0);
            return fx;
        }
        if action.retry == Some(true) {
            result_retry(view, config, action, &value, &mut fx);
            return fx;
        }
        if action.continue_loop == Some(true)
            && let Some(loop_step) = active_loop(view)
        {
            advance(view, &loop_step, &mut fx, 0);
            return fx;
        }
        // A notify-only (or empty) action: the run goes on as if nothing matched.
    }
    next_after(view, config, &mut fx, 0);
    fx
}

/// The effects of an attempt of `step` failing with `error`.
pub fn after_failure(view: &RunView<'_>, step: &str, error: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    let state = view.steps.get(step).cloned().unwrap_or(StepView {
        retry_count: 0,
        max_retries: 0,
    });
    if let Some(state) = view.loops.get(step)
        && state.is_active()
    {
        fx.push(Effect::LoopItemFailed {
            step: step.to_owned(),
            index: state.current_index,
            error: error.to_owned(),
        });
    }
    if state.retry_count < state.max_retries {
        let n = state.retry_count + 1;
        fx.push(Effect::Retry {
            step: step.to_owned(),
            retry_count: n,
            feedback: format!(
                "[RETRY {n}/{}] Previous attempt failed: {error}",
                state.max_retries
            ),
        });
    } else {
        fx.push(Effect::FailRun {
            error: format!(
                "Step {step} failed after {} retries: {error}",
                state.retry_count
            ),
        });
    }
    fx
}

/// The `onResult` action an output selects: declared outputs first, in their declared order,
/// then the others by name; a value matches a key when equal trimmed and upper-cased (or exactly).
pub fn matching_action<'c>(
    step: &'c StepConfig,
    outputs: &BTreeMap<String, String>,
) -> Option<(String, &'c ResultAction)> {
    let actions = step.on_result.as_ref()?;
    let declared = step.outputs.iter().filter_map(|k| outputs.get(k));
    let others = outputs
        .iter()
        .filter(|(k, _)| !step.outputs.contains(k) && !k.starts_with('_'))
        .map(|(_, v)| v);
    for value in declared.chain(others) {
        let wanted = value.trim().to_uppercase();
        let hit = actions
            .iter()
            .find(|(key, _)| key.trim().to_uppercase() == wanted || *key == value);
        if let Some((_, action)) = hit {
            return Some((value.trim().to_owned(), action));
        }
    }
    None
}

fn result_retry(
    view: &RunView<'_>,
    config: &StepConfig,
    action: &ResultAction,
    value: &str,
    fx: &mut Vec<Effect>,
) {
    let step = config.id.as_str();
    let retry_count = view.steps.get(step).map_or(0, |s| s.retry_count);
    let max = action
        .max_retries
        .or(config.max_retries)
        .or(view.pipeline.defaults.max_retries)
        .unwrap_or(DEFAULT_MAX_RETRIES);
    if retry_count < max {
        let n = retry_count + 1;
        fx.push(Effect::Retry {
            step: step.to_owned(),
            retry_count: n,
            feedback: format!(
                "[RESULT RETRY {n}/{max}] The previous attempt answered {value}; try again."
            ),
        });
    } else {
        fx.push(Effect::FailRun {
            error: format!("Step {step} answered {value} after {retry_count} retries"),
        });
    }
}

fn loop_step_completed(
    view: &RunView<'_>,
    config: &StepConfig,
    outputs: &BTreeMap<String, String>,
    fx: &mut Vec<Effect>,
) {
    let step = config.id.as_str();
    let Some(state) = view.loops.get(step) else {
        fx.push(Effect::FailRun {
            error: format!("loop step {step} completed without loop state"),
        });
        return;
    };
    if let Some(item) = state.current()
        && item.status != loops::COMPLETED
    {
        let output = serde_json::to_value(outputs).unwrap_or(Value::Null);
        fx.push(Effect::LoopItemComplete {
            step: step.to_owned(),
            index: state.current_index,
            output,
        });
    }
    match config
        .loop_config
        .as_ref()
        .and_then(|l| l.on_each_complete.as_ref())
    {
        Some(each) => queue(view, each.as_str(), None, fx, 0),
        None => advance(view, step, fx, 0),
    }
}

/// The loop of `step` moves to its next pending item (queued as a new attempt of the loop step)
/// or, with none left, closes and the run goes on after it.
fn advance(view: &RunView<'_>, step: &str, fx: &mut Vec<Effect>, depth: usize) {
    let Some(state) = view.loops.get(step) else {
        fx.push(Effect::FailRun {
            error: format!("loop step {step} has no loop state"),
        });
        return;
    };
    match state.next_pending() {
        Some(index) => {
            fx.push(Effect::LoopMove {
                step: step.to_owned(),
                index,
            });
            fx.push(Effect::Queue {
                step: step.to_owned(),
                human_context: None,
            });
        }
        None => {
            fx.push(Effect::LoopMove {
                step: step.to_owned(),
                index: state.items.len(),
            });
            exhausted(view, step, fx, depth + 1);
        }
    }
}

/// After the last item: `onAllComplete`, else `onComplete`, else the run completes.
fn exhausted(view: &RunView<'_>, step: &str, fx: &mut Vec<Effect>, depth: usize) {
    let config = view.pipeline.step(step);
    let next = config.and_then(|c| {
        c.loop_config
            .as_ref()
            .and_then(|l| l.on_all_complete.clone())
            .or_else(|| c.on_complete.clone())
    });
    match next {
        Some(target) => queue(view, target.as_str(), None, fx, depth + 1),
        None => fx.push(Effect::CompleteRun),
    }
}

/// `onComplete`, else the run completes when the step is the last one, else it fails.
fn next_after(view: &RunView<'_>, config: &StepConfig, fx: &mut Vec<Effect>, depth: usize) {
    if let Some(target) = &config.on_complete {
        queue(view, target.as_str(), None, fx, depth + 1);
    } else if view.pipeline.steps.last().map(|s| &s.id) == Some(&config.id) {
        fx.push(Effect::CompleteRun);
    } else {
        fx.push(Effect::FailRun {
            error: format!("Step {} has no onComplete", config.id.as_str()),
        });
    }
}

/// Queues `step`; a loop step entered afresh gets its loop state first (an empty array goes
/// straight past the loop, anything but an array fails the run).
fn queue(
    view: &RunView<'_>,
    step: &str,
    human_context: Option<String>,
    fx: &mut Vec<Effect>,
    depth: usize,
) {
    if depth > MAX_CHAIN {
        fx.push(Effect::FailRun {
            error: format!("the pipeline moves through more than {MAX_CHAIN} steps at once"),
        });
        return;
    }
    let Some(config) = view.pipeline.step(step) else {
        fx.push(Effect::FailRun {
            error: format!("step {step} is not in the run's pipeline"),
        });
        return;
    };
    let entering = config.is_loop() && !view.loops.get(step).is_some_and(LoopState::is_active);
    if let (true, Some(loop_config)) = (entering, &config.loop_config) {
        match loops::items_from_output(step, &loop_config.over, view.outputs) {
            Err(error) => fx.push(Effect::FailRun { error }),
            Ok(items) if items.is_empty() => {
                fx.push(Effect::LoopInit {
                    step: step.to_owned(),
                    items,
                });
                exhausted(view, step, fx, depth + 1);
            }
            Ok(items) => {
                fx.push(Effect::LoopInit {
                    step: step.to_owned(),
                    items,
                });
                fx.push(Effect::Queue {
                    step: step.to_owned(),
                    human_context,
                });
            }
        }
        return;
    }
    fx.push(Effect::Queue {
        step: step.to_owned(),
        human_context,
    });
}

/// The loop `continueLoop` means: the active loop changed most recently (ties: the later step
/// in the file).
fn active_loop(view: &RunView<'_>) -> Option<String> {
    let order = |s: &str| view.pipeline.steps.iter().position(|c| c.id.as_str() == s);
    view.loops
        .iter()
        .filter(|(_, state)| state.is_active())
        .max_by_key(|(step, state)| (state.updated_at, order(step)))
        .map(|(step, _)| step.clone())
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
