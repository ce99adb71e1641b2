//! Loop state of a `type: loop` step (CONTRACTS §4.2 step 8, with the monolith's bugs fixed):
//! items are made when the loop step is first queued, so item 0 runs with its `current_item`.
//! A loop is active while `current_index < items.len()`; advancing past the last item closes it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const PENDING: &str = "pending";
pub const RUNNING: &str = "running";
pub const COMPLETED: &str = "completed";
pub const FAILED: &str = "failed";

/// One element of the array a loop runs over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoopItem {
    /// `{step}_item_{index}`.
    pub id: String,
    pub index: u32,
    /// The array element: a string as it is, anything else as JSON.
    pub data: Value,
    pub status: String,
    #[serde(default)]
    pub retry_count: u32,
    #[serde(default)]
    pub output: Option<Value>,
}

/// The loop of one step within a run.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopState {
    pub items: Vec<LoopItem>,
    pub current_index: usize,
    /// When the state last changed; the most recent active loop is the one `continueLoop` means.
    pub updated_at: i64,
}

impl LoopState {
    pub fn is_active(&self) -> bool {
        self.current_index < self.items.len()
    }

    pub fn current(&self) -> Option<&LoopItem> {
        self.items.get(self.current_index)
    }

    /// The first pending item after the current one (then any pending one before it).
    pub fn next_pending(&self) -> Option<usize> {
        let after = self
            .items
            .iter()
            .enumerate()
            .skip(self.current_index.saturating_add(1))
            .find(|(_, i)| i.status == PENDING)
            .map(|(n, _)| n);
        after.or_else(|| self.items.iter().position(|i| i.status == PENDING))
    }
}

/// Items from the output `over` of the run: it must be a JSON array (else the error names the
/// key). The first item starts `running`, the others `pending`.
pub fn items_from_output(
    step: &str,
    over: &str,
    outputs: &BTreeMap<String, String>,
) -> Result<Vec<LoopItem>, String> {
    let Some(text) = outputs.get(over) else {
        return Err(format!(
            "loop step {step}: output `{over}` was not produced by any earlier step"
        ));
    };
    let Ok(Value::Array(elements)) = serde_json::from_str::<Value>(text.trim()) else {
        return Err(format!(
            "loop step {step}: output `{over}` is not a JSON array"
        ));
    };
    Ok(elements
        .into_iter()
        .enumerate()
        .map(|(n, data)| LoopItem {
            id: format!("{step}_item_{n}"),
            index: u32::try_from(n).unwrap_or(u32::MAX),
            data,
            status: if n == 0 { RUNNING } else { PENDING }.to_owned(),
            retry_count: 0,
            output: None,
        })
        .collect())
}

/// The template variables of a loop: `current_item` (string data as it is, else its JSON),
/// `completed_items` (a JSON array of the completed items' data), `progress_file`.
pub fn variables(step: &str, state: &LoopState) -> BTreeMap<String, String> {
    let current = state
        .current()
        .map(|item| match &item.data {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default();
    let done: Vec<&Value> = state
        .items
        .iter()
        .filter(|i| i.status == COMPLETED)
        .map(|i| &i.data)
        .collect();
    BTreeMap::from([
        ("current_item".to_owned(), current),
        (
            "completed_items".to_owned(),
            Value::Array(done.into_iter().cloned().collect()).to_string(),
        ),
        ("progress_file".to_owned(), format!("progress/{step}.md")),
    ])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn outputs(key: &str, value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(key.to_owned(), value.to_owned())])
    }

    #[test]
    fn items_come_from_a_json_array_and_the_first_is_running() {
        let items = items_from_output("BUILD", "tasks", &outputs("tasks", r#"["a", {"t": 1}]"#))
            .expect("array");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].id, "BUILD_item_0");
        assert_eq!(items[0].status, RUNNING);
        assert_eq!(items[1].status, PENDING);
        assert_eq!(items[1].data, json!({"t": 1}));
    }

    #[test]
    fn a_missing_or_non_array_output_is_an_error_naming_the_key() {
        let e =
            items_from_output("B", "tasks", &outputs("tasks", "{\"a\":1}")).expect_err("an object");
        assert!(e.contains("`tasks`") && e.contains("JSON array"), "{e}");
        let e = items_from_output("B", "tasks", &BTreeMap::new()).expect_err("missing");
        assert!(e.contains("`tasks`"), "{e}");
        assert!(
            items_from_output("B", "t", &outputs("t", "[]"))
                .expect("empty")
                .is_empty()
        );
    }

    #[test]
    fn loop_variables_show_the_current_item_and_completed_ones() {
        let mut items =
            items_from_output("B", "t", &outputs("t", r#"["one", {"n": 2}]"#)).expect("array");
        items[0].status = COMPLETED.to_owned();
        let state = LoopState {
            items,
            current_index: 1,
            updated_at: 0,
        };
        let vars = variables("B", &state);
        assert_eq!(vars["current_item"], r#"{"n":2}"#);
        assert_eq!(vars["completed_items"], r#"["one"]"#);
        assert!(state.is_active());
        assert_eq!(state.next_pending(), Some(1));
    }

    #[test]
    fn next_pending_looks_after_the_current_item_first() {
        let mut items = items_from_output("B", "t", &outputs("t", "[1,2,3]")).expect("array");
        items[0].status = COMPLETED.to_owned();
        let mut state = LoopState {
            items,
            current_index: 0,
            updated_at: 0,
        };
        assert_eq!(state.next_pending(), Some(1));
        state.items[1].status = COMPLETED.to_owned();
        state.items[2].status = COMPLETED.to_owned();
        assert_eq!(state.next_pending(), None);
        state.current_index = 3;
        assert!(!state.is_active());
        assert!(state.current().is_none());
    }
}
