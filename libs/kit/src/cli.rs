//! The commands of every service binary: `serve` (default), `migrate`, `openapi`, and
//! `redis-acl` (the `ACL SETUSER` line of the service's Redis user, see `bus::acl`).

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{CommonConfig, ServiceInfo};

#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP on HOST:PORT (the default).
    Serve,
    /// Apply the database migrations (as MIGRATION_DATABASE_URL, else DATABASE_URL) and exit.
    Migrate,
    /// Print the service's OpenAPI document and exit.
    Openapi,
    /// Print the `ACL SETUSER` command of this service's Redis user (for `redis-cli`), with the
    /// password from REDIS_ACL_PASSWORD (printed only as its SHA-256) and the key prefix from
    /// REDIS_PREFIX (default `djinnbot`), and exit.
    RedisAcl,
}

/// Parses the command line and runs it. `run` is the service's `lib::run`.
pub fn main<F, Fut>(
    service: ServiceInfo,
    run: F,
    openapi: fn() -> utoipa::openapi::OpenApi,
) -> ExitCode
where
    F: FnOnce(CommonConfig, TcpListener, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    crate::tls::install_provider();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        return match openapi().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => fail(&err),
        };
    }
    if let Command::RedisAcl = command {
        return redis_acl(&service);
    }
    let config = match CommonConfig::load(&service) {
        Ok(config) => config,
        Err(err) => return fail(&err),
    };
    let _telemetry = match crate::telemetry::init(service.name, &config) {
        Ok(guard) => guard,
        Err(err) => return fail(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => return fail(&err),
    };
    let result = runtime.block_on(async move {
        match command {
            Command::Migrate => migrate(&config).await,
            Command::Serve | Command::Openapi | Command::RedisAcl => {
                let addr = SocketAddr::new(config.host, config.port());
                let listener = TcpListener::bind(addr).await?;
                run(config, listener, crate::http::shutdown_signal()).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "exiting with error");
            fail(&err)
        }
    }
}

/// Needs no other configuration: an operator runs it before the service has a Redis user.
fn redis_acl(service: &ServiceInfo) -> ExitCode {
    let password = std::env::var("REDIS_ACL_PASSWORD").unwrap_or_default();
    if password.len() < 16 {
        return fail(&"REDIS_ACL_PASSWORD must hold the user's password (16 characters or more)");
    }
    let prefix = std::env::var("REDIS_PREFIX")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| bus::keys::DEFAULT_PREFIX.to_owned());
    let keys = bus::Keys::new(prefix);
    println!(
        "{}",
        bus::acl::service_setuser_line(&keys, service.name, &password)
    );
    ExitCode::SUCCESS
}

async fn migrate(config: &CommonConfig) -> anyhow::Result<()> {
    let url = std::env::var("MIGRATION_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| config.database_url().to_owned());
    crate::db::migrate(&SecretString::from(url)).await?;
    tracing::info!("migrations applied");
    Ok(())
}

fn fail(err: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {err:#}");
    ExitCode::FAILURE
}
