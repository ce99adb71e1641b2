//! AES-256-GCM for secrets at rest (TOTP and OIDC secrets, SMTP passwords, agent secrets,
//! provider keys, channel tokens), keyed by `SECRET_ENCRYPTION_KEY`.
//! Stored as base64(nonce || ciphertext || tag), the reference implementation's layout, so data
//! migrated from it stays readable with the same key.
//!
//! [`SecretBox::encrypt_bound`] also binds a ciphertext to where it belongs (its table, row and
//! column, as the caller spells them) through AES-GCM's associated data, so a ciphertext copied
//! into another row or column by someone with write access to the database no longer decrypts
//! there (security review L11). Bound values carry the marker `v2:` (never the start of
//! base64); [`SecretBox::decrypt_bound`] still opens unmarked values, and says they are legacy
//! so the caller can re-encrypt them.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::config::ConfigError;

const NONCE_LEN: usize = 12;
/// Marks a ciphertext bound to a context (AAD).
const BOUND_MARKER: &str = "v2:";
/// Domain separation of the associated data.
const AAD_LABEL: &str = "djinnbot/secret-box/v2";

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([REDACTED])")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("stored secret is not valid base64")]
    Encoding,
    #[error("stored secret cannot be decrypted with this key")]
    Decrypt,
}

impl SecretBox {
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_key).map_err(|_| "must be hexadecimal".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!(
                "must be 32 bytes (64 hex characters), got {}",
                bytes.len()
            ));
        }
        let key = Key::<Aes256Gcm>::try_from(bytes.as_slice()).map_err(|_| "bad key".to_owned())?;
        Ok(Self {
            cipher: Aes256Gcm::new(&key),
        })
    }

    /// The box for `SECRET_ENCRYPTION_KEY`, or why the service cannot start without it. Required
    /// even in dev mode: an ephemeral key would make stored secrets unreadable after a restart.
    pub fn from_config(key: Option<&SecretString>) -> Result<Self, ConfigError> {
        let raw = key
            .map(|s| s.expose_secret().trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::Invalid {
                name: "SECRET_ENCRYPTION_KEY",
                reason: "required (64 hex characters); generate one with `openssl rand -hex 32`"
                    .to_owned(),
            })?;
        Self::from_hex(&raw).map_err(|reason| ConfigError::Invalid {
            name: "SECRET_ENCRYPTION_KEY",
            reason,
        })
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and a 12-byte nonce cannot fail for in-memory input.
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, CryptoError> {
        let raw = STANDARD.decode(stored).map_err(|_| CryptoError::Encoding)?;
        if raw.len() <= NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Decrypt)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| CryptoError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Decrypt)
    }
}

/// What [`SecretBox::decrypt_bound`] opened.
#[derive(Debug, PartialEq, Eq)]
pub struct Decrypted {
    pub plaintext: String,
    /// Stored before binding existed (no AAD): re-encrypt it with `encrypt_bound`.
    pub legacy: bool,
}

fn aad(context: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + 1 + context.len());
    aad.extend_from_slice(AAD_LABEL.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context.as_bytes());
    aad
}

impl SecretBox {
    /// Encrypts `plaintext` bound to `context` (e.g. `agent.secrets:{tenant}:{id}:value`):
    /// `v2:` + base64(nonce || ciphertext || tag), the context as associated data.
    pub fn encrypt_bound(&self, plaintext: &str, context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let aad = aad(context);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: &aad,
        };
        // As in `encrypt`: cannot fail for in-memory input with a valid key and nonce.
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{BOUND_MARKER}{}", STANDARD.encode(out))
    }

    /// Opens a value of [`Self::encrypt_bound`] made for the same `context`, or a legacy value
    /// of [`Self::encrypt`] (flagged `legacy`). A bound value under another context fails.
    pub fn decrypt_bound(&self, stored: &str, context: &str) -> Result<Decrypted, CryptoError> {
        let Some(encoded) = stored.strip_prefix(BOUND_MARKER) else {
            return self.decrypt(stored).map(|plaintext| Decrypted {
                plaintext,
                legacy: true,
            });
        };
        let raw = STANDARD
            .decode(encoded)
            .map_err(|_| CryptoError::Encoding)?;
        if raw.len() <= NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Decrypt)?;
        let aad = aad(context);
        let plain = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        let plaintext = String::from_utf8(plain).map_err(|_| CryptoError::Decrypt)?;
        Ok(Decrypted {
            plaintext,
            legacy: false,
        })
    }
}

/// `...wxyz`: enough to recognise a secret among a user's own, never enough to use or guess
/// it. At most the last 4 characters, and only of a secret of 16 characters or more; anything
/// shorter (a password, a PIN) shows nothing (security review L2).
pub fn mask(secret: &str) -> String {
    const SHOWN: usize = 4;
    const MIN_LEN: usize = 16;
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_LEN {
        return "***".to_owned();
    }
    let end: String = chars[chars.len() - SHOWN..].iter().collect();
    format!("...{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn round_trips_and_uses_fresh_nonces() {
        let secrets = SecretBox::from_hex(KEY).expect("key");
        let a = secrets.encrypt("hunter2");
        let b = secrets.encrypt("hunter2");
        assert_ne!(a, b);
        assert!(!a.contains("hunter2"));
        assert_eq!(secrets.decrypt(&a).as_deref(), Ok("hunter2"));
    }

    #[test]
    fn a_wrong_key_cannot_decrypt() {
        let a = SecretBox::from_hex(KEY).expect("key").encrypt("s");
        let other = SecretBox::from_hex(&"ab".repeat(32)).expect("key");
        assert_eq!(other.decrypt(&a), Err(CryptoError::Decrypt));
    }

    #[test]
    fn bound_ciphertexts_open_only_in_their_context_and_legacy_ones_still_open() {
        let secrets = SecretBox::from_hex(KEY).expect("key");
        let bound = secrets.encrypt_bound("hunter2", "agent.secrets:ten_a:sec_1:value");
        assert!(bound.starts_with("v2:") && !bound.contains("hunter2"));
        assert_eq!(
            secrets.decrypt_bound(&bound, "agent.secrets:ten_a:sec_1:value"),
            Ok(Decrypted {
                plaintext: "hunter2".to_owned(),
                legacy: false
            })
        );
        // Swapped into another row or tenant: refused.
        for other in [
            "agent.secrets:ten_a:sec_2:value",
            "agent.secrets:ten_b:sec_1:value",
            "",
        ] {
            assert_eq!(
                secrets.decrypt_bound(&bound, other),
                Err(CryptoError::Decrypt)
            );
        }
        // The unbound decrypt does not open a bound value either.
        assert!(secrets.decrypt(&bound).is_err());
        // Values stored before binding still open, flagged for re-encryption.
        let legacy = secrets.encrypt("old");
        assert_eq!(
            secrets.decrypt_bound(&legacy, "anything"),
            Ok(Decrypted {
                plaintext: "old".to_owned(),
                legacy: true
            })
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(SecretBox::from_hex("abcd").is_err());
        assert!(SecretBox::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn masks_keep_at_most_four_trailing_characters_of_long_secrets() {
        assert_eq!(mask("short"), "***");
        // A 12-character password used to show 7 of its characters.
        assert_eq!(mask("hunter2hunte"), "***");
        assert_eq!(mask("fifteen-chars!!"), "***");
        assert_eq!(mask("sixteen-chars!!!"), "...s!!!");
        assert_eq!(mask("sk-abcdefghijklmnop"), "...mnop");
        assert_eq!(mask("ünïcödé-sëcrét-kéÿ"), "...-kéÿ");
    }
}
