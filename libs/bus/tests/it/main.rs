//! Integration tests of the bus against a real Redis (`REDIS_URL`, default
//! `redis://127.0.0.1:56379`). Each test works under its own key prefix, so they run in parallel.

mod acl;
mod helpers;
mod lease;
mod publish;
mod publish_batch;
mod worker;
mod worker_concurrency;
