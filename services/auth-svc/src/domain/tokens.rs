//! Opaque secrets (refresh tokens, API keys, recovery codes): random, shown once, stored hashed.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// `prefix` + 32 random bytes in hex.
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// What the database keeps of a secret.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = random_secret("djr_");
        assert!(a.starts_with("djr_"));
        assert_eq!(a.len(), 4 + 64);
        assert_ne!(a, random_secret("djr_"));
        assert_eq!(sha256_hex(&a).len(), 64);
    }
}
