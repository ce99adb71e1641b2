//! TLS to Postgres, Redis and HTTPS servers the test starts itself, with a CA the test makes:
//! kit's own connection code trusts exactly the configured CA and checks host names, and a
//! server that requires TLS refuses a plain client. Needs `postgresql` and `redis-server`
//! installed (not running: each test starts its own on a free port).

mod https;
mod otlp;
mod pki;
mod platform;
mod postgres;
mod redis_tls;
mod servers;
