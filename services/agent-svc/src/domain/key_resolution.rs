//! Which provider keys a run may use (contract §10, `GET /v1/settings/providers/keys/all`).
//!
//! Without a user: every enabled, configured provider of the tenant (`instance`). For a user:
//! strict — the user's own key (`personal`), else a share of the tenant's key by an admin
//! (`admin_shared`) while it is unexpired and under its daily limits, else the provider is
//! blocked. Never a silent fallback to the tenant's key: that would bill the tenant for a user
//! the admin did not share with.

use std::collections::{BTreeMap, BTreeSet};

use kit::crypto::mask;
use serde::Serialize;

/// Decrypted credentials of one provider (a tenant's or a user's row).
#[derive(Debug, Clone)]
pub struct Creds {
    pub provider_id: String,
    pub enabled: bool,
    pub configured: bool,
    pub api_key: Option<String>,
    pub extra: BTreeMap<String, String>,
}

/// An admin's share of a tenant provider, as far as resolution needs it.
#[derive(Debug, Clone)]
pub struct Share {
    pub provider_id: String,
    pub target_user_id: Option<String>,
    pub expires_at: Option<i64>,
    pub allowed_models: Option<Vec<String>>,
    pub daily_limit: Option<i64>,
    pub daily_cost_limit_usd: Option<f64>,
}

/// Today's (UTC) calls and cost of one user on one provider's shared key.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DailyUse {
    pub calls: i64,
    pub cost: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct KeySource {
    pub source: &'static str,
    pub masked_key: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ShareUsage {
    pub daily_limit: Option<i64>,
    pub daily_used: i64,
    pub daily_cost_limit_usd: Option<f64>,
    pub daily_cost_used: f64,
    pub expires_at: Option<i64>,
}

/// The answer of `keys/all`; `keys` and secret `extra` values are plaintext (engine only).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ResolvedKeys {
    pub keys: BTreeMap<String, String>,
    pub extra: BTreeMap<String, String>,
    pub key_sources: BTreeMap<String, KeySource>,
    pub blocked_providers: Vec<String>,
    pub model_restrictions: BTreeMap<String, Vec<String>>,
    pub share_usage: BTreeMap<String, ShareUsage>,
}

impl ResolvedKeys {
    fn grant(&mut self, creds: &Creds, source: &'static str) {
        if let Some(key) = &creds.api_key {
            self.keys.insert(creds.provider_id.clone(), key.clone());
        }
        self.extra
            .extend(creds.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        let masked_key = creds.api_key.as_deref().map(mask).unwrap_or_default();
        self.key_sources
            .insert(creds.provider_id.clone(), KeySource { source, masked_key });
    }
}

fn usable(c: &Creds) -> bool {
    c.enabled && c.configured
}

/// The tenant's own keys, for runs without a user.
pub fn for_tenant(tenant: &[Creds]) -> ResolvedKeys {
    let mut out = ResolvedKeys::default();
    for c in tenant.iter().filter(|c| usable(c)) {
        out.grant(c, "instance");
    }
    out
}

/// Strict per-user resolution. `usage` holds today's shared-key use of this user per provider.
pub fn for_user(
    user_id: &str,
    tenant: &[Creds],
    own: &[Creds],
    shares: &[Share],
    usage: &BTreeMap<String, DailyUse>,
    now_ms: i64,
) -> ResolvedKeys {
    let mut out = ResolvedKeys::default();
    let providers: BTreeSet<&str> = tenant
        .iter()
        .filter(|c| usable(c))
        .map(|c| c.provider_id.as_str())
        .chain(own.iter().map(|c| c.provider_id.as_str()))
        .collect();
    for pid in providers {
        if let Some(mine) = own.iter().find(|c| c.provider_id == pid && usable(c)) {
            out.grant(mine, "personal");
            continue;
        }
        let Some(instance) = tenant.iter().find(|c| c.provider_id == pid && usable(c)) else {
            continue;
        };
        // A share naming the user sets that user's terms, even over an all-users share.
        let share = shares
            .iter()
            .find(|s| s.provider_id == pid && s.target_user_id.as_deref() == Some(user_id))
            .or_else(|| {
                shares
                    .iter()
                    .find(|s| s.provider_id == pid && s.target_user_id.is_none())
            });
        let Some(share) = share else {
            out.blocked_providers.push(pid.to_owned());
            continue;
        };
        let used = usage.get(pid).copied().unwrap_or_default();
        out.share_usage.insert(
            pid.to_owned(),
            ShareUsage {
                daily_limit: share.daily_limit,
                daily_used: used.calls,
                daily_cost_limit_usd: share.daily_cost_limit_usd,
                daily_cost_used: used.cost,
                expires_at: share.expires_at,
            },
        );
        let expired = share.expires_at.is_some_and(|at| at <= now_ms);
        let over_calls = share.daily_limit.is_some_and(|limit| used.calls >= limit);
        let over_cost = share
            .daily_cost_limit_usd
            .is_some_and(|limit| used.cost >= limit);
        if expired || over_calls || over_cost {
            out.blocked_providers.push(pid.to_owned());
            continue;
        }
        out.grant(instance, "admin_shared");
        if let Some(models) = share.allowed_models.as_ref().filter(|m| !m.is_empty()) {
            out.model_restrictions
                .insert(pid.to_owned(), models.clone());
        }
    }
    out
}

/// Epoch ms of the start of the current UTC day: daily limits reset at midnight UTC.
pub fn utc_day_start(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(pid: &str, key: &str) -> Creds {
        Creds {
            provider_id: pid.into(),
            enabled: true,
            configured: true,
            api_key: Some(key.into()),
            extra: BTreeMap::new(),
        }
    }

    fn share(pid: &str, target: Option<&str>) -> Share {
        Share {
            provider_id: pid.into(),
            target_user_id: target.map(Into::into),
            expires_at: None,
            allowed_models: None,
            daily_limit: None,
            daily_cost_limit_usd: None,
        }
    }

    #[test]
    fn own_key_beats_share_and_unshared_instance_keys_are_blocked() {
        let tenant = [
            creds("anthropic", "sk-tenant-aaaaaaaa"),
            creds("openai", "sk-tenant-bbbbbbbb"),
        ];
        let own = [creds("anthropic", "sk-mine-cccccccccc")];
        let shares = [share("anthropic", None)];
        let r = for_user("usr_a", &tenant, &own, &shares, &BTreeMap::new(), 0);
        assert_eq!(r.keys["anthropic"], "sk-mine-cccccccccc");
        assert_eq!(r.key_sources["anthropic"].source, "personal");
        assert_eq!(r.blocked_providers, vec!["openai"]);
        assert!(!r.keys.contains_key("openai"));
    }

    #[test]
    fn shares_respect_target_expiry_and_limits() {
        let tenant = [creds("openai", "sk-tenant-bbbbbbbb")];
        let mut specific = share("openai", Some("usr_a"));
        specific.daily_limit = Some(2);
        specific.allowed_models = Some(vec!["gpt-5".into()]);
        let all = share("openai", None);
        let shares = [all, specific];
        let mut usage = BTreeMap::new();
        let r = for_user("usr_a", &tenant, &[], &shares, &usage, 0);
        assert_eq!(r.key_sources["openai"].source, "admin_shared");
        assert_eq!(r.model_restrictions["openai"], vec!["gpt-5"]);
        usage.insert(
            "openai".to_owned(),
            DailyUse {
                calls: 2,
                cost: 0.0,
            },
        );
        let r = for_user("usr_a", &tenant, &[], &shares, &usage, 0);
        assert_eq!(
            r.blocked_providers,
            vec!["openai"],
            "the specific share's limit wins"
        );
        assert_eq!(r.share_usage["openai"].daily_used, 2);
        let r = for_user("usr_b", &tenant, &[], &shares, &usage, 0);
        assert_eq!(
            r.key_sources["openai"].source, "admin_shared",
            "usr_b uses the all-users share"
        );

        let mut expiring = share("openai", None);
        expiring.expires_at = Some(1000);
        expiring.daily_cost_limit_usd = Some(1.0);
        let r = for_user(
            "usr_b",
            &tenant,
            &[],
            &[expiring.clone()],
            &BTreeMap::new(),
            999,
        );
        assert!(r.keys.contains_key("openai"));
        let r = for_user(
            "usr_b",
            &tenant,
            &[],
            &[expiring.clone()],
            &BTreeMap::new(),
            1000,
        );
        assert_eq!(r.blocked_providers, vec!["openai"]);
        expiring.expires_at = None;
        let spent = BTreeMap::from([(
            "openai".to_owned(),
            DailyUse {
                calls: 1,
                cost: 1.5,
            },
        )]);
        let r = for_user("usr_b", &tenant, &[], &[expiring], &spent, 0);
        assert_eq!(r.blocked_providers, vec!["openai"]);
    }

    #[test]
    fn disabled_rows_count_as_absent() {
        let mut off = creds("anthropic", "sk-tenant-aaaaaaaa");
        off.enabled = false;
        assert!(for_tenant(&[off.clone()]).keys.is_empty());
        let r = for_user(
            "usr_a",
            &[off],
            &[],
            &[share("anthropic", None)],
            &BTreeMap::new(),
            0,
        );
        assert!(r.keys.is_empty() && r.blocked_providers.is_empty());
        assert_eq!(utc_day_start(86_400_000 + 5), 86_400_000);
    }
}
