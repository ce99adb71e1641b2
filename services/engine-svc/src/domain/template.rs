//! Step prompt templates (CONTRACTS §4.1): `{{var}}` and `{% if var %}…{% endif %}` over the
//! run's accumulated outputs, `task_description`, the loop variables and the string fields of a
//! JSON-object `human_context`. A missing variable renders as "" and is reported, never an error.

use std::collections::BTreeMap;

use serde_json::Value;

/// A rendered template and the variables it named that had no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub missing: Vec<String>,
}

/// The variables a step's template sees. Outputs win over `human_context` fields; the run's
/// task and the loop variables win over both (they are the engine's own names).
pub fn variables(
    outputs: &BTreeMap<String, String>,
    task: &str,
    human_context: Option<&str>,
    loop_vars: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut vars = human_context_fields(human_context);
    vars.extend(outputs.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars.insert("task_description".to_owned(), task.to_owned());
    vars.extend(loop_vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars
}

/// The string fields of a run's `human_context` when it is a JSON object; nothing otherwise.
pub fn human_context_fields(human_context: Option<&str>) -> BTreeMap<String, String> {
    let Some(Ok(Value::Object(map))) = human_context.map(serde_json::from_str::<Value>) else {
        return BTreeMap::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect()
}

/// Renders `template`: conditionals first (a block is kept when its variable is non-empty),
/// then `{{var}}` substitutions. Names are `[A-Za-z0-9_]+`; anything else is left as written.
pub fn render(template: &str, vars: &BTreeMap<String, String>) -> Rendered {
    let mut missing = Vec::new();
    let conditioned = conditionals(template, vars);
    let mut text = String::with_capacity(conditioned.len());
    let mut rest = conditioned.as_str();
    while let Some(start) = rest.find("{{") {
        text.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) if is_name(after[..end].trim()) => {
                let name = after[..end].trim();
                match vars.get(name) {
                    Some(value) => text.push_str(value),
                    None => {
                        if !missing.iter().any(|m| m == name) {
                            missing.push(name.to_owned());
                        }
                    }
                }
                rest = &after[end + 2..];
            }
            _ => {
                text.push_str("{{");
                rest = after;
            }
        }
    }
    text.push_str(rest);
    Rendered { text, missing }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `{% if var %}body{% endif %}` → body when `var` is set and non-empty (after trimming), else
/// nothing. Blocks do not nest, as in the reference.
fn conditionals(template: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    loop {
        let Some((start, name, body_start)) = find_if(rest) else {
            out.push_str(rest);
            return out;
        };
        let Some((body_end, after)) = find_endif(&rest[body_start..]) else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let body = &rest[body_start..body_start + body_end];
        if vars.get(name).is_some_and(|v| !v.trim().is_empty()) {
            out.push_str(body);
        }
        rest = &rest[body_start + after..];
    }
}

/// The next `{% if name %}`: its start, the name and where its body starts.
fn find_if(s: &str) -> Option<(usize, &str, usize)> {
    let mut from = 0;
    while let Some(pos) = s[from..].find("{%") {
        let start = from + pos;
        let inner_start = start + 2;
        let close = s[inner_start..].find("%}")? + inner_start;
        let inner = s[inner_start..close].trim();
        if let Some(name) = inner.strip_prefix("if ").map(str::trim)
            && is_name(name)
        {
            return Some((start, name, close + 2));
        }
        from = inner_start;
    }
    None
}

/// The next `{% endif %}` in `s`: where it starts and where it ends.
fn find_endif(s: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(pos) = s[from..].find("{%") {
        let start = from + pos;
        let close = s[start + 2..].find("%}")? + start + 2;
        if s[start + 2..close].trim() == "endif" {
            return Some((start, close + 2));
        }
        from = start + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn substitutes_known_variables_and_reports_missing_ones_once() {
        let r = render(
            "Do {{task}} with {{ tool }} then {{nope}} and {{nope}}.",
            &vars(&[("task", "X"), ("tool", "Y")]),
        );
        assert_eq!(r.text, "Do X with Y then  and .");
        assert_eq!(r.missing, vec!["nope".to_owned()]);
    }

    #[test]
    fn leaves_braces_that_name_no_variable() {
        let r = render("json {{a b}} {{ }} {{x", &vars(&[]));
        assert_eq!(r.text, "json {{a b}} {{ }} {{x");
        assert!(r.missing.is_empty());
    }

    #[test]
    fn conditional_blocks_follow_their_variable() {
        let t = "A{% if notes %} notes: {{notes}}{% endif %}B{%if empty%}gone{%endif%}C";
        let r = render(t, &vars(&[("notes", "fix it"), ("empty", "  ")]));
        assert_eq!(r.text, "A notes: fix itBC");
        let r = render(t, &vars(&[]));
        assert_eq!(r.text, "ABC");
        assert!(r.missing.is_empty(), "a removed block reports nothing");
    }

    #[test]
    fn an_unclosed_conditional_is_kept_as_written() {
        let r = render("{% if x %}open", &vars(&[("x", "1")]));
        assert_eq!(r.text, "{% if x %}open");
    }

    #[test]
    fn human_context_object_string_fields_are_variables_but_never_override_outputs() {
        let outputs = vars(&[("plan", "from output")]);
        let ctx = r#"{"plan":"from human","repo":"acme/app","n":3}"#;
        let all = variables(
            &outputs,
            "the task",
            Some(ctx),
            &vars(&[("current_item", "i0")]),
        );
        assert_eq!(all["plan"], "from output");
        assert_eq!(all["repo"], "acme/app");
        assert!(!all.contains_key("n"), "only string fields");
        assert_eq!(all["task_description"], "the task");
        assert_eq!(all["current_item"], "i0");
        assert!(human_context_fields(Some("plain words")).is_empty());
        assert!(human_context_fields(Some("[1,2]")).is_empty());
        assert!(human_context_fields(None).is_empty());
    }

    #[test]
    fn multibyte_text_survives_rendering() {
        let r = render("é{{a}}ü{% if a %}ß{% endif %}", &vars(&[("a", "→")]));
        assert_eq!(r.text, "é→üß");
    }
}
