//! TOTP (RFC 6238) as authenticator apps and the reference (pyotp, `valid_window=1`) use it:
//! HMAC-SHA1, 6 digits, 30-second steps, one step of clock skew either way. A code is accepted
//! once: the caller keeps the step of the last accepted code and passes it back in.
//!
//! Recovery codes are `XXXX-XXXX` (uppercase hex), shown once and stored as sha256 of that form.

use std::collections::BTreeSet;

use hmac::{Hmac, KeyInit, Mac};
use kit::ApiError;
use rand::RngCore;
use sha2::Sha256;
use totp_rs::{Builder, Secret, Totp};

use crate::domain::tokens::sha256_hex;

/// 160 bits, the length RFC 4226 recommends and authenticator apps expect.
const SECRET_BYTES: usize = 20;
pub const DIGITS: usize = 6;
pub const RECOVERY_CODE_COUNT: usize = 10;

/// A fresh random secret, base32 (what the user types into an app and what we encrypt).
pub fn new_secret() -> String {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn builder(secret_b32: &str) -> Result<Builder, ApiError> {
    let secret = Secret::try_from_base32(secret_b32)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored TOTP secret: {e}")))?;
    // Builder's defaults are exactly our parameters; spelled out so a crate change cannot move them.
    Ok(Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret))
}

fn totp(secret_b32: &str) -> Result<Totp, ApiError> {
    builder(secret_b32)?
        .build()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("TOTP parameters: {e}")))
}

/// The `otpauth://totp/{issuer}:{account}?secret=…&issuer=…` URI for a QR code.
pub fn provisioning_uri(secret_b32: &str, issuer: &str, account: &str) -> Result<String, ApiError> {
    // The URI label separates issuer and account with ':', so neither may contain one; the
    // label is only what the app displays, the secret is unaffected.
    let clean = |s: &str| s.replace(':', "-");
    builder(secret_b32)?
        .with_issuer(Some(clean(issuer)))
        .with_account_name(clean(account))
        .build()
        .and_then(|t| t.to_url())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("TOTP provisioning URI: {e}")))
}

/// The outcome of checking a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Valid; the matched time step must be stored as the new last step.
    Accepted(i64),
    /// Valid for a step at or before the last accepted one: a replay.
    Replayed,
    Wrong,
}

/// Checks `code` at `now_secs` (seconds since the epoch) against `last_step`.
pub fn check(
    secret_b32: &str,
    code: &str,
    now_secs: u64,
    last_step: Option<i64>,
) -> Result<Check, ApiError> {
    let Some(step) = totp(secret_b32)?.check(code.trim(), now_secs) else {
        return Ok(Check::Wrong);
    };
    let step = i64::try_from(step).map_err(ApiError::internal)?;
    Ok(match last_step {
        Some(last) if step <= last => Check::Replayed,
        _ => Check::Accepted(step),
    })
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Whether `raw` has the shape of a TOTP code (the value itself is checked by `check`).
pub fn is_code_shaped(raw: &str) -> bool {
    let code = raw.trim();
    code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// Characters of a recovery code (RFC 4648 base32: no 0/1/8/9, so no O/0 or I/1 confusion).
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// 20 characters of 5 bits: 100 bits each (review L11 asked for at least 80).
const CODE_CHARS: usize = 20;

/// Ten distinct new recovery codes, `XXXXX-XXXXX-XXXXX-XXXXX`.
pub fn recovery_codes() -> Vec<String> {
    let mut codes = BTreeSet::new();
    let mut rng = rand::rng();
    while codes.len() < RECOVERY_CODE_COUNT {
        let mut bytes = [0u8; CODE_CHARS];
        rng.fill_bytes(&mut bytes);
        let chars: Vec<char> = bytes
            .iter()
            .map(|b| char::from(CODE_ALPHABET[usize::from(b & 31)]))
            .collect();
        let groups: Vec<String> = chars.chunks(5).map(|g| g.iter().collect()).collect();
        codes.insert(groups.join("-"));
    }
    codes.into_iter().collect()
}

/// The canonical form of what a user typed (case, dashes and whitespace are free): a current
/// code `XXXXX-XXXXX-XXXXX-XXXXX`, or a code issued before 100-bit codes, `XXXX-XXXX` (hex).
pub fn normalize_recovery_code(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.len() == CODE_CHARS && compact.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        let groups: Vec<&str> = (0..4).map(|i| &compact[i * 5..i * 5 + 5]).collect();
        return Some(groups.join("-"));
    }
    let legacy = compact.len() == 8
        && compact.bytes().all(|b| b.is_ascii_hexdigit())
        && raw.matches('-').count() <= 1;
    legacy.then(|| format!("{}-{}", &compact[..4], &compact[4..]))
}

/// What the database keeps of a recovery code: HMAC-SHA256 keyed with `pepper` (derived from
/// `SECRET_ENCRYPTION_KEY`), so a database dump alone cannot test guesses. Codes issued before
/// (`XXXX-XXXX`) were stored as plain SHA-256 and are looked up that way until used or replaced.
pub fn recovery_code_hash(pepper: &[u8], normalized: &str) -> String {
    if normalized.len() == 9 {
        return sha256_hex(normalized);
    }
    // HMAC takes keys of any length: this never falls back.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(pepper) else {
        return sha256_hex(normalized);
    };
    mac.update(b"djinnbot recovery code v2:");
    mac.update(normalized.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 seed, base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn matches_the_rfc_test_vectors() {
        // Appendix B: T = 59 → 94287082 (8 digits); we use the last 6.
        assert_eq!(
            check(RFC_SECRET, "287082", 59, None).ok(),
            Some(Check::Accepted(1))
        );
        assert_eq!(
            check(RFC_SECRET, "081804", 1_111_111_109, None).ok(),
            Some(Check::Accepted(37_037_036))
        );
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let t = totp(RFC_SECRET).expect("totp");
        let now = 1_700_000_000;
        for (offset, ok) in [
            (-60i64, false),
            (-30, true),
            (0, true),
            (30, true),
            (60, false),
        ] {
            let at = u64::try_from(i64::try_from(now).expect("fits") + offset).expect("positive");
            let code = t.generate(at).to_string();
            let got = check(RFC_SECRET, &code, now, None).expect("check");
            assert_eq!(matches!(got, Check::Accepted(_)), ok, "offset {offset}");
        }
    }

    #[test]
    fn a_code_is_accepted_once() {
        let now = 1_700_000_000;
        let code = totp(RFC_SECRET).expect("totp").generate(now).to_string();
        let Ok(Check::Accepted(step)) = check(RFC_SECRET, &code, now, None) else {
            panic!("fresh code refused");
        };
        assert_eq!(
            check(RFC_SECRET, &code, now, Some(step)).ok(),
            Some(Check::Replayed)
        );
        // An older code still inside the window is a replay too.
        let older = totp(RFC_SECRET)
            .expect("totp")
            .generate(now - 30)
            .to_string();
        assert_eq!(
            check(RFC_SECRET, &older, now, Some(step)).ok(),
            Some(Check::Replayed)
        );
        let next = totp(RFC_SECRET)
            .expect("totp")
            .generate(now + 30)
            .to_string();
        assert_eq!(
            check(RFC_SECRET, &next, now, Some(step)).ok(),
            Some(Check::Accepted(step + 1))
        );
    }

    #[test]
    fn secrets_are_random_base32_of_160_bits() {
        let a = new_secret();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_secret());
        assert_eq!(
            Secret::try_from_base32(&a)
                .expect("base32")
                .as_bytes()
                .len(),
            20
        );
    }

    #[test]
    fn provisioning_uri_names_issuer_and_account() {
        let uri = provisioning_uri(RFC_SECRET, "DjinnBot", "ada@example.com").expect("uri");
        assert_eq!(
            uri,
            format!(
                "otpauth://totp/DjinnBot:ada%40example.com?secret={RFC_SECRET}&issuer=DjinnBot"
            )
        );
        assert!(provisioning_uri(RFC_SECRET, "a:b", "c:d@x.io").is_ok());
    }

    #[test]
    fn code_shapes() {
        assert!(is_code_shaped("012345"));
        assert!(is_code_shaped(" 012345 "));
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert!(!is_code_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_normalise() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        for code in &codes {
            assert_eq!(
                normalize_recovery_code(code).as_deref(),
                Some(code.as_str())
            );
            assert_eq!(
                normalize_recovery_code(&code.to_lowercase().replace('-', "")).as_deref(),
                Some(code.as_str())
            );
        }
        for bad in [
            "",
            "ABCD-EFG",
            "ABCD-EFGH",
            "ABCD--1234",
            "ABCD-12345",
            "ABCDE-FGHIJ-KLMNO-PQRS1",
        ] {
            assert_eq!(normalize_recovery_code(bad), None, "{bad}");
        }
        assert_eq!(
            normalize_recovery_code("abcd1234").as_deref(),
            Some("ABCD-1234")
        );
        assert_eq!(
            recovery_code_hash(b"k", "ABCD-1234"),
            sha256_hex("ABCD-1234"),
            "legacy"
        );
        let code = &codes[0];
        assert_ne!(recovery_code_hash(b"k", code), sha256_hex(code));
        assert_ne!(
            recovery_code_hash(b"k", code),
            recovery_code_hash(b"other", code)
        );
    }
}
