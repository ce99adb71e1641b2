//! Request throttles in front of argon2 (security review M7), shared by every replica through
//! Redis: fixed windows counted per client address (an IPv6 client is its /64, which it usually
//! controls whole) and per account, on register, login and refresh. A throttled request is
//! answered 429 with `Retry-After` before any hashing, so one address cannot keep the argon2
//! pools full. Windows are numbered from `platform.clock`, so tests move time instead of
//! sleeping. Like the login guard, a throttle fails open when Redis is down (logged): argon2's
//! bounded queues still protect the service then.

use std::net::IpAddr;

use kit::{ApiError, Platform};

/// What is counted: the name is part of the Redis key.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Registrations (and first-run setup) per address.
    Register,
    /// Login attempts per address.
    Login,
    /// Login attempts per account (a hash of the email, so unknown emails count too).
    LoginAccount,
    /// Refreshes per address.
    Refresh,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Login => "login",
            Self::LoginAccount => "login-account",
            Self::Refresh => "refresh",
        }
    }
}

/// A limit: at most `max` requests per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u64,
    pub window_secs: u64,
}

/// The bucket of a client address: an IPv4 address, or the /64 of an IPv6 one.
pub fn bucket(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Counts one request of `scope` from `key` (a bucket or an account hash); `Err` 429 past the
/// limit, with the seconds left in the window.
pub async fn admit(
    platform: &Platform,
    scope: Scope,
    key: &str,
    limit: Limit,
) -> Result<(), ApiError> {
    let window = limit.window_secs.max(1);
    let now = platform.clock.now_secs();
    let index = now / window;
    let name = platform.keys.auth_throttle(scope.as_str(), key, index);
    let ttl = i64::try_from(window.saturating_mul(2)).unwrap_or(i64::MAX);
    let counted: Result<(u64,), _> = redis::pipe()
        .atomic()
        .incr(&name, 1)
        .expire(&name, ttl)
        .ignore()
        .query_async(&mut platform.redis.clone())
        .await;
    match counted {
        Ok((count,)) if count > limit.max => {
            let left = (index + 1).saturating_mul(window).saturating_sub(now);
            Err(ApiError::too_many_requests(left.max(1)))
        }
        Ok(_) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, scope = scope.as_str(), "throttle unavailable, admitting");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bucket;

    #[test]
    fn ipv6_clients_share_their_64() {
        let a = bucket("2001:db8:1:2::1".parse().expect("ip"));
        let b = bucket("2001:db8:1:2:ffff::9".parse().expect("ip"));
        let c = bucket("2001:db8:1:3::1".parse().expect("ip"));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(bucket("192.0.2.7".parse().expect("ip")), "192.0.2.7");
        assert_eq!(bucket("::ffff:192.0.2.7".parse().expect("ip")), "192.0.2.7");
    }
}
