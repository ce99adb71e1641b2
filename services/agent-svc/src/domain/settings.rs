//! A tenant's global settings (contract §10 "Global settings"): one typed struct with the
//! reference's defaults, a partial patch that refuses unknown keys, and range checks.
//!
//! Stored as key/value rows (one JSON value per camelCase key), so a patch touches only the keys
//! it names and two admins changing different keys never overwrite each other.

use kit::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::domain::agent_config::ThinkingLevel;
use crate::domain::validate::{MAX_SHORT, err};

/// Declares every setting once: its type, default and check. Generates the full struct (GET,
/// defaults filled in), the patch (PUT, every key optional, unknown keys refused) and the check.
macro_rules! settings {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty = $default:expr, $check:expr ;)*) => {
        /// Every setting of the tenant, defaults filled in.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct GlobalSettings {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl Default for GlobalSettings {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        /// The settings a `PUT` changes; keys left out keep their value.
        #[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct SettingsPatch {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl SettingsPatch {
            pub fn check(&self, errors: &mut Vec<FieldError>) {
                $(
                    if let Some(value) = &self.$field {
                        let check: fn(&$ty) -> Option<String> = $check;
                        if let Some(message) = check(value) {
                            errors.push(err(&camel(stringify!($field)), message));
                        }
                    }
                )*
            }
        }
    };
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn model(value: &str) -> Option<String> {
    let bad = value.len() > MAX_SHORT || value.chars().any(|c| c.is_control() || c.is_whitespace());
    bad.then(|| "must be a model id like `openrouter/vendor/model` (or empty)".to_owned())
}

fn thinking(_: &ThinkingLevel) -> Option<String> {
    None
}

fn flag(_: &bool) -> Option<String> {
    None
}

fn within(value: i64, min: i64, max: i64) -> Option<String> {
    (!(min..=max).contains(&value)).then(|| format!("must be between {min} and {max}"))
}

settings! {
    default_working_model: String = "openrouter/moonshotai/kimi-k2.5".to_owned(), |v| model(v);
    default_planning_model: String = String::new(), |v| model(v);
    default_executor_model: String = String::new(), |v| model(v);
    default_thinking_model: String = "openrouter/minimax/minimax-m2.5".to_owned(), |v| model(v);
    default_slack_decision_model: String = "openrouter/minimax/minimax-m2.5".to_owned(), |v| model(v);
    default_working_model_thinking_level: ThinkingLevel = ThinkingLevel::Off, thinking;
    default_thinking_model_thinking_level: ThinkingLevel = ThinkingLevel::Medium, thinking;
    default_slack_decision_model_thinking_level: ThinkingLevel = ThinkingLevel::Off, thinking;
    pulse_interval_minutes: i64 = 30, |v| within(*v, 1, 1440);
    pulse_enabled: bool = true, flag;
    user_slack_id: String = String::new(), |v| {
        (v.len() > 64 || !v.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| "must be a Slack member id (letters and digits)".to_owned())
    };
    /// Empty: the platform's default runtime image.
    agent_runtime_image: String = String::new(), |v| {
        (v.len() > 512 || v.chars().any(|c| c.is_control() || c.is_whitespace()))
            .then(|| "must be an image reference without spaces".to_owned())
    };
    ptc_enabled: bool = true, flag;
    container_memory_limit_mb: i64 = 2048, |v| within(*v, 256, 65536);
    container_cpu_limit: f64 = 2.0, |v| {
        (!v.is_finite() || *v < 0.1 || *v > 64.0).then(|| "must be between 0.1 and 64".to_owned())
    };
    container_shm_size_mb: i64 = 256, |v| within(*v, 16, 16384);
    jfs_agent_cache_size_mb: i64 = 2048, |v| within(*v, 0, 1_048_576);
    container_ready_timeout_sec: i64 = 30, |v| within(*v, 1, 600);
    default_step_timeout_sec: i64 = 300, |v| within(*v, 10, 86400);
    chat_idle_timeout_min: i64 = 30, |v| within(*v, 1, 1440);
    reaper_interval_sec: i64 = 60, |v| within(*v, 5, 3600);
    wake_enabled: bool = true, flag;
    wake_cooldown_sec: i64 = 300, |v| within(*v, 0, 86400);
    max_wakes_per_day: i64 = 12, |v| within(*v, 0, 1000);
    max_wakes_per_pair_per_day: i64 = 5, |v| within(*v, 0, 1000);
    max_concurrent_pulse_sessions: i64 = 2, |v| within(*v, 1, 100);
    default_pulse_timeout_sec: i64 = 120, |v| within(*v, 10, 3600);
    chat_inactivity_timeout_sec: i64 = 180, |v| within(*v, 10, 86400);
    chat_hard_timeout_sec: i64 = 900, |v| within(*v, 60, 86400);
    max_auto_continuations: i64 = 50, |v| within(*v, 0, 1000);
    max_running_runs: i64 = 5, |v| within(*v, 1, 100);
}

impl SettingsPatch {
    /// The keys this patch sets, with their stored JSON text.
    pub fn entries(&self) -> Vec<(String, String)> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map.into_iter().map(|(k, v)| (k, v.to_string())).collect(),
            _ => Vec::new(),
        }
    }
}

impl GlobalSettings {
    /// Defaults overlaid with the stored rows. A row that no longer parses (a key renamed or a
    /// type changed by a later release) falls back to its default instead of failing the read.
    pub fn from_rows(rows: &[(String, String)]) -> Self {
        let defaults = Self::default();
        let Ok(Value::Object(mut merged)) = serde_json::to_value(&defaults) else {
            return defaults;
        };
        for (key, raw) in rows {
            let Some(previous) = merged.get(key).cloned() else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(raw) else {
                continue;
            };
            merged.insert(key.clone(), value);
            if serde_json::from_value::<Self>(Value::Object(merged.clone())).is_err() {
                merged.insert(key.clone(), previous);
            }
        }
        serde_json::from_value(Value::Object(merged)).unwrap_or(defaults)
    }
}

/// The models a tenant marked as favourites (`favorites` row).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Favorites {
    #[serde(default)]
    pub favorites: Vec<String>,
}

pub const FAVORITES_KEY: &str = "favorites";
pub const MAX_FAVORITES: usize = 200;

impl Favorites {
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        if self.favorites.len() > MAX_FAVORITES {
            errors.push(err("favorites", format!("at most {MAX_FAVORITES} models")));
        }
        for (i, m) in self.favorites.iter().enumerate() {
            if m.is_empty() || model(m).is_some() {
                errors.push(err(&format!("favorites[{i}]"), "must be a model id"));
            }
        }
    }

    pub fn from_stored(raw: Option<&str>) -> Self {
        raw.and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default()
    }
}

/// Curated starting points for the model pickers; the tenant's own history goes first.
const THINKING: &[&str] = &[
    "openrouter/minimax/minimax-m2.5",
    "openrouter/anthropic/claude-sonnet-4.5",
    "openrouter/anthropic/claude-opus-4.1",
    "openrouter/openai/gpt-5",
    "openrouter/google/gemini-2.5-pro",
    "openrouter/deepseek/deepseek-r1",
    "anthropic/claude-sonnet-4-5",
    "anthropic/claude-opus-4-1",
    "openai/gpt-5",
    "google/gemini-2.5-pro",
];
const WORKING: &[&str] = &[
    "openrouter/moonshotai/kimi-k2.5",
    "openrouter/minimax/minimax-m2.5",
    "openrouter/anthropic/claude-sonnet-4.5",
    "openrouter/anthropic/claude-haiku-4.5",
    "openrouter/openai/gpt-5-mini",
    "openrouter/google/gemini-2.5-flash",
    "openrouter/z-ai/glm-4.6",
    "openrouter/qwen/qwen3-coder",
    "anthropic/claude-sonnet-4-5",
    "openai/gpt-5-mini",
    "groq/moonshotai/kimi-k2-instruct",
];

/// A model the tenant used, as `provider/model`, with how often and whether it thought.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UsedModel {
    pub provider: String,
    pub model: String,
    pub calls: i64,
    pub thinking_calls: i64,
}

impl UsedModel {
    /// The picker's spelling: `provider/model` unless the model already names its provider.
    pub fn full_id(&self) -> String {
        if self.model.starts_with(&format!("{}/", self.provider)) {
            self.model.clone()
        } else {
            format!("{}/{}", self.provider, self.model)
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub thinking: Vec<String>,
    pub working: Vec<String>,
}

/// Used models first (most used first; those that produced thinking also lead the thinking
/// list), then the curated list; no duplicates. `used` comes sorted by calls, descending.
pub fn suggestions(used: &[UsedModel]) -> Suggestions {
    fn merge(first: impl Iterator<Item = String>, curated: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in first.chain(curated.iter().map(|s| (*s).to_owned())) {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out
    }
    Suggestions {
        thinking: merge(
            used.iter()
                .filter(|u| u.thinking_calls > 0)
                .map(UsedModel::full_id),
            THINKING,
        ),
        working: merge(used.iter().map(UsedModel::full_id), WORKING),
    }
}

/// The curated models of one provider, for the provider list's `models`.
pub fn curated_models(provider_id: &str) -> Vec<Map<String, Value>> {
    let prefix = format!("{provider_id}/");
    let mut out: Vec<Map<String, Value>> = Vec::new();
    for m in THINKING.iter().chain(WORKING) {
        if let Some(id) = m.strip_prefix(&prefix)
            && !out.iter().any(|x| x.get("id") == Some(&Value::from(id)))
        {
            let mut entry = Map::new();
            entry.insert("id".into(), id.into());
            entry.insert("name".into(), id.into());
            out.push(entry);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_reference() {
        let s = GlobalSettings::default();
        assert_eq!(s.default_working_model, "openrouter/moonshotai/kimi-k2.5");
        assert_eq!(s.pulse_interval_minutes, 30);
        assert_eq!(s.container_memory_limit_mb, 2048);
        assert_eq!(s.max_auto_continuations, 50);
    }

    #[test]
    fn stored_rows_override_defaults_and_broken_rows_are_ignored() {
        let rows = vec![
            ("pulseIntervalMinutes".to_owned(), "15".to_owned()),
            ("containerMemoryLimitMb".to_owned(), "\"lots\"".to_owned()),
            ("unknownKey".to_owned(), "1".to_owned()),
        ];
        let s = GlobalSettings::from_rows(&rows);
        assert_eq!(s.pulse_interval_minutes, 15);
        assert_eq!(s.container_memory_limit_mb, 2048);
    }

    #[test]
    fn patches_name_their_keys_and_check_ranges() {
        let patch: SettingsPatch =
            serde_json::from_str(r#"{"pulseIntervalMinutes": 0, "containerCpuLimit": 1.5}"#)
                .expect("parse");
        let mut errors = Vec::new();
        patch.check(&mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "pulseIntervalMinutes");
        let mut keys: Vec<_> = patch.entries().into_iter().map(|(k, _)| k).collect();
        keys.sort();
        assert_eq!(keys, vec!["containerCpuLimit", "pulseIntervalMinutes"]);
    }

    #[test]
    fn used_models_lead_the_suggestions() {
        let used = vec![
            UsedModel {
                provider: "anthropic".into(),
                model: "claude-x".into(),
                calls: 9,
                thinking_calls: 0,
            },
            UsedModel {
                provider: "openrouter".into(),
                model: "openrouter/moonshotai/kimi-k2.5".into(),
                calls: 3,
                thinking_calls: 2,
            },
        ];
        let s = suggestions(&used);
        assert_eq!(s.working[0], "anthropic/claude-x");
        assert_eq!(s.working[1], "openrouter/moonshotai/kimi-k2.5");
        assert_eq!(
            s.working
                .iter()
                .filter(|m| *m == "openrouter/moonshotai/kimi-k2.5")
                .count(),
            1
        );
        assert_eq!(s.thinking[0], "openrouter/moonshotai/kimi-k2.5");
        assert!(!s.thinking.contains(&"anthropic/claude-x".to_owned()));
    }
}
