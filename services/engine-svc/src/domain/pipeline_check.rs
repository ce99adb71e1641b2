//! Checks of a parsed pipeline beyond what makes it invalid: things that parse and cross-reference
//! fine but will not do what the author likely meant. They are warnings: a pipeline with
//! warnings is stored and runs.
//!
//! Routing is read as the engine runs it (CONTRACTS §4.2): the first step is the only entry; a
//! step goes on through its `onComplete`, an `onResult` action's `goto`, `retry` (itself) or
//! `continueLoop` (back to the loop it runs in), and a loop step through its own next item,
//! `loop.onEachComplete` and `loop.onAllComplete`. A step without `onComplete` does not fall
//! through to the next one in the file.

use std::collections::{BTreeSet, HashMap};

use sha2::{Digest, Sha256};
use shared_schemas::pipeline::{
    DocPath, PipelineConfig, PipelineError, ResultAction, StepConfig, locate, parse_pipeline,
};

/// Variables every step's template has: the run's task.
const RUN_VARS: [&str; 1] = ["task_description"];
/// Variables a step has while a loop is running (the loop step and what it leads to).
const LOOP_VARS: [&str; 3] = ["current_item", "completed_items", "progress_file"];
/// Outputs a step with an `outputSchema` adds besides its declared ones.
const STRUCTURED_VARS: [&str; 2] = ["_structured_json", "_model_used"];

/// One warning: the value it concerns and what is wrong.
pub type Warning = (DocPath, String);

/// SHA-256 of the YAML text, hex: how seeding tells a changed file from an unchanged one.
pub fn content_hash(yaml: &str) -> String {
    hex::encode(Sha256::digest(yaml.as_bytes()))
}

/// The stored id must also start with a letter or digit (the table's rule); the parser's slug
/// rule allows `_` and `-` there.
pub fn id_problem(id: &str) -> Option<&'static str> {
    match id.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => None,
        _ => Some("a pipeline id must start with a letter or a digit"),
    }
}

/// Parses a YAML a tenant writes: a valid pipeline (`shared_schemas::yaml::check`'s caps
/// included) whose id the table accepts and, when written to `path_id`, is that id.
pub fn parse_written(
    yaml: &str,
    path_id: Option<&str>,
) -> Result<PipelineConfig, Vec<PipelineError>> {
    let config = parse_pipeline(yaml)?;
    let problem = id_problem(config.id.as_str()).map(str::to_owned);
    if let Some(message) = problem {
        return Err(vec![pinned(yaml, &DocPath::root().key("id"), message)]);
    }
    if let Some(path_id) = path_id {
        same_id(yaml, &config, path_id)?;
    }
    Ok(config)
}

/// A YAML written to the path of `path_id` must carry that id.
pub fn same_id(
    yaml: &str,
    config: &PipelineConfig,
    path_id: &str,
) -> Result<(), Vec<PipelineError>> {
    let id = config.id.as_str();
    if id == path_id {
        return Ok(());
    }
    let message = format!("the pipeline's id `{id}` differs from `{path_id}` in the path");
    Err(vec![pinned(yaml, &DocPath::root().key("id"), message)])
}

/// The warnings of `config`, read from `yaml`, each pinned to its line, in line order.
pub fn pinned_warnings(yaml: &str, config: &PipelineConfig) -> Vec<PipelineError> {
    let mut pinned: Vec<PipelineError> = warnings(config)
        .into_iter()
        .map(|(path, message)| self::pinned(yaml, &path, message))
        .collect();
    pinned.sort_by_key(|p| (p.line, p.column));
    pinned
}

fn pinned(yaml: &str, path: &DocPath, message: String) -> PipelineError {
    let (line, column) = locate(yaml, path);
    PipelineError {
        line,
        column: Some(column),
        path: path.to_string(),
        message,
    }
}

/// Every warning of `config`, steps in file order.
pub fn warnings(config: &PipelineConfig) -> Vec<Warning> {
    let graph = Graph::new(config);
    let reachable = graph.reachable_from_entry();
    let mut found = Vec::new();
    for (index, step) in config.steps.iter().enumerate() {
        let path = DocPath::root().key("steps").index(index);
        if !reachable.contains(&index) {
            found.push((
                path.key("id"),
                format!(
                    "step {} is unreachable: no onComplete, onResult goto or loop hook of a step \
                     reachable from the first step leads to it (a step without onComplete does \
                     not fall through to the next one)",
                    step.id
                ),
            ));
            continue;
        }
        let known = graph.variables_before(config, index);
        for var in template_vars(&step.input) {
            if !known.contains(var) {
                found.push((
                    path.key("input"),
                    format!(
                        "{{{{{var}}}}} is an output of no step that runs before {}: it renders \
                         as an empty string",
                        step.id
                    ),
                ));
            }
        }
        loop_warnings(config, &graph, index, &path, &mut found);
        action_warnings(step, &path, &mut found);
    }
    found
}

fn loop_warnings(
    config: &PipelineConfig,
    graph: &Graph,
    index: usize,
    path: &DocPath,
    found: &mut Vec<Warning>,
) {
    let step = &config.steps[index];
    let Some(config_loop) = &step.loop_config else {
        return;
    };
    if !step.is_loop() {
        found.push((
            path.key("loop"),
            format!(
                "step {} has a loop section but is not of type loop: add `type: loop` or the \
                 section is ignored",
                step.id
            ),
        ));
        return;
    }
    let over = config_loop.over.as_str();
    let declared = config
        .steps
        .iter()
        .any(|s| s.outputs.iter().any(|o| o == over));
    let message = if !declared {
        format!("loop.over `{over}` is an output of no step: the loop fails the run")
    } else if !graph.outputs_before(config, index).contains(over) {
        format!(
            "loop.over `{over}` is an output of no step that runs before {}: the loop fails the run",
            step.id
        )
    } else {
        return;
    };
    found.push((path.key("loop").key("over"), message));
}

fn action_warnings(step: &StepConfig, path: &DocPath, found: &mut Vec<Warning>) {
    for (value, action) in step.on_result.iter().flatten() {
        let at = path.key("onResult").key(value);
        let moves = action.goto.is_some() || is_set(action.retry) || is_set(action.continue_loop);
        if moves {
            continue;
        }
        if action.notify.is_none() {
            found.push((
                at,
                format!(
                    "action {value} does nothing: give it a goto, retry, notify or continueLoop"
                ),
            ));
        } else if step.on_complete.is_none() && !step.is_loop() {
            found.push((
                at,
                format!(
                    "action {value} only notifies: the run goes on as if nothing matched, and {} \
                     has no onComplete, so the run completes after it",
                    step.id
                ),
            ));
        }
    }
}

fn is_set(flag: Option<bool>) -> bool {
    flag == Some(true)
}

/// The `{{name}}` placeholders of a template, each once, in order of first use. Only names of
/// the template alphabet count (`[a-zA-Z0-9_]+`); anything else is left as text by the engine.
pub fn template_vars(template: &str) -> Vec<&str> {
    let mut vars: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = &after[..end];
        let valid =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if valid && !vars.contains(&name) {
            vars.push(name);
        }
        // Like the engine's regex, a failed match resumes one character later (`{{{x}}}`).
        rest = if valid {
            &after[end + 2..]
        } else {
            &rest[start + 1..]
        };
    }
    vars
}

/// The routing graph of a pipeline: `next[i]` are the steps step `i` can lead to, and
/// `reach[a][b]` says whether `b` can run after `a` (by one move or more).
struct Graph {
    next: Vec<BTreeSet<usize>>,
    reach: Vec<Vec<bool>>,
}

impl Graph {
    fn new(config: &PipelineConfig) -> Self {
        let index: HashMap<&str, usize> = config
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .rev() // the first of duplicate ids wins, like the parser's lookup
            .collect();
        let to = |id: &str| index.get(id).copied();
        let mut next: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); config.steps.len()];
        for (i, step) in config.steps.iter().enumerate() {
            let targets = &mut next[i];
            targets.extend(step.on_complete.as_ref().and_then(|t| to(t.as_str())));
            for action in step.on_result.iter().flat_map(|m| m.values()) {
                targets.extend(action.goto.as_ref().and_then(|t| to(t.as_str())));
                if is_set(action.retry) {
                    targets.insert(i);
                }
            }
            if let Some(l) = &step.loop_config {
                targets.extend(l.on_each_complete.as_ref().and_then(|t| to(t.as_str())));
                targets.extend(l.on_all_complete.as_ref().and_then(|t| to(t.as_str())));
            }
            if step.is_loop() {
                targets.insert(i); // the next item runs the loop step again
            }
        }
        let mut graph = Self {
            reach: closure(&next),
            next,
        };
        // continueLoop returns to the loop the step runs in: any loop step that leads to it.
        for (i, step) in config.steps.iter().enumerate() {
            let continues = step
                .on_result
                .iter()
                .flat_map(|m| m.values())
                .any(|a: &ResultAction| is_set(a.continue_loop));
            if !continues {
                continue;
            }
            for (l, candidate) in config.steps.iter().enumerate() {
                if candidate.is_loop() && (l == i || graph.reach[l][i]) {
                    graph.next[i].insert(l);
                }
            }
        }
        graph.reach = closure(&graph.next);
        graph
    }

    fn reachable_from_entry(&self) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        if self.next.is_empty() {
            return seen;
        }
        seen.insert(0);
        seen.extend(
            self.reach[0]
                .iter()
                .enumerate()
                .filter(|(_, r)| **r)
                .map(|(i, _)| i),
        );
        seen
    }

    /// Steps that can have run before step `index` runs (itself included when it can repeat).
    fn before(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.reach.len()).filter(move |t| self.reach[*t][index])
    }

    fn outputs_before<'c>(&self, config: &'c PipelineConfig, index: usize) -> BTreeSet<&'c str> {
        let mut outputs = BTreeSet::new();
        for t in self.before(index) {
            let step = &config.steps[t];
            outputs.extend(step.outputs.iter().map(String::as_str));
            if step.output_schema.is_some() {
                outputs.extend(STRUCTURED_VARS);
            }
        }
        outputs
    }

    fn variables_before<'c>(&self, config: &'c PipelineConfig, index: usize) -> BTreeSet<&'c str> {
        let mut vars = self.outputs_before(config, index);
        vars.extend(RUN_VARS);
        let in_loop = config
            .steps
            .iter()
            .enumerate()
            .any(|(l, s)| s.is_loop() && (l == index || self.reach[l][index]));
        if in_loop {
            vars.extend(LOOP_VARS);
        }
        vars
    }
}

/// `reach[a][b]`: `b` is reachable from `a` by one edge or more.
fn closure(next: &[BTreeSet<usize>]) -> Vec<Vec<bool>> {
    let n = next.len();
    let mut reach = vec![vec![false; n]; n];
    for (start, row) in reach.iter_mut().enumerate() {
        let mut stack: Vec<usize> = next[start].iter().copied().collect();
        while let Some(node) = stack.pop() {
            if !row[node] {
                row[node] = true;
                stack.extend(next[node].iter().copied());
            }
        }
    }
    reach
}

#[cfg(test)]
#[path = "pipeline_check_tests.rs"]
mod tests;
