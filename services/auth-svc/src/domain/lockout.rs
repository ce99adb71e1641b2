//! Brute-force guard in Redis, shared by every auth-svc replica: failures are counted per client
//! address and per account (a hash of the email, so unknown emails behave like known ones).
//! Past the account threshold the account is locked for a time that doubles with each further
//! failure, capped; past the address threshold the address is refused until its window ends.
//! An account's lock holds its deadline (epoch ms from `platform.clock`) as its value, so tests
//! move the clock instead of sleeping; the key's TTL only cleans up.

use std::time::Duration;

use kit::Platform;

use crate::config::AuthConfig;
use crate::domain::throttle::bucket;
use crate::domain::tokens::sha256_hex;

/// How long a successful sign-in makes its address known to the account.
const KNOWN_ADDRESS_TTL: i64 = 30 * 24 * 3600;

pub struct Guard<'a> {
    platform: &'a Platform,
    config: &'a AuthConfig,
    ip_key: Option<String>,
    bucket: Option<String>,
    account_hash: String,
}

impl<'a> Guard<'a> {
    pub fn new(
        platform: &'a Platform,
        config: &'a AuthConfig,
        ip: Option<std::net::IpAddr>,
        email: &str,
    ) -> Self {
        let bucket = ip.map(bucket);
        Self {
            platform,
            config,
            ip_key: bucket
                .as_deref()
                .map(|b| platform.keys.login_failures_ip(b)),
            bucket,
            account_hash: sha256_hex(email),
        }
    }

    /// The account (a hash of the email) the guard counts for.
    pub fn account(&self) -> &str {
        &self.account_hash
    }

    /// Whether the account signed in from this address recently.
    pub async fn known_address(&self) -> bool {
        let Some(bucket) = &self.bucket else {
            return false;
        };
        let key = self
            .platform
            .keys
            .login_known_address(&self.account_hash, bucket);
        let found: Result<bool, _> = redis::cmd("EXISTS")
            .arg(key)
            .query_async(&mut self.platform.redis.clone())
            .await;
        found.unwrap_or(false)
    }

    /// `Err(retry_after_secs)` while the address or the account is blocked.
    pub async fn check(&self) -> Result<(), u64> {
        self.check_unless(false).await
    }

    /// Like `check`, but the account's lock does not count when `known` (an address the account
    /// signed in from): the caller verifies the password and answers locked if it is wrong.
    pub async fn check_unless(&self, known: bool) -> Result<(), u64> {
        let mut conn = self.platform.redis.clone();
        let lock_key = self.platform.keys.login_lockout(&self.account_hash);
        let mut pipe = redis::pipe();
        pipe.get(&lock_key);
        if let Some(ip_key) = &self.ip_key {
            pipe.get(ip_key).ttl(ip_key);
        }
        let reply: Result<Vec<Option<i64>>, _> = pipe.query_async(&mut conn).await;
        let Ok(reply) = reply else {
            // Redis down: a login without the guard beats no login at all; argon2 still slows it.
            return Ok(());
        };
        if !known
            && let Some(Some(deadline)) = reply.first()
            && let Some(left) = self.platform.clock.remaining(*deadline)
        {
            return Err(u64::try_from(left.as_millis()).unwrap_or(1).div_ceil(1000));
        }
        if let (Some(Some(count)), Some(Some(ttl))) = (reply.get(1), reply.get(2))
            && u64::try_from(*count).unwrap_or(0) >= self.config.login_max_failures_per_ip
        {
            return Err(u64::try_from(*ttl).unwrap_or(1).max(1));
        }
        Ok(())
    }

    /// Counts a failure; locks the account once it is over its threshold.
    pub async fn failed(&self) {
        let mut conn = self.platform.redis.clone();
        let window = i64::try_from(self.config.login_failure_window_secs).unwrap_or(900);
        let account_key = self
            .platform
            .keys
            .login_failures_account(&self.account_hash);
        let mut pipe = redis::pipe();
        pipe.incr(&account_key, 1)
            .expire(&account_key, window)
            .ignore();
        if let Some(ip_key) = &self.ip_key {
            pipe.incr(ip_key, 1)
                .ignore()
                .expire(ip_key, window)
                .ignore();
        }
        let Ok((failures,)) = pipe.query_async::<(u64,)>(&mut conn).await else {
            return;
        };
        let threshold = self.config.login_max_failures_per_account;
        if failures >= threshold {
            let doublings = u32::try_from(failures - threshold)
                .unwrap_or(u32::MAX)
                .min(20);
            let secs = 30u64
                .saturating_mul(1 << doublings)
                .min(self.config.login_lockout_cap_secs);
            let lock = self.platform.keys.login_lockout(&self.account_hash);
            let deadline = self.platform.clock.deadline(Duration::from_secs(secs));
            let _: Result<(), _> = redis::cmd("SET")
                .arg(&lock)
                .arg(deadline)
                .arg("EX")
                .arg(secs)
                .query_async(&mut conn)
                .await;
        }
    }

    /// The account's lock deadline still ahead, in seconds, if it is locked.
    pub async fn locked_for(&self) -> Option<u64> {
        let lock_key = self.platform.keys.login_lockout(&self.account_hash);
        let deadline: Option<i64> = redis::cmd("GET")
            .arg(lock_key)
            .query_async(&mut self.platform.redis.clone())
            .await
            .ok()
            .flatten();
        let left = self.platform.clock.remaining(deadline?)?;
        Some(u64::try_from(left.as_millis()).unwrap_or(1).div_ceil(1000))
    }

    /// A successful login clears the account's failures (not the address's) and makes the
    /// address known to the account.
    pub async fn succeeded(&self) {
        let mut conn = self.platform.redis.clone();
        let mut pipe = redis::pipe();
        pipe.del(
            self.platform
                .keys
                .login_failures_account(&self.account_hash),
        )
        .ignore();
        if let Some(bucket) = &self.bucket {
            let known = self
                .platform
                .keys
                .login_known_address(&self.account_hash, bucket);
            pipe.set_ex(known, 1, KNOWN_ADDRESS_TTL.unsigned_abs())
                .ignore();
        }
        let _: Result<(), _> = pipe.query_async(&mut conn).await;
    }
}
