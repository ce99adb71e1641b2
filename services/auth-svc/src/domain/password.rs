//! Argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane), run off the async runtime:
//! a hash takes tens of milliseconds of CPU and would otherwise stall every other request.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use kit::ApiError;

fn hasher() -> Argon2<'static> {
    // Fixed, valid parameters: Params::new only fails for out-of-range values.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
    })
    .await
    .map_err(ApiError::internal)?
}

/// Verifies `password` against `stored`; with no stored hash (unknown account, OIDC-only user)
/// it still spends the same work on a dummy hash so timing does not tell accounts apart.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let argon = hasher();
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (DUMMY_HASH.to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return Ok(false);
        };
        Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok() && real)
    })
    .await
    .map_err(ApiError::internal)?
}

/// A hash of a random password with the same parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$WaQlVHlX16gTxD0C36VLaQ$4qL4DygujlEfss1UeAeLm2f9Witg1lXx/NLfCt/lrwk";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = hash("correct horse".to_owned()).await.expect("hash");
        let b = hash("correct horse".to_owned()).await.expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("correct horse".to_owned(), Some(a.clone()))
                .await
                .expect("verify")
        );
        assert!(!verify("wrong".to_owned(), Some(a)).await.expect("verify"));
    }

    #[test]
    fn dummy_hash_is_a_real_hash_with_our_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("valid PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[tokio::test]
    async fn missing_hash_never_verifies() {
        assert!(!verify("anything".to_owned(), None).await.expect("verify"));
    }
}
