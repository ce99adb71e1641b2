//! Argon2id with OWASP's parameters (19 MiB, 2 iterations, 1 lane).
//!
//! Each hash needs 19 MiB of working memory and tens of milliseconds of CPU. Hashing runs on a
//! small dedicated pool (one thread per core by default) behind a bounded queue, and each worker
//! owns one 19 MiB block buffer for its whole life: memory stays fixed however many logins
//! arrive, the async runtime never stalls, and a flood beyond the queue is answered 503 at once.
//! (Allocating per hash made glibc keep hundreds of MiB after a login burst; `spawn_blocking`
//! could also start up to 512 threads.)

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::http::StatusCode;
use kit::ApiError;
use rand::RngCore;

type Job = Box<dyn FnOnce(&mut [Block]) + Send>;

const M_COST: u32 = 19_456;
const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::Sender<Job>,
    queue: Arc<tokio::sync::Semaphore>,
    /// Hashes and verifications started (`password_hashes_total{queue}` once registered).
    runs: prometheus::IntCounter,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher").finish_non_exhaustive()
    }
}

fn params() -> Params {
    // Fixed, valid parameters: Params::new only fails for out-of-range values.
    Params::new(M_COST, 2, 1, Some(OUTPUT_LEN)).unwrap_or_default()
}

fn argon() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

fn hash_with(
    password: &[u8],
    memory: &mut [Block],
) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    argon().hash_password_into_with_memory(password, &salt, &mut out, memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params())?,
        salt: Some(Salt::new(&salt)?),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Verifies with the worker's memory when the hash uses our parameters (every hash we wrote);
/// anything else (an imported hash) goes through the allocating path.
fn verify_with(password: &[u8], stored: &PasswordHash, memory: &mut [Block]) -> bool {
    let ours = stored.algorithm == Algorithm::Argon2id.ident()
        && stored.version == Some(Version::V0x13.into())
        && Params::try_from(stored).is_ok_and(|p| p == params());
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    if !ours || expected.len() != OUTPUT_LEN {
        return argon().verify_password(password, stored).is_ok();
    }
    let mut out = [0u8; OUTPUT_LEN];
    if argon()
        .hash_password_into_with_memory(password, salt.as_ref(), &mut out, memory)
        .is_err()
    {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(&out).is_ok_and(|o| &o == expected)
}

impl Hasher {
    /// `threads` workers; at most `queue` hashes waiting or running at once.
    pub fn new(threads: usize, queue: usize) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    let mut memory = vec![Block::new(); M_COST as usize];
                    loop {
                        // The lock is held only while waiting; the job runs without it.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return, // every Hasher dropped
                        }
                    }
                })?;
        }
        Ok(Self {
            jobs: tx,
            queue: Arc::new(tokio::sync::Semaphore::new(queue.max(1))),
            runs: prometheus::IntCounter::new("password_hashes_total", "argon2 runs")
                .map_err(std::io::Error::other)?,
        })
    }

    /// Counts this pool's runs in `counter` (a metric of the service's registry).
    #[must_use]
    pub fn counted(mut self, counter: prometheus::IntCounter) -> Self {
        self.runs = counter;
        self
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self.queue.try_acquire().map_err(|_| busy())?;
        self.runs.inc();
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |memory: &mut [Block]| {
                let _ = tx.send(work(memory));
            }))
            .map_err(|_| ApiError::internal(anyhow::anyhow!("password hasher stopped")))?;
        rx.await.map_err(ApiError::internal)
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |memory| {
            hash_with(password.as_bytes(), memory)
                .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
        })
        .await?
    }

    /// Verifies `password` against `stored`; with no stored hash (unknown account, OIDC-only
    /// user) it spends the same work on a dummy hash so timing does not tell accounts apart.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.run(move |memory| {
            let (hash, real) = match stored {
                Some(h) => (h, true),
                None => (DUMMY_HASH.to_owned(), false),
            };
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            verify_with(password.as_bytes(), &parsed, memory) && real
        })
        .await
    }
}

fn busy() -> ApiError {
    ApiError::Client {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "busy",
        detail: "too many sign-ins in progress, retry shortly".to_owned(),
        errors: Vec::new(),
        retry_after: Some(1),
    }
}

/// A hash of a random password with the same parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$WaQlVHlX16gTxD0C36VLaQ$4qL4DygujlEfss1UeAeLm2f9Witg1lXx/NLfCt/lrwk";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let hasher = Hasher::new(1, 4).expect("pool");
        let a = hasher.hash("correct horse".to_owned()).await.expect("hash");
        let b = hasher.hash("correct horse".to_owned()).await.expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hasher
                .verify("correct horse".to_owned(), Some(a.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong".to_owned(), Some(a))
                .await
                .expect("verify")
        );
    }

    #[test]
    fn dummy_hash_is_a_real_hash_with_our_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("valid PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[tokio::test]
    async fn hashes_made_by_the_library_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let hasher = Hasher::new(1, 4).expect("pool");
        let standard = argon()
            .hash_password(b"old password")
            .expect("hash")
            .to_string();
        let other_params = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 3, 1, None).expect("params"),
        )
        .hash_password(b"old password")
        .expect("hash")
        .to_string();
        for stored in [standard, other_params] {
            assert!(
                hasher
                    .verify("old password".to_owned(), Some(stored.clone()))
                    .await
                    .expect("verify")
            );
            assert!(
                !hasher
                    .verify("wrong".to_owned(), Some(stored))
                    .await
                    .expect("verify")
            );
        }
    }

    #[tokio::test]
    async fn missing_hash_never_verifies() {
        let hasher = Hasher::new(1, 4).expect("pool");
        assert!(
            !hasher
                .verify("anything".to_owned(), None)
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let hasher = Hasher::new(1, 1).expect("pool");
        let (first, second) = tokio::join!(
            hasher.hash("one password".to_owned()),
            hasher.hash("two password".to_owned())
        );
        assert!(first.is_ok());
        let err = second.expect_err("queue of one is full");
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
