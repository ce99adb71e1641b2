//! The typed config's rules.

use super::*;

#[test]
fn unknown_keys_are_refused_and_aliases_accepted() {
    assert!(serde_json::from_str::<AgentRuntimeConfig>(r#"{"modle":"x"}"#).is_err());
    let c: AgentRuntimeConfig =
        serde_json::from_str(r#"{"thinking_level":"high","pulseEnabled":true}"#).expect("ok");
    assert_eq!(c.thinking_level, Some(ThinkingLevel::High));
    assert_eq!(c.pulse_enabled, Some(true));
}

#[test]
fn merge_replaces_only_what_the_patch_sets() {
    let base = AgentRuntimeConfig {
        model: Some("a".into()),
        pulse_enabled: Some(true),
        ..Default::default()
    };
    let patch = AgentRuntimeConfig {
        model: Some("b".into()),
        ..Default::default()
    };
    let merged = base.merged(&patch);
    assert_eq!(merged.model.as_deref(), Some("b"));
    assert_eq!(merged.pulse_enabled, Some(true));
}

#[test]
fn stored_configs_with_stale_keys_still_load() {
    let c = AgentRuntimeConfig::from_stored(r#"{"model":"m","skills_disabled":true}"#);
    assert_eq!(c.model.as_deref(), Some("m"));
}

#[test]
fn validation_names_the_fields() {
    let c = AgentRuntimeConfig {
        pulse_interval_minutes: Some(0),
        pulse_offset_minutes: Some(40),
        pulse_one_offs: Some(vec!["tomorrow".into()]),
        pulse_blackouts: Some(vec![Blackout {
            kind: "recurring".into(),
            start_time: "25:00".into(),
            end_time: "06:00".into(),
            label: None,
        }]),
        ..Default::default()
    };
    let mut errors = Vec::new();
    c.validate(&mut errors);
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "pulseIntervalMinutes",
            "pulseBlackouts[0].startTime",
            "pulseOneOffs[0]",
            "pulseOffsetMinutes",
        ]
    );
}
