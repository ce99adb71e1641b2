//! API key formats (reference contract §3): `djb_` + secret for users, `djb_svc_…` for
//! services, `djb_agent_…` for agents. Only the SHA-256 is stored; `keyPrefix` identifies a key
//! in listings without revealing it.

use kit::auth::TokenKind;
use kit::auth::api_key::key_hash;

use crate::domain::tokens::random_secret;

/// Longest expiry a client may ask for.
/// Longest string that can be one of our keys (prefix + 64 hex characters, with room).
pub const MAX_KEY_LEN: usize = 200;
pub const MAX_EXPIRES_DAYS: i64 = 3650;
const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    User,
    Service,
    Agent,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Service => "service",
            Self::Agent => "agent",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "user" => Some(Self::User),
            "service" => Some(Self::Service),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::User => "djb_",
            Self::Service => "djb_svc_",
            Self::Agent => "djb_agent_",
        }
    }

    /// How much of the key listings show: the reference's 12 for user keys, 16 otherwise.
    fn display_len(self) -> usize {
        match self {
            Self::User => 12,
            Self::Service | Self::Agent => 16,
        }
    }

    pub fn token_kind(self) -> TokenKind {
        match self {
            Self::User => TokenKind::User,
            Self::Service => TokenKind::Service,
            Self::Agent => TokenKind::Agent,
        }
    }
}

/// A freshly minted key: `key` goes to the client once, the rest to the database.
pub struct Minted {
    pub key: String,
    pub hash: String,
    pub prefix: String,
}

pub fn mint(kind: KeyKind) -> Minted {
    // The secret is hex, so a user key can never look like `djb_svc_` or `djb_agent_`.
    let key = random_secret(kind.prefix());
    Minted {
        hash: key_hash(&key),
        prefix: key.chars().take(kind.display_len()).collect(),
        key,
    }
}

/// Expiry in epoch ms for `days` from `now`, if any.
pub fn expires_at(now_ms: i64, days: Option<i64>) -> Option<i64> {
    days.map(|d| now_ms.saturating_add(d.saturating_mul(DAY_MS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_their_kind_and_a_display_prefix() {
        for (kind, prefix, shown) in [
            (KeyKind::User, "djb_", 12),
            (KeyKind::Service, "djb_svc_", 16),
            (KeyKind::Agent, "djb_agent_", 16),
        ] {
            let m = mint(kind);
            assert!(m.key.starts_with(prefix), "{}", m.key);
            assert_eq!(m.prefix.len(), shown);
            assert!(m.key.starts_with(&m.prefix));
            assert_eq!(m.hash, key_hash(&m.key));
            assert!(kit::auth::api_key::is_api_key(&m.key));
            assert_eq!(KeyKind::parse(kind.as_str()), Some(kind));
        }
        assert_ne!(mint(KeyKind::User).key, mint(KeyKind::User).key);
    }

    #[test]
    fn user_keys_never_look_like_service_or_agent_keys() {
        for _ in 0..200 {
            let key = mint(KeyKind::User).key;
            assert!(!key.starts_with("djb_svc_") && !key.starts_with("djb_agent_"));
        }
    }

    #[test]
    fn expiry_is_days_from_now() {
        assert_eq!(expires_at(1000, None), None);
        assert_eq!(expires_at(1000, Some(1)), Some(1000 + DAY_MS));
    }
}
