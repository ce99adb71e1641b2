//! Decides whether a new schema snapshot only adds to the old one.
//!
//! Both snapshots are maps from type name to the JSON schema utoipa generates. Breaking: a type,
//! property, enum value or event type removed; a property's type changed; an optional property
//! made required; a new required property on an existing type; a nullable value made
//! non-nullable. Additive: new types, new optional properties, new enum values and event types,
//! a required property made optional, a value made nullable.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// One difference between two snapshots, at a path such as `StepComplete.outputs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    TypeRemoved,
    PropertyRemoved,
    TypeChanged { old: String, new: String },
    BecameRequired,
    NewRequiredProperty,
    VariantRemoved(String),
    NoLongerNullable,
    TypeAdded,
    PropertyAdded,
    VariantAdded(String),
    NoLongerRequired,
    BecameNullable,
}

impl ChangeKind {
    pub fn is_breaking(&self) -> bool {
        matches!(
            self,
            Self::TypeRemoved
                | Self::PropertyRemoved
                | Self::TypeChanged { .. }
                | Self::BecameRequired
                | Self::NewRequiredProperty
                | Self::VariantRemoved(_)
                | Self::NoLongerNullable
        )
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path)?;
        match &self.kind {
            ChangeKind::TypeRemoved => f.write_str("type removed"),
            ChangeKind::PropertyRemoved => f.write_str("property removed"),
            ChangeKind::TypeChanged { old, new } => write!(f, "type changed from {old} to {new}"),
            ChangeKind::BecameRequired => f.write_str("optional property became required"),
            ChangeKind::NewRequiredProperty => f.write_str("new required property"),
            ChangeKind::VariantRemoved(value) => write!(f, "variant `{value}` removed"),
            ChangeKind::NoLongerNullable => f.write_str("no longer accepts null"),
            ChangeKind::TypeAdded => f.write_str("new type"),
            ChangeKind::PropertyAdded => f.write_str("new optional property"),
            ChangeKind::VariantAdded(value) => write!(f, "new variant `{value}`"),
            ChangeKind::NoLongerRequired => f.write_str("required property became optional"),
            ChangeKind::BecameNullable => f.write_str("now accepts null"),
        }
    }
}

/// The differences found, split by whether they break readers or writers of the old schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub breaking: Vec<Change>,
    pub additive: Vec<Change>,
}

impl Report {
    pub fn is_breaking(&self) -> bool {
        !self.breaking.is_empty()
    }

    fn push(&mut self, path: &str, kind: ChangeKind) {
        let change = Change {
            path: path.to_owned(),
            kind,
        };
        if change.kind.is_breaking() {
            self.breaking.push(change);
        } else {
            self.additive.push(change);
        }
    }
}

/// Compares two snapshots (objects from type name to schema).
pub fn compare(old: &Value, new: &Value) -> Report {
    let mut report = Report::default();
    let empty = serde_json::Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    // Sorted so reports read the same whether or not serde_json preserves insertion order.
    let old_names: BTreeSet<&String> = old.keys().collect();
    let new_names: BTreeSet<&String> = new.keys().collect();
    for name in &old_names {
        let old_schema = &old[name.as_str()];
        match new.get(name.as_str()) {
            Some(new_schema) => compare_schema(name, old_schema, new_schema, &mut report),
            None => report.push(name, ChangeKind::TypeRemoved),
        }
    }
    for name in new_names.difference(&old_names) {
        report.push(name, ChangeKind::TypeAdded);
    }
    report
}

/// A schema reduced to what matters for compatibility (no descriptions or examples).
#[derive(Debug)]
struct Node<'a> {
    nullable: bool,
    shape: Shape<'a>,
}

#[derive(Debug)]
enum Shape<'a> {
    Any,
    Ref(&'a str),
    Scalar(String),
    Enum(BTreeSet<String>),
    Array(&'a Value),
    Object(Object<'a>),
    /// `oneOf` alternatives, keyed by their `type` tag when they have one.
    Union(BTreeMap<String, &'a Value>),
}

#[derive(Debug, Default)]
struct Object<'a> {
    refs: BTreeSet<&'a str>,
    properties: BTreeMap<&'a str, &'a Value>,
    required: BTreeSet<&'a str>,
    additional: Option<&'a Value>,
}

impl Shape<'_> {
    fn describe(&self) -> String {
        match self {
            Shape::Any => "any".into(),
            Shape::Ref(target) => target.rsplit('/').next().unwrap_or(target).to_owned(),
            Shape::Scalar(signature) => signature.clone(),
            Shape::Enum(values) => format!("enum {values:?}"),
            Shape::Array(_) => "array".into(),
            Shape::Object(object) if !object.refs.is_empty() => {
                format!("composition {:?}", object.refs)
            }
            Shape::Object(_) => "object".into(),
            Shape::Union(_) => "union".into(),
        }
    }
}

fn analyze(schema: &Value) -> Node<'_> {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return Node {
            nullable: false,
            shape: Shape::Ref(target),
        };
    }
    if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
        let (nulls, rest): (Vec<&Value>, Vec<&Value>) =
            alternatives.iter().partition(|a| is_null(a));
        if let ([_, ..], [only]) = (nulls.as_slice(), rest.as_slice()) {
            return Node {
                nullable: true,
                ..analyze(only)
            };
        }
        let variants = rest
            .iter()
            .enumerate()
            .map(|(i, alt)| (tag_of(alt).unwrap_or_else(|| format!("#{i}")), *alt));
        return Node {
            nullable: !nulls.is_empty(),
            shape: Shape::Union(variants.collect()),
        };
    }
    let mut types: BTreeSet<&str> = match schema.get("type") {
        Some(Value::String(single)) => BTreeSet::from([single.as_str()]),
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    };
    let nullable = types.remove("null");
    let shape = if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        Shape::Enum(
            values
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect(),
        )
    } else if let Some(items) = schema.get("items") {
        Shape::Array(items)
    } else if types.contains("object")
        || schema.get("properties").is_some()
        || schema.get("allOf").is_some()
    {
        let mut object = Object::default();
        collect_object(schema, &mut object);
        Shape::Object(object)
    } else if types.is_empty() {
        Shape::Any
    } else {
        let format = schema.get("format").and_then(Value::as_str);
        let joined = types.into_iter().collect::<Vec<_>>().join("|");
        Shape::Scalar(format.map_or(joined.clone(), |f| format!("{joined}({f})")))
    };
    Node { nullable, shape }
}

/// Merges an object schema and its `allOf` parts into one view.
fn collect_object<'a>(schema: &'a Value, into: &mut Object<'a>) {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        into.refs.insert(target);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        into.properties
            .extend(properties.iter().map(|(k, v)| (k.as_str(), v)));
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        into.required
            .extend(required.iter().filter_map(Value::as_str));
    }
    if let Some(additional) = schema.get("additionalProperties") {
        into.additional = Some(additional);
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_object(part, into);
    }
}

fn is_null(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The single value of a `type` property's enum, looked for through `allOf` parts.
fn tag_of(schema: &Value) -> Option<String> {
    let direct = schema
        .pointer("/properties/type/enum")
        .and_then(Value::as_array);
    if let Some([Value::String(tag)]) = direct.map(Vec::as_slice) {
        return Some(tag.clone());
    }
    let parts = schema.get("allOf").and_then(Value::as_array)?;
    parts.iter().find_map(tag_of)
}

fn compare_schema(path: &str, old: &Value, new: &Value, report: &mut Report) {
    let (old, new) = (analyze(old), analyze(new));
    match (old.nullable, new.nullable) {
        (true, false) => report.push(path, ChangeKind::NoLongerNullable),
        (false, true) => report.push(path, ChangeKind::BecameNullable),
        _ => {}
    }
    match (&old.shape, &new.shape) {
        (Shape::Any, Shape::Any) => {}
        (Shape::Ref(a), Shape::Ref(b)) if a == b => {}
        (Shape::Scalar(a), Shape::Scalar(b)) if a == b => {}
        (Shape::Enum(a), Shape::Enum(b)) => {
            for gone in a.difference(b) {
                report.push(path, ChangeKind::VariantRemoved(gone.clone()));
            }
            for added in b.difference(a) {
                report.push(path, ChangeKind::VariantAdded(added.clone()));
            }
        }
        (Shape::Array(a), Shape::Array(b)) => compare_schema(&format!("{path}[]"), a, b, report),
        (Shape::Union(a), Shape::Union(b)) => {
            for (tag, old_variant) in a {
                match b.get(tag) {
                    Some(new_variant) => {
                        compare_schema(&format!("{path}<{tag}>"), old_variant, new_variant, report)
                    }
                    None => report.push(path, ChangeKind::VariantRemoved(tag.clone())),
                }
            }
            for tag in b.keys().filter(|tag| !a.contains_key(*tag)) {
                report.push(path, ChangeKind::VariantAdded(tag.clone()));
            }
        }
        (Shape::Object(a), Shape::Object(b)) if a.refs == b.refs => {
            compare_objects(path, a, b, report)
        }
        (a, b) => report.push(
            path,
            ChangeKind::TypeChanged {
                old: a.describe(),
                new: b.describe(),
            },
        ),
    }
}

fn compare_objects(path: &str, old: &Object<'_>, new: &Object<'_>, report: &mut Report) {
    for (name, old_property) in &old.properties {
        let at = format!("{path}.{name}");
        let Some(new_property) = new.properties.get(name) else {
            report.push(&at, ChangeKind::PropertyRemoved);
            continue;
        };
        compare_schema(&at, old_property, new_property, report);
        match (old.required.contains(name), new.required.contains(name)) {
            (false, true) => report.push(&at, ChangeKind::BecameRequired),
            (true, false) => report.push(&at, ChangeKind::NoLongerRequired),
            _ => {}
        }
    }
    for name in new
        .properties
        .keys()
        .filter(|name| !old.properties.contains_key(*name))
    {
        let kind = if new.required.contains(name) {
            ChangeKind::NewRequiredProperty
        } else {
            ChangeKind::PropertyAdded
        };
        report.push(&format!("{path}.{name}"), kind);
    }
    match (old.additional, new.additional) {
        (Some(a), Some(b)) => compare_schema(&format!("{path}.*"), a, b, report),
        (None, None) => {}
        (a, b) => {
            let describe = |v: Option<&Value>| {
                if v.is_some() {
                    "open object"
                } else {
                    "closed object"
                }
            };
            report.push(
                path,
                ChangeKind::TypeChanged {
                    old: describe(a).into(),
                    new: describe(b).into(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests;
