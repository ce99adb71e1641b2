use shared_schemas::pipeline::parse_pipeline;

use super::*;

const HEAD: &str =
    "id: p\nname: P\nversion: '1'\nagents:\n  - {id: a, name: A, persona: x}\nsteps:\n";

fn found(steps: &str) -> Vec<String> {
    let config = parse_pipeline(&format!("{HEAD}{steps}")).expect("parses");
    warnings(&config)
        .into_iter()
        .map(|(path, message)| format!("{path}: {message}"))
        .collect()
}

#[test]
fn the_shared_fixtures_have_no_warnings() {
    for yaml in [
        include_str!("../../../../libs/shared-schemas/tests/fixtures/feature-delivery.yml"),
        include_str!("../../../../libs/shared-schemas/tests/fixtures/bug-triage.yml"),
        include_str!("../../../../libs/shared-schemas/tests/fixtures/docs-refresh.yml"),
    ] {
        let config = parse_pipeline(yaml).expect("fixture parses");
        assert_eq!(warnings(&config), Vec::<Warning>::new(), "{}", config.id);
    }
}

#[test]
fn a_variable_no_earlier_step_produces_is_reported() {
    let got = found(
        "  - {id: A, agent: a, input: '{{task_description}}', outputs: [plan], onComplete: B}\n  \
         - {id: B, agent: a, input: '{{plan}} {{later}} {{ghost}}'}\n  \
         - {id: C, agent: a, input: x, outputs: [later]}\n",
    );
    assert_eq!(
        got,
        [
            "steps[1].input: {{later}} is an output of no step that runs before B: it renders as an empty string",
            "steps[1].input: {{ghost}} is an output of no step that runs before B: it renders as an empty string",
            "steps[2].id: step C is unreachable: no onComplete, onResult goto or loop hook of a step reachable from the first step leads to it (a step without onComplete does not fall through to the next one)",
        ]
    );
}

#[test]
fn outputs_of_a_step_that_jumps_back_count_as_earlier() {
    let got = found(
        "  - {id: A, agent: a, input: 'fix {{notes}}', onComplete: B}\n  \
         - id: B\n    agent: a\n    input: review\n    outputs: [verdict, notes]\n    \
         onResult: {REDO: {goto: A}}\n",
    );
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn loop_variables_exist_in_the_loop_and_what_it_leads_to_only() {
    let got = found(
        "  - {id: P, agent: a, input: '{{current_item}}', outputs: [items], onComplete: L}\n  \
         - id: L\n    agent: a\n    type: loop\n    input: '{{current_item}} {{completed_items}}'\n    \
         loop: {over: items, onEachComplete: R}\n  \
         - id: R\n    agent: a\n    input: '{{progress_file}}'\n    onResult: {OK: {continueLoop: true}}\n",
    );
    assert_eq!(
        got,
        [
            "steps[0].input: {{current_item}} is an output of no step that runs before P: it renders as an empty string"
        ]
    );
}

#[test]
fn loop_over_must_be_an_earlier_output() {
    let nowhere =
        found("  - id: L\n    agent: a\n    type: loop\n    input: x\n    loop: {over: items}\n");
    assert_eq!(
        nowhere,
        ["steps[0].loop.over: loop.over `items` is an output of no step: the loop fails the run"]
    );
    let too_late = found(
        "  - id: L\n    agent: a\n    type: loop\n    input: x\n    loop: {over: items, onAllComplete: P}\n  \
         - {id: P, agent: a, input: y, outputs: [items]}\n",
    );
    assert_eq!(
        too_late,
        [
            "steps[0].loop.over: loop.over `items` is an output of no step that runs before L: the loop fails the run"
        ]
    );
}

#[test]
fn a_loop_section_without_the_loop_type_is_reported() {
    let got = found(
        "  - {id: P, agent: a, input: x, outputs: [items], onComplete: L}\n  \
         - {id: L, agent: a, input: y, loop: {over: items}}\n",
    );
    assert_eq!(
        got,
        [
            "steps[1].loop: step L has a loop section but is not of type loop: add `type: loop` or the section is ignored"
        ]
    );
}

#[test]
fn reachability_follows_goto_loop_hooks_and_not_the_file_order() {
    let got = found(
        "  - id: A\n    agent: a\n    input: x\n    outputs: [r, items]\n    \
         onResult: {GO: {goto: L}}\n  \
         - id: L\n    agent: a\n    type: loop\n    input: y\n    loop: {over: items, onEachComplete: E, onAllComplete: Z}\n  \
         - {id: E, agent: a, input: e}\n  - {id: Z, agent: a, input: z}\n  \
         - {id: Orphan, agent: a, input: o, onComplete: A}\n",
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("steps[4].id: step Orphan is unreachable"),
        "{got:?}"
    );
}

#[test]
fn a_notify_only_action_on_a_step_without_on_complete_says_the_run_completes() {
    let got = found(
        "  - id: A\n    agent: a\n    input: x\n    outputs: [status]\n    onResult:\n      \
         DONE: {notify: {agent: a, message: done}}\n      NOOP: {}\n      \
         AGAIN: {retry: true, notify: {agent: a, message: again}}\n",
    );
    assert_eq!(
        got,
        [
            "steps[0].onResult.DONE: action DONE only notifies: the run goes on as if nothing matched, and A has no onComplete, so the run completes after it",
            "steps[0].onResult.NOOP: action NOOP does nothing: give it a goto, retry, notify or continueLoop",
        ]
    );
    let with_next = found(
        "  - id: A\n    agent: a\n    input: x\n    onComplete: B\n    onResult:\n      \
         DONE: {notify: {agent: a, message: done}}\n  - {id: B, agent: a, input: y}\n",
    );
    assert!(with_next.is_empty(), "{with_next:?}");
}

#[test]
fn template_vars_follow_the_engine_alphabet() {
    assert_eq!(
        template_vars("{{a}} {{ b }} {{c-d}} {{a}} {{e_1}} {{}} {{f"),
        ["a", "e_1"]
    );
    assert_eq!(template_vars("{{{x}}}"), ["x"]);
}

#[test]
fn ids_start_with_a_letter_or_digit_and_hashes_are_sha256() {
    assert!(id_problem("planning").is_none());
    assert!(id_problem("9lives").is_none());
    assert!(id_problem("_hidden").is_some());
    assert!(id_problem("-x").is_some());
    assert_eq!(
        content_hash(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
