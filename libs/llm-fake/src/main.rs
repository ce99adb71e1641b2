//! `djb-llm-fake [--listen ADDR]`: the fake LLM server as a process, for `make up` demos and
//! end-to-end suites. Prints its base URL on stdout once it accepts, then serves until
//! SIGINT or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use llm_fake::{Limits, LlmFake};
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str =
    "usage: djb-llm-fake [--listen HOST:PORT]   (or LLM_FAKE_LISTEN; default 127.0.0.1:0)";

fn listen_addr() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut listen = std::env::var("LLM_FAKE_LISTEN").ok();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = Some(args.next().ok_or("--listen needs HOST:PORT")?),
            "-h" | "--help" => return Err(String::new()),
            other => match other.strip_prefix("--listen=") {
                Some(value) => listen = Some(value.to_owned()),
                None => return Err(format!("unknown argument `{other}`")),
            },
        }
    }
    let listen = listen.unwrap_or_else(|| "127.0.0.1:0".to_owned());
    listen
        .parse()
        .map_err(|_| format!("`{listen}` is not HOST:PORT with an IP address"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let addr = match listen_addr() {
        Ok(addr) => addr,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("djb-llm-fake: {problem}");
            }
            eprintln!("{USAGE}");
            return if problem.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let fake = match LlmFake::bind(addr, Limits::default()).await {
        Ok(fake) => fake,
        Err(error) => {
            eprintln!("djb-llm-fake: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    // The one line a script waits for: the server accepts from here on.
    let _ = writeln!(stdout, "{}", fake.base_url());
    let _ = stdout.flush();
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(terminate) => terminate,
        Err(error) => {
            eprintln!("djb-llm-fake: cannot watch SIGTERM: {error}");
            return ExitCode::FAILURE;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    fake.stop().await;
    ExitCode::SUCCESS
}
