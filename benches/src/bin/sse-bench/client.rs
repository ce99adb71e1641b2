//! A minimal SSE client over raw TCP (HTTP/1.1), light enough to hold 10 000 streams in one
//! process: it reads frames and records publish → deliver latency from each event's `sentAt`
//! (microseconds since the epoch, the publisher's clock = this machine's).

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// What one stream saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub frames: u64,
    /// Latencies (µs) of frames received while `measuring` was on.
    pub latencies: Vec<u32>,
}

/// Opens `path` on the relay at `addr` and returns the connected socket (headers read).
pub async fn connect(addr: &str, path: &str, token: &str) -> anyhow::Result<(TcpStream, Vec<u8>)> {
    let mut sock = TcpStream::connect(addr).await?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    sock.write_all(req.as_bytes()).await?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = sock.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "closed before headers");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            anyhow::ensure!(
                head.starts_with("HTTP/1.1 200"),
                "refused: {}",
                head.lines().next().unwrap_or("")
            );
            return Ok((sock, buf[end + 4..].to_vec()));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads frames until `stop` or the end of the stream; latencies are recorded while
/// `measuring` is on (after the ramp-up).
pub async fn follow(
    mut sock: TcpStream,
    mut buf: Vec<u8>,
    measuring: std::sync::Arc<std::sync::atomic::AtomicBool>,
    stop: CancellationToken,
) -> Seen {
    let mut seen = Seen::default();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        while let Some(end) = find(&buf, b"\n\n") {
            let frame: Vec<u8> = buf.drain(..end + 2).collect();
            if let Some(sent) = sent_at(&frame) {
                seen.frames += 1;
                if measuring.load(std::sync::atomic::Ordering::Relaxed) {
                    let lat = now_us().saturating_sub(sent);
                    seen.latencies.push(u32::try_from(lat).unwrap_or(u32::MAX));
                }
            }
        }
        let read = tokio::select! {
            () = stop.cancelled() => return seen,
            read = sock.read(&mut chunk) => read,
        };
        match read {
            Ok(0) | Err(_) => return seen,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn sent_at(frame: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"sentAt\":";
    let at = find(frame, KEY)? + KEY.len();
    let digits: Vec<u8> = frame[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}
