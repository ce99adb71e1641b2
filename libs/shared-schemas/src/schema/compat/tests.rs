use serde_json::{Value, json};

use super::*;

/// A small snapshot in the shape utoipa generates: a struct, a string enum and a tagged union.
fn base() -> Value {
    json!({
        "Step": {
            "type": "object",
            "description": "A step.",
            "required": ["id", "outputs"],
            "properties": {
                "id": {"type": "string"},
                "outputs": {"type": "array", "items": {"type": "string"}},
                "retries": {"type": ["integer", "null"], "format": "int32"},
                "status": {"$ref": "#/components/schemas/Status"},
                "next": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Step"}]},
                "limits": {
                    "type": "object",
                    "properties": {"turns": {"type": "integer", "format": "int32"}}
                }
            }
        },
        "Status": {"type": "string", "enum": ["pending", "done"]},
        "Event": {
            "oneOf": [
                {"allOf": [
                    {"$ref": "#/components/schemas/Step"},
                    {"type": "object", "required": ["type"],
                     "properties": {"type": {"type": "string", "enum": ["STEP_QUEUED"]}}}
                ]},
                {"allOf": [
                    {"$ref": "#/components/schemas/Status"},
                    {"type": "object", "required": ["type"],
                     "properties": {"type": {"type": "string", "enum": ["RUN_COMPLETE"]}}}
                ]}
            ]
        }
    })
}

fn changed(edit: impl FnOnce(&mut Value)) -> Report {
    let old = base();
    let mut new = base();
    edit(&mut new);
    compare(&old, &new)
}

fn kinds(changes: &[Change]) -> Vec<(String, ChangeKind)> {
    changes
        .iter()
        .map(|c| (c.path.clone(), c.kind.clone()))
        .collect()
}

fn at<'a>(value: &'a mut Value, pointer: &str) -> &'a mut Value {
    value
        .pointer_mut(pointer)
        .expect("pointer exists in the base snapshot")
}

#[test]
fn identical_snapshots_report_nothing() {
    assert_eq!(compare(&base(), &base()), Report::default());
}

#[test]
fn description_changes_are_not_changes() {
    let report = changed(|s| *at(s, "/Step/description") = json!("Another text."));
    assert_eq!(report, Report::default());
}

#[test]
fn removed_type_is_breaking() {
    let report = changed(|s| {
        s.as_object_mut().expect("object").remove("Status");
    });
    assert!(kinds(&report.breaking).contains(&("Status".into(), ChangeKind::TypeRemoved)));
}

#[test]
fn removed_property_is_breaking() {
    let report = changed(|s| {
        at(s, "/Step/properties")
            .as_object_mut()
            .expect("object")
            .remove("retries");
    });
    assert_eq!(
        kinds(&report.breaking),
        [("Step.retries".into(), ChangeKind::PropertyRemoved)]
    );
}

#[test]
fn changed_property_type_is_breaking() {
    let report = changed(|s| *at(s, "/Step/properties/id") = json!({"type": "integer"}));
    assert_eq!(
        kinds(&report.breaking),
        [(
            "Step.id".into(),
            ChangeKind::TypeChanged {
                old: "string".into(),
                new: "integer".into()
            }
        )]
    );
}

#[test]
fn changed_reference_and_item_type_are_breaking() {
    let report = changed(|s| {
        *at(s, "/Step/properties/status") = json!({"$ref": "#/components/schemas/Step"});
        *at(s, "/Step/properties/outputs/items") = json!({"type": "object"});
    });
    let paths: Vec<_> = report.breaking.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["Step.outputs[]", "Step.status"]);
}

#[test]
fn changed_integer_width_is_breaking() {
    let report = changed(|s| *at(s, "/Step/properties/retries/format") = json!("int64"));
    assert_eq!(report.breaking.len(), 1);
    assert_eq!(report.breaking[0].path, "Step.retries");
}

#[test]
fn optional_property_becoming_required_is_breaking() {
    let report = changed(|s| {
        at(s, "/Step/required")
            .as_array_mut()
            .expect("array")
            .push(json!("retries"));
    });
    assert_eq!(
        kinds(&report.breaking),
        [("Step.retries".into(), ChangeKind::BecameRequired)]
    );
}

#[test]
fn new_required_property_is_breaking() {
    let report = changed(|s| {
        at(s, "/Step/properties")["agent"] = json!({"type": "string"});
        at(s, "/Step/required")
            .as_array_mut()
            .expect("array")
            .push(json!("agent"));
    });
    assert_eq!(
        kinds(&report.breaking),
        [("Step.agent".into(), ChangeKind::NewRequiredProperty)]
    );
}

#[test]
fn removed_enum_value_is_breaking() {
    let report = changed(|s| *at(s, "/Status/enum") = json!(["pending"]));
    assert_eq!(
        kinds(&report.breaking),
        [("Status".into(), ChangeKind::VariantRemoved("done".into()))]
    );
}

#[test]
fn removed_event_type_is_breaking() {
    let report = changed(|s| {
        at(s, "/Event/oneOf")
            .as_array_mut()
            .expect("array")
            .remove(1);
    });
    assert_eq!(
        kinds(&report.breaking),
        [(
            "Event".into(),
            ChangeKind::VariantRemoved("RUN_COMPLETE".into())
        )]
    );
}

#[test]
fn nullable_property_becoming_non_nullable_is_breaking() {
    let report = changed(|s| {
        *at(s, "/Step/properties/next") = json!({"$ref": "#/components/schemas/Step"});
    });
    assert_eq!(
        kinds(&report.breaking),
        [("Step.next".into(), ChangeKind::NoLongerNullable)]
    );
}

#[test]
fn change_inside_an_inline_object_names_the_nested_path() {
    let report =
        changed(|s| *at(s, "/Step/properties/limits/properties/turns") = json!({"type": "string"}));
    assert_eq!(report.breaking.len(), 1);
    assert_eq!(report.breaking[0].path, "Step.limits.turns");
}

#[test]
fn new_type_optional_property_enum_value_and_event_type_are_additive() {
    let report = changed(|s| {
        s["Agent"] = json!({"type": "object", "properties": {}});
        at(s, "/Step/properties")["note"] = json!({"type": ["string", "null"]});
        at(s, "/Status/enum")
            .as_array_mut()
            .expect("array")
            .push(json!("failed"));
        at(s, "/Event/oneOf").as_array_mut().expect("array").push(json!({"allOf": [
            {"$ref": "#/components/schemas/Status"},
            {"type": "object", "properties": {"type": {"type": "string", "enum": ["RUN_FAILED"]}}}
        ]}));
    });
    assert!(!report.is_breaking(), "{:?}", report.breaking);
    assert_eq!(
        kinds(&report.additive),
        [
            (
                "Event".into(),
                ChangeKind::VariantAdded("RUN_FAILED".into())
            ),
            ("Status".into(), ChangeKind::VariantAdded("failed".into())),
            ("Step.note".into(), ChangeKind::PropertyAdded),
            ("Agent".into(), ChangeKind::TypeAdded),
        ]
    );
}

#[test]
fn loosening_a_property_is_additive() {
    let report = changed(|s| {
        *at(s, "/Step/required") = json!(["id"]);
        *at(s, "/Step/properties/id") = json!({"type": ["string", "null"]});
    });
    assert!(!report.is_breaking(), "{:?}", report.breaking);
    assert_eq!(
        kinds(&report.additive),
        [
            ("Step.id".into(), ChangeKind::BecameNullable),
            ("Step.outputs".into(), ChangeKind::NoLongerRequired),
        ]
    );
}

#[test]
fn changes_inside_an_event_variant_are_reported_under_its_tag() {
    let report = changed(|s| {
        *at(s, "/Event/oneOf/0/allOf/0/$ref") = json!("#/components/schemas/Status");
    });
    assert_eq!(report.breaking.len(), 1);
    assert_eq!(report.breaking[0].path, "Event<STEP_QUEUED>");
}

#[test]
fn changes_display_as_readable_lines() {
    let change = Change {
        path: "Step.retries".into(),
        kind: ChangeKind::BecameRequired,
    };
    assert_eq!(
        change.to_string(),
        "Step.retries: optional property became required"
    );
}
