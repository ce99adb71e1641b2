//! Signed cache entries: what kit reads back from Redis to decide *who a caller is* (API-key
//! introspection answers) or *whether a tenant may act* (tenant status) carries an HMAC, so
//! Redis is a cache, never a trust anchor (security review H2).
//!
//! The MAC key is derived from `AUTH_SECRET_KEY` (HMAC-SHA256 of a fixed label), so every
//! service that verifies JWTs verifies entries too and no new secret is needed; whoever can
//! write to Redis but does not hold that key cannot forge an entry. The MAC covers the entry's
//! own Redis key (an entry copied to another key does not verify), an expiry (an old entry
//! replayed later does not verify past it) and the payload. An entry that does not verify is
//! treated as absent: the caller resolves the answer again from its source.
//!
//! Stored form: `s1.{hex hmac}.{until ms, 0 = none}.{payload}`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const VERSION: &str = "s1";
/// Domain separation from every other use of `AUTH_SECRET_KEY` (JWTs are HMACs of it too).
const LABEL: &[u8] = b"djinnbot/redis-cache-entry/v1";

/// Seals and opens cache entries with a key derived from `AUTH_SECRET_KEY`.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([REDACTED])")
    }
}

/// What [`Sealer::open`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened<'a> {
    /// The MAC verifies and the entry has not expired.
    Valid(&'a str),
    /// Not sealed by us, tampered with, moved from another key, or expired. The payload is
    /// given for callers that may still honour a *refusal* it carries (fail closed), never an
    /// admission.
    Invalid { claimed: &'a str },
}

impl Sealer {
    pub fn new(auth_secret: &[u8]) -> Self {
        let mut mac = mac_with(auth_secret);
        mac.update(LABEL);
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn mac(&self, redis_key: &str, until_ms: i64, payload: &str) -> HmacSha256 {
        let mut mac = mac_with(&self.key);
        // Length-prefixed, so no two (key, until, payload) triples share an input.
        for part in [
            redis_key.as_bytes(),
            until_ms.to_string().as_bytes(),
            payload.as_bytes(),
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// The value to store at `redis_key`: `payload`, valid until `until_ms` (`None`: forever).
    pub fn seal(&self, redis_key: &str, until_ms: Option<i64>, payload: &str) -> String {
        let until = until_ms.unwrap_or(0);
        let tag = hex::encode(self.mac(redis_key, until, payload).finalize().into_bytes());
        format!("{VERSION}.{tag}.{until}.{payload}")
    }

    /// Verifies a value read from `redis_key` at `now_ms` (constant-time comparison).
    pub fn open<'a>(&self, redis_key: &str, value: &'a str, now_ms: i64) -> Opened<'a> {
        let mut parts = value.splitn(4, '.');
        let (Some(VERSION), Some(tag), Some(until), Some(payload)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Opened::Invalid { claimed: value };
        };
        let invalid = Opened::Invalid { claimed: payload };
        let (Ok(tag), Ok(until)) = (hex::decode(tag), until.parse::<i64>()) else {
            return invalid;
        };
        if self
            .mac(redis_key, until, payload)
            .verify_slice(&tag)
            .is_err()
        {
            return invalid;
        }
        if until != 0 && until <= now_ms {
            return invalid;
        }
        Opened::Valid(payload)
    }
}

fn mac_with(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_open_only_at_their_key_with_their_secret_before_expiry() {
        let sealer = Sealer::new(b"secret-one");
        let value = sealer.seal("p:auth:api-key:aa", Some(2_000), r#"{"active":true}"#);
        assert_eq!(
            sealer.open("p:auth:api-key:aa", &value, 1_000),
            Opened::Valid(r#"{"active":true}"#)
        );
        // Moved to another key, opened after its expiry, or with another secret: invalid.
        assert!(matches!(
            sealer.open("p:auth:api-key:bb", &value, 1_000),
            Opened::Invalid { .. }
        ));
        assert!(matches!(
            sealer.open("p:auth:api-key:aa", &value, 2_000),
            Opened::Invalid { .. }
        ));
        let other = Sealer::new(b"secret-two");
        assert!(matches!(
            other.open("p:auth:api-key:aa", &value, 1_000),
            Opened::Invalid { .. }
        ));
        // A payload changed after sealing, or no seal at all.
        let tampered = value.replace("true", "false");
        assert!(matches!(
            sealer.open("p:auth:api-key:aa", &tampered, 1_000),
            Opened::Invalid { .. }
        ));
        assert_eq!(
            sealer.open("k", "suspended", 0),
            Opened::Invalid {
                claimed: "suspended"
            }
        );
        let forever = sealer.seal("k", None, "active");
        assert_eq!(
            sealer.open("k", &forever, i64::MAX),
            Opened::Valid("active")
        );
    }
}
