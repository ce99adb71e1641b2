//! The workflow rules: stage policies, task filters, pipeline resolution.

use super::*;

fn rule(stage: &str, d: Disposition) -> StageRule {
    StageRule {
        stage: stage.into(),
        disposition: d,
        agent_role: None,
    }
}

#[test]
fn resolves_the_next_stages_of_a_feature() {
    let mut rules = StageRules::new();
    rules.insert(
        "feature".into(),
        vec![
            rule("spec", Disposition::Optional),
            rule("implement", Disposition::Required),
            rule("review", Disposition::Required),
            rule("ux", Disposition::Skip),
            rule("test", Disposition::Required),
        ],
    );
    let r = resolve(Some("feature"), &["spec".into()], "in_progress", &rules);
    assert_eq!(r.current_stage.as_deref(), Some("implement"));
    assert_eq!(r.next_required_stage.as_deref(), Some("review"));
    assert_eq!(r.next_valid_stages, vec!["review", "test"]);
    let done = resolve(
        Some("feature"),
        &["implement".into(), "review".into()],
        "test",
        &rules,
    );
    assert_eq!(done.next_valid_stages, vec!["done"]);
    // Unknown work types fall back to `custom`, which has no rules here.
    let other = resolve(Some("bugfix"), &[], "backlog", &rules);
    assert_eq!(other.work_type, "bugfix");
    assert!(other.required_stages.is_empty());
    assert_eq!(other.next_valid_stages, vec!["done"]);
}

#[test]
fn filters_select_by_every_key_present() {
    let f = TaskFilter {
        tags: Some(vec!["api".into()]),
        priority: Some(vec!["P0".into()]),
        work_type: None,
    };
    assert!(f.matches(&["api".into(), "x".into()], "P0", None));
    assert!(!f.matches(&["api".into()], "P1", None));
    assert!(!TaskFilter::default().matches(&[], "P2", None));
}
