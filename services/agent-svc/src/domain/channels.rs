//! The rules of a credentials change (the channels themselves are `channel_catalog`): what the
//! tokens and settings look like, how a change merges with what is stored, and when a channel
//! counts as configured.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::crypto::{SecretBox, mask};
use kit::error::FieldError;
use sqlx::types::Json;

use crate::domain::validate::err;

/// A channel's stored credentials: tokens as ciphertexts with their masks.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credential {
    pub channel: String,
    pub primary_token: Option<String>,
    pub primary_token_masked: Option<String>,
    pub secondary_token: Option<String>,
    pub secondary_token_masked: Option<String>,
    pub extra_config: Json<BTreeMap<String, String>>,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub use crate::domain::channel_catalog::{
    CATALOG, ChannelSpec, ExtraField, MAX_EXTRA_VALUE, MAX_TOKEN, TokenSpec, find,
};

/// What a change brings: `None` (or an empty token) keeps what is stored.
#[derive(Debug, Default)]
pub struct Change {
    pub enabled: Option<bool>,
    pub primary_token: Option<String>,
    pub secondary_token: Option<String>,
    pub extra_config: Option<BTreeMap<String, String>>,
}

impl Change {
    /// Tokens trimmed (pasted tokens often carry a newline), empty ones dropped.
    pub fn normalized(mut self) -> Self {
        let clean = |t: Option<String>| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        self.primary_token = clean(self.primary_token);
        self.secondary_token = clean(self.secondary_token);
        self
    }

    /// The channel-specific checks; field paths use the request's names.
    pub fn check(&self, spec: &ChannelSpec) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        check_token(
            "primaryToken",
            spec,
            spec.primary,
            self.primary_token.as_deref(),
            &mut errors,
        );
        check_token(
            "secondaryToken",
            spec,
            spec.secondary,
            self.secondary_token.as_deref(),
            &mut errors,
        );
        for (key, value) in self.extra_config.iter().flatten() {
            let path = format!("extraConfig.{key}");
            if !spec.extra_fields.iter().any(|f| f.key == key) {
                let known: Vec<_> = spec.extra_fields.iter().map(|f| f.key).collect();
                let known = if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                };
                errors.push(err(
                    &path,
                    format!("{} takes no such setting (known: {known})", spec.id),
                ));
            } else if value.len() > MAX_EXTRA_VALUE {
                errors.push(err(
                    &path,
                    format!("must be at most {MAX_EXTRA_VALUE} bytes"),
                ));
            } else if value.chars().any(char::is_control) {
                errors.push(err(&path, "must not contain control characters"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

fn check_token(
    path: &str,
    spec: &ChannelSpec,
    token_spec: Option<TokenSpec>,
    token: Option<&str>,
    errors: &mut Vec<FieldError>,
) {
    let Some(token) = token else { return };
    let Some(token_spec) = token_spec else {
        errors.push(err(path, format!("{} takes no such token", spec.id)));
        return;
    };
    if token.len() > MAX_TOKEN {
        errors.push(err(path, format!("must be at most {MAX_TOKEN} bytes")));
    } else if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(err(path, "must not contain spaces or control characters"));
    } else if let Some(prefix) = token_spec.prefix
        && !token.starts_with(prefix)
    {
        errors.push(err(
            path,
            format!(
                "a {} {} starts with `{prefix}`",
                spec.name, token_spec.label
            ),
        ));
    }
}

/// Settings after a change: a non-empty value sets a key, an empty one removes it.
pub fn merge_extra(
    mut current: BTreeMap<String, String>,
    change: Option<BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    for (key, value) in change.into_iter().flatten() {
        let value = value.trim().to_owned();
        if value.is_empty() {
            current.remove(&key);
        } else {
            current.insert(key, value);
        }
    }
    current
}

/// The row after `change`: new tokens encrypted with their masked previews beside them, the
/// rest kept. A channel set up for the first time starts enabled.
pub fn apply(
    spec: &ChannelSpec,
    current: Option<Credential>,
    change: Change,
    secrets: &SecretBox,
    now: i64,
) -> Credential {
    let mut row = current.unwrap_or_else(|| Credential {
        channel: spec.id.to_owned(),
        primary_token: None,
        primary_token_masked: None,
        secondary_token: None,
        secondary_token_masked: None,
        extra_config: Json(BTreeMap::new()),
        enabled: true,
        created_at: now,
        updated_at: now,
    });
    if let Some(token) = change.primary_token {
        row.primary_token_masked = Some(mask(&token));
        row.primary_token = Some(secrets.encrypt(&token));
    }
    if let Some(token) = change.secondary_token {
        row.secondary_token_masked = Some(mask(&token));
        row.secondary_token = Some(secrets.encrypt(&token));
    }
    row.extra_config = Json(merge_extra(row.extra_config.0, change.extra_config));
    if let Some(enabled) = change.enabled {
        row.enabled = enabled;
    }
    row.updated_at = now;
    row
}

/// Whether an agent can use the channel: shared channels only need opting in; bot channels
/// need every token the catalog lists and every required setting.
pub fn configured(
    spec: &ChannelSpec,
    enabled: bool,
    has_primary: bool,
    has_secondary: bool,
    extra: &BTreeMap<String, String>,
) -> bool {
    if spec.shared {
        return enabled;
    }
    (spec.primary.is_none() || has_primary)
        && (spec.secondary.is_none() || has_secondary)
        && spec
            .extra_fields
            .iter()
            .filter(|f| f.required)
            .all(|f| extra.contains_key(f.key))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn slack_change(primary: &str, secondary: &str) -> Change {
        Change {
            primary_token: Some(primary.to_owned()),
            secondary_token: Some(secondary.to_owned()),
            ..Change::default()
        }
        .normalized()
    }

    #[test]
    fn slack_tokens_must_carry_their_prefixes() {
        let slack = find("slack").expect("in catalog");
        assert!(slack_change(" xoxb-1\n", "xapp-2").check(slack).is_ok());
        let swapped = slack_change("xapp-2", "xoxb-1").check(slack);
        assert_eq!(
            swapped.map_err(|e| e.status()),
            Err(StatusCode::UNPROCESSABLE_ENTITY)
        );
        assert!(slack_change("xoxb-a b", "xapp-2").check(slack).is_err());
    }

    #[test]
    fn shared_channels_take_no_tokens_and_unknown_settings_are_refused() {
        let signal = find("signal").expect("in catalog");
        assert!(slack_change("a", "b").check(signal).is_err());
        let change = Change {
            extra_config: Some(BTreeMap::from([("password".into(), "x".into())])),
            ..Change::default()
        };
        assert!(change.check(find("slack").expect("in catalog")).is_err());
        assert!(find("irc").is_err());
    }

    #[test]
    fn empty_values_remove_settings_and_configured_follows_the_catalog() {
        let current = BTreeMap::from([("guild_id".to_owned(), "1".to_owned())]);
        let change = BTreeMap::from([
            ("guild_id".to_owned(), String::new()),
            ("allow_from".to_owned(), "*".to_owned()),
        ]);
        let merged = merge_extra(current, Some(change));
        assert_eq!(merged.keys().collect::<Vec<_>>(), vec!["allow_from"]);
        let discord = find("discord").expect("in catalog");
        assert!(configured(discord, true, true, true, &merged));
        assert!(!configured(discord, true, true, true, &BTreeMap::new()));
        let telegram = find("telegram").expect("in catalog");
        assert!(configured(telegram, true, true, false, &BTreeMap::new()));
        let whatsapp = find("whatsapp").expect("in catalog");
        assert!(!configured(whatsapp, false, false, false, &BTreeMap::new()));
    }
}
