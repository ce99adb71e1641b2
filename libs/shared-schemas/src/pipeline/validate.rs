//! Cross-reference rules that the types alone cannot express. Each finding names the path of
//! the offending value so that the caller can pin it to a line.

use std::collections::{BTreeMap, HashMap};

use super::error::DocPath;
use super::model::{PipelineConfig, StepConfig};

/// A rule violation: where, and what is wrong.
pub(crate) type Finding = (DocPath, String);

pub(crate) fn cross_validate(config: &PipelineConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    let root = DocPath::root();

    if config.steps.is_empty() {
        findings.push((
            root.key("steps"),
            "a pipeline needs at least one step".into(),
        ));
    }

    let agent_ids = first_occurrences(config.agents.iter().map(|a| a.id.as_str()));
    for (index, agent) in config.agents.iter().enumerate() {
        if agent_ids.get(agent.id.as_str()) != Some(&index) {
            let path = root.key("agents").index(index).key("id");
            findings.push((path, format!("duplicate agent id \"{}\"", agent.id)));
        }
    }

    let step_ids = first_occurrences(config.steps.iter().map(|s| s.id.as_str()));
    for (index, step) in config.steps.iter().enumerate() {
        let path = root.key("steps").index(index);
        if step_ids.get(step.id.as_str()) != Some(&index) {
            findings.push((path.key("id"), format!("duplicate step id \"{}\"", step.id)));
        }
        check_step(step, &path, &agent_ids, &step_ids, &mut findings);
    }
    findings
}

fn check_step(
    step: &StepConfig,
    path: &DocPath,
    agents: &HashMap<&str, usize>,
    steps: &HashMap<&str, usize>,
    findings: &mut Vec<Finding>,
) {
    let mut agent_ref = |at: DocPath, agent: &str| {
        if !agents.contains_key(agent) {
            findings.push((at, format!("unknown agent \"{agent}\"")));
        }
    };
    agent_ref(path.key("agent"), &step.agent);
    for (value, action) in step.on_result.iter().flat_map(BTreeMap::iter) {
        if let Some(notify) = &action.notify {
            let at = path.key("onResult").key(value).key("notify").key("agent");
            agent_ref(at, &notify.agent);
        }
    }

    let mut step_ref = |at: DocPath, target: Option<&str>| {
        if let Some(target) = target.filter(|t| !steps.contains_key(t)) {
            findings.push((at, format!("unknown step \"{target}\"")));
        }
    };
    step_ref(
        path.key("onComplete"),
        step.on_complete.as_ref().map(|s| s.as_str()),
    );
    for (value, action) in step.on_result.iter().flat_map(BTreeMap::iter) {
        let at = path.key("onResult").key(value).key("goto");
        step_ref(at, action.goto.as_ref().map(|s| s.as_str()));
    }
    if let Some(config) = &step.loop_config {
        let at = path.key("loop");
        let each = config.on_each_complete.as_ref().map(|s| s.as_str());
        step_ref(at.key("onEachComplete"), each);
        let all = config.on_all_complete.as_ref().map(|s| s.as_str());
        step_ref(at.key("onAllComplete"), all);
    }

    if step.is_loop() && step.loop_config.is_none() {
        findings.push((
            path.key("type"),
            "a step of type loop needs a `loop` section".into(),
        ));
    }
}

/// Each id mapped to the index of its first occurrence; later occurrences are duplicates.
fn first_occurrences<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    let mut first = HashMap::new();
    for (index, id) in ids.enumerate() {
        first.entry(id).or_insert(index);
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::parse_pipeline;

    fn findings(yaml: &str) -> Vec<String> {
        let config: PipelineConfig = serde_norway::from_str(yaml).expect("model parses");
        cross_validate(&config)
            .into_iter()
            .map(|(path, message)| format!("{path}: {message}"))
            .collect()
    }

    const AGENTS: &str =
        "id: p\nname: P\nversion: '1'\nagents:\n  - {id: a, name: A, persona: x}\n";

    #[test]
    fn a_consistent_pipeline_has_no_findings() {
        let yaml = format!("{AGENTS}steps:\n  - {{id: S, agent: a, input: go, onComplete: S}}\n");
        assert!(findings(&yaml).is_empty());
        assert!(parse_pipeline(&yaml).is_ok());
    }

    #[test]
    fn every_reference_is_checked() {
        let yaml = format!(
            "{AGENTS}steps:\n  - id: S\n    agent: b\n    input: go\n    onComplete: X\n    \
             onResult: {{OK: {{goto: Y, notify: {{agent: c, message: m}}}}}}\n    \
             loop: {{over: list, onEachComplete: Z, onAllComplete: W}}\n"
        );
        assert_eq!(
            findings(&yaml),
            [
                "steps[0].agent: unknown agent \"b\"",
                "steps[0].onResult.OK.notify.agent: unknown agent \"c\"",
                "steps[0].onComplete: unknown step \"X\"",
                "steps[0].onResult.OK.goto: unknown step \"Y\"",
                "steps[0].loop.onEachComplete: unknown step \"Z\"",
                "steps[0].loop.onAllComplete: unknown step \"W\"",
            ]
        );
    }

    #[test]
    fn only_repeated_ids_are_duplicates() {
        let yaml = format!(
            "{AGENTS}  - {{id: a, name: A2, persona: x}}\nsteps:\n  - {{id: S, agent: a, input: 1}}\n  \
             - {{id: T, agent: a, input: 2}}\n  - {{id: S, agent: a, input: 3}}\n"
        );
        assert_eq!(
            findings(&yaml),
            [
                "agents[1].id: duplicate agent id \"a\"",
                "steps[2].id: duplicate step id \"S\""
            ]
        );
    }
}
