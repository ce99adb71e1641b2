use std::collections::BTreeMap;

use shared_schemas::pipeline::parse_pipeline;

use super::*;
use crate::domain::step_settings::{max_retries, max_turns, model_for, timeout_secs};

struct Fixture {
    pipeline: PipelineConfig,
    steps: BTreeMap<String, StepView>,
    loops: BTreeMap<String, LoopState>,
    outputs: BTreeMap<String, String>,
}

impl Fixture {
    fn new(yaml: &str) -> Self {
        let pipeline = parse_pipeline(yaml).expect("pipeline parses");
        let steps = pipeline
            .steps
            .iter()
            .map(|s| {
                let view = StepView {
                    retry_count: 0,
                    max_retries: max_retries(&pipeline, s),
                };
                (s.id.as_str().to_owned(), view)
            })
            .collect();
        Self {
            pipeline,
            steps,
            loops: BTreeMap::new(),
            outputs: BTreeMap::new(),
        }
    }

    fn view(&self) -> RunView<'_> {
        RunView {
            pipeline: &self.pipeline,
            steps: &self.steps,
            loops: &self.loops,
            outputs: &self.outputs,
        }
    }

    fn complete(&mut self, step: &str, pairs: &[(&str, &str)]) -> Vec<Effect> {
        let outputs = out(pairs);
        self.outputs.extend(outputs.clone());
        after_complete(&self.view(), step, &outputs)
    }

    fn with_loop(mut self, step: &str, items: &str, current: usize, updated_at: i64) -> Self {
        self.outputs.insert("items".into(), items.into());
        let mut items = loops::items_from_output(step, "items", &self.outputs).expect("items");
        for item in items.iter_mut().take(current) {
            item.status = loops::COMPLETED.into();
        }
        if let Some(item) = items.get_mut(current) {
            item.status = loops::RUNNING.into();
        }
        self.loops.insert(
            step.into(),
            LoopState {
                items,
                current_index: current,
                updated_at,
            },
        );
        self
    }
}

fn out(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn queue(step: &str) -> Effect {
    Effect::Queue {
        step: step.into(),
        human_context: None,
    }
}

const AGENTS: &str = "agents: [{id: a, name: A, persona: p}, {id: b, name: B, persona: p}]\n";

fn pipeline(steps: &str) -> String {
    format!("id: p\nname: P\nversion: '1'\n{AGENTS}steps:\n{steps}")
}

#[test]
fn start_queues_the_first_step() {
    let f = Fixture::new(&pipeline("  - {id: A, agent: a, input: x}\n"));
    assert_eq!(start(&f.view()), vec![queue("A")]);
}

#[test]
fn on_complete_then_last_step_completes_the_run() {
    let mut f = Fixture::new(&pipeline(
        "  - {id: A, agent: a, input: x, onComplete: B}\n  - {id: B, agent: b, input: y}\n",
    ));
    assert_eq!(f.complete("A", &[]), vec![queue("B")]);
    assert_eq!(f.complete("B", &[]), vec![Effect::CompleteRun]);
}

#[test]
fn a_middle_step_without_on_complete_fails_the_run() {
    let mut f = Fixture::new(&pipeline(
        "  - {id: A, agent: a, input: x}\n  - {id: B, agent: b, input: y}\n",
    ));
    assert!(
        matches!(&f.complete("A", &[])[..], [Effect::FailRun { error }] if error.contains("no onComplete"))
    );
}

#[test]
fn goto_queues_a_completed_step_again_and_notify_goes_with_it() {
    let mut f = Fixture::new(&pipeline(
        "  - {id: A, agent: a, input: x, onComplete: B}\n  - id: B\n    agent: b\n    input: y\n    outputs: [verdict]\n    onResult:\n      REJECTED: {goto: A, notify: {agent: a, message: redo}}\n",
    ));
    let fx = f.complete("B", &[("verdict", " rejected ")]);
    assert_eq!(
        fx,
        vec![
            Effect::Notify {
                to: "a".into(),
                message: "redo".into()
            },
            queue("A")
        ]
    );
}

#[test]
fn a_notify_only_action_falls_through_to_on_complete_or_the_end() {
    let yaml = pipeline(
        "  - id: A\n    agent: a\n    input: x\n    outputs: [status_word]\n    onResult:\n      DEPLOYED: {notify: {agent: b, message: shipped}}\n    onComplete: B\n  - id: B\n    agent: b\n    input: y\n    onResult:\n      DONE: {notify: {agent: a, message: fin}}\n",
    );
    let mut f = Fixture::new(&yaml);
    let fx = f.complete("A", &[("status_word", "DEPLOYED")]);
    assert_eq!(fx[1], queue("B"));
    assert!(matches!(&fx[0], Effect::Notify { to, .. } if to == "b"));
    let fx = f.complete("B", &[("word", "done")]);
    assert_eq!(
        fx.last(),
        Some(&Effect::CompleteRun),
        "undeclared outputs match too"
    );
}

#[test]
fn declared_outputs_are_matched_before_others() {
    let yaml = pipeline(
        "  - id: A\n    agent: a\n    input: x\n    outputs: [verdict]\n    onResult:\n      YES: {goto: A}\n      NO: {goto: B}\n  - {id: B, agent: b, input: y}\n",
    );
    let mut f = Fixture::new(&yaml);
    let fx = f.complete("A", &[("another", "YES"), ("verdict", "NO")]);
    assert_eq!(fx, vec![queue("B")]);
}

#[test]
fn result_retry_counts_up_to_its_max_then_fails_the_run() {
    let yaml = pipeline(
        "  - id: A\n    agent: a\n    input: x\n    outputs: [result]\n    maxRetries: 5\n    onResult:\n      FAIL: {retry: true, maxRetries: 2}\n",
    );
    let mut f = Fixture::new(&yaml);
    let fx = f.complete("A", &[("result", "FAIL")]);
    assert!(
        matches!(&fx[..], [Effect::Retry { retry_count: 1, feedback, .. }] if feedback.starts_with("[RESULT RETRY 1/2]"))
    );
    f.steps.get_mut("A").expect("A").retry_count = 2;
    let fx = f.complete("A", &[("result", "FAIL")]);
    assert!(matches!(&fx[..], [Effect::FailRun { error }] if error.contains("after 2 retries")));
}

#[test]
fn result_retry_falls_back_to_the_step_then_pipeline_then_three() {
    let yaml = format!(
        "id: p\nname: P\nversion: '1'\ndefaults: {{maxRetries: 1}}\n{AGENTS}steps:\n  - id: A\n    agent: a\n    input: x\n    onResult:\n      AGAIN: {{retry: true}}\n"
    );
    let mut f = Fixture::new(&yaml);
    f.steps.get_mut("A").expect("A").retry_count = 1;
    assert!(matches!(
        &f.complete("A", &[("r", "again")])[..],
        [Effect::FailRun { .. }]
    ));
    let mut f = Fixture::new(&pipeline(
        "  - id: A\n    agent: a\n    input: x\n    onResult:\n      AGAIN: {retry: true}\n",
    ));
    f.steps.get_mut("A").expect("A").retry_count = 2;
    assert!(matches!(
        &f.complete("A", &[("r", "again")])[..],
        [Effect::Retry { retry_count: 3, .. }]
    ));
}

#[test]
fn failures_retry_with_feedback_then_fail_the_run() {
    let mut f = Fixture::new(&pipeline(
        "  - {id: A, agent: a, input: x, maxRetries: 1}\n",
    ));
    let fx = after_failure(&f.view(), "A", "boom");
    assert_eq!(
        fx,
        vec![Effect::Retry {
            step: "A".into(),
            retry_count: 1,
            feedback: "[RETRY 1/1] Previous attempt failed: boom".into()
        }]
    );
    f.steps.get_mut("A").expect("A").retry_count = 1;
    let fx = after_failure(&f.view(), "A", "boom");
    assert_eq!(
        fx,
        vec![Effect::FailRun {
            error: "Step A failed after 1 retries: boom".into()
        }]
    );
}

const LOOPED: &str = "  - {id: PLAN, agent: a, input: x, outputs: [items], onComplete: BUILD}\n  - id: BUILD\n    agent: b\n    type: loop\n    input: '{{current_item}}'\n    loop: {over: items, onAllComplete: DONE}\n  - {id: DONE, agent: a, input: z}\n";

#[test]
fn a_loop_is_made_when_first_queued_and_each_pass_is_a_new_attempt() {
    let mut f = Fixture::new(&pipeline(LOOPED));
    let fx = f.complete("PLAN", &[("items", r#"["x","y"]"#)]);
    assert!(
        matches!(&fx[0], Effect::LoopInit { step, items } if step == "BUILD" && items.len() == 2 && items[0].status == "running")
    );
    assert_eq!(fx[1], queue("BUILD"));

    let f = f.with_loop("BUILD", r#"["x","y"]"#, 0, 1);
    let mut f = f;
    let fx = f.complete("BUILD", &[]);
    assert!(matches!(&fx[0], Effect::LoopItemComplete { index: 0, .. }));
    assert_eq!(
        fx[1..],
        [
            Effect::LoopMove {
                step: "BUILD".into(),
                index: 1
            },
            queue("BUILD")
        ]
    );
    let mut f = f.with_loop("BUILD", r#"["x","y"]"#, 1, 2);
    let fx = f.complete("BUILD", &[]);
    assert_eq!(
        fx[1..],
        [
            Effect::LoopMove {
                step: "BUILD".into(),
                index: 2
            },
            queue("DONE")
        ]
    );
}

#[test]
fn an_empty_loop_goes_straight_to_on_all_complete_and_a_non_array_fails() {
    let mut f = Fixture::new(&pipeline(LOOPED));
    let fx = f.complete("PLAN", &[("items", "[]")]);
    assert!(matches!(&fx[0], Effect::LoopInit { items, .. } if items.is_empty()));
    assert_eq!(fx[1], queue("DONE"));
    let mut f = Fixture::new(&pipeline(LOOPED));
    let fx = f.complete("PLAN", &[("items", "not a list")]);
    assert!(matches!(&fx[..], [Effect::FailRun { error }] if error.contains("`items`")));
}

#[test]
fn on_each_complete_then_continue_loop_advances_the_active_loop() {
    let yaml = pipeline(
        "  - id: BUILD\n    agent: b\n    type: loop\n    input: x\n    loop: {over: items, onEachComplete: TEST}\n  - id: TEST\n    agent: a\n    input: t\n    outputs: [result]\n    onResult:\n      PASS: {continueLoop: true}\n",
    );
    let mut f = Fixture::new(&yaml).with_loop("BUILD", "[1,2]", 0, 5);
    let fx = f.complete("BUILD", &[]);
    assert!(matches!(&fx[0], Effect::LoopItemComplete { index: 0, .. }));
    assert_eq!(fx[1], queue("TEST"), "onEachComplete instead of advancing");
    let fx = f.complete("TEST", &[("result", "PASS")]);
    assert_eq!(
        fx,
        vec![
            Effect::LoopMove {
                step: "BUILD".into(),
                index: 1
            },
            queue("BUILD")
        ]
    );
    let mut f = f.with_loop("BUILD", "[1,2]", 2, 6);
    let fx = f.complete("TEST", &[("result", "PASS")]);
    assert_eq!(
        fx,
        vec![Effect::CompleteRun],
        "no loop active: TEST is last"
    );
}

#[test]
fn continue_loop_picks_the_most_recently_changed_active_loop() {
    let yaml = pipeline(
        "  - {id: L1, agent: a, type: loop, input: x, loop: {over: items}}\n  - {id: L2, agent: a, type: loop, input: x, loop: {over: items}}\n  - id: T\n    agent: a\n    input: t\n    onResult:\n      NEXT: {continueLoop: true}\n",
    );
    let mut f = Fixture::new(&yaml)
        .with_loop("L1", "[1,2]", 0, 10)
        .with_loop("L2", "[1,2]", 0, 20);
    let fx = f.complete("T", &[("r", "NEXT")]);
    assert!(matches!(&fx[0], Effect::LoopMove { step, .. } if step == "L2"));
}

#[test]
fn a_goto_back_into_an_active_loop_reruns_its_current_item() {
    let yaml = pipeline(
        "  - {id: BUILD, agent: b, type: loop, input: x, loop: {over: items, onEachComplete: REVIEW}}\n  - id: REVIEW\n    agent: a\n    input: r\n    onResult:\n      CHANGES: {goto: BUILD}\n",
    );
    let mut f = Fixture::new(&yaml).with_loop("BUILD", "[1,2]", 0, 1);
    assert_eq!(
        f.complete("REVIEW", &[("v", "changes")]),
        vec![queue("BUILD")]
    );
}

#[test]
fn a_failing_loop_item_is_reported_and_retried() {
    let f = Fixture::new(&pipeline(LOOPED)).with_loop("BUILD", "[1]", 0, 1);
    let fx = after_failure(&f.view(), "BUILD", "bad");
    assert!(matches!(&fx[0], Effect::LoopItemFailed { index: 0, .. }));
    assert!(matches!(&fx[1], Effect::Retry { .. }));
}

#[test]
fn model_precedence_and_defaults() {
    let yaml = "id: p\nname: P\nversion: '1'\ndefaults: {model: d/m, timeoutSeconds: 60, maxTurns: 7}\nagents: [{id: a, name: A, persona: p, model: a/m}, {id: b, name: B, persona: p}]\nsteps:\n  - {id: S, agent: a, input: x, model: s/m, timeoutSeconds: 9}\n  - {id: T, agent: a, input: x}\n  - {id: U, agent: b, input: x}\n".to_owned();
    let p = parse_pipeline(&yaml).expect("parses");
    let [s, t, u] = [&p.steps[0], &p.steps[1], &p.steps[2]];
    assert_eq!(model_for(Some("o/m"), &p, s).as_deref(), Some("o/m"));
    assert_eq!(model_for(Some(""), &p, s).as_deref(), Some("s/m"));
    assert_eq!(model_for(None, &p, t).as_deref(), Some("a/m"));
    assert_eq!(model_for(None, &p, u).as_deref(), Some("d/m"));
    assert_eq!(timeout_secs(&p, s), 9);
    assert_eq!(timeout_secs(&p, t), 60);
    assert_eq!(max_turns(&p, t), 7);
    let bare = parse_pipeline(&pipeline("  - {id: A, agent: a, input: x}\n")).expect("parses");
    assert_eq!(model_for(None, &bare, &bare.steps[0]), None);
    assert_eq!(timeout_secs(&bare, &bare.steps[0]), 300);
    assert_eq!(max_turns(&bare, &bare.steps[0]), 999);
    assert_eq!(max_retries(&bare, &bare.steps[0]), 3);
}
