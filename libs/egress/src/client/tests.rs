use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Guarded, Refused, is_blocked};
use crate::AllowList;

/// A local HTTP server on 127.0.0.1 answering every request with `answer`, counting
/// connections.
async fn server(answer: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (port, hits)
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
const REDIRECT: &str =
    "HTTP/1.1 302 Found\r\nlocation: /elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

fn guarded(allow: &str) -> Guarded {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Guarded::new(AllowList::parse(allow).expect("allow"), || {
        Ok::<_, reqwest::Error>(reqwest::Client::builder())
    })
    .expect("clients")
}

async fn get(g: &Guarded, url: &str) -> Result<u16, String> {
    let url = reqwest::Url::parse(url).expect("url");
    let client = g.client_for(&url).map_err(|e| format!("refused: {e:?}"))?;
    match client.get(url).send().await {
        Ok(r) => Ok(r.status().as_u16()),
        Err(e) if is_blocked(&e) => Err("blocked by the resolver".into()),
        Err(e) => Err(format!("failed: {e}")),
    }
}

#[tokio::test]
async fn internal_literals_and_names_are_refused_without_a_connection() {
    let (port, hits) = server(OK).await;
    let g = guarded("");
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0x7f.1:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "https://10.0.0.1/".to_owned(),
    ] {
        let url = reqwest::Url::parse(&url).expect("url");
        assert_eq!(g.client_for(&url).err(), Some(Refused::Blocked), "{url}");
    }
    let by_name = get(&g, &format!("http://localhost:{port}/")).await;
    assert_eq!(by_name, Err("blocked by the resolver".into()));
    let ftp = reqwest::Url::parse("ftp://example.com/").expect("url");
    assert_eq!(g.client_for(&ftp).err(), Some(Refused::InvalidUrl));
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_entry_with_a_port_opens_that_port_only() {
    let (open, open_hits) = server(OK).await;
    let (closed, closed_hits) = server(OK).await;
    let g = guarded(&format!("127.0.0.1:{open}, localhost:{open}"));
    assert_eq!(get(&g, &format!("http://127.0.0.1:{open}/")).await, Ok(200));
    assert_eq!(
        get(&g, &format!("http://127.0.0.1:{closed}/")).await,
        Err("refused: Blocked".into())
    );
    // A name allowed on one port is refused on another, whatever it resolves to.
    assert_eq!(
        get(&g, &format!("http://localhost:{closed}/")).await,
        Err("blocked by the resolver".into())
    );
    assert_eq!(closed_hits.load(Ordering::SeqCst), 0);
    // The name on its port: localhost may also resolve to ::1, where nothing listens.
    let by_name = get(&g, &format!("http://localhost:{open}/")).await;
    assert!(
        by_name == Ok(200) || by_name.as_ref().is_err_and(|e| e.starts_with("failed")),
        "{by_name:?}"
    );
    assert!(open_hits.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn a_name_that_resolves_to_an_address_allowed_on_another_port_is_refused() {
    let (open, _) = server(OK).await;
    let (closed, closed_hits) = server(OK).await;
    // 127.0.0.1 is open on `open` only: a name that resolves there cannot reach `closed`.
    let g = guarded(&format!("127.0.0.1:{open},[::1]:{open}"));
    assert_eq!(
        get(&g, &format!("http://localhost:{closed}/")).await,
        Err("blocked by the resolver".into())
    );
    assert_eq!(closed_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (port, hits) = server(REDIRECT).await;
    let g = guarded("127.0.0.0/8");
    assert_eq!(get(&g, &format!("http://127.0.0.1:{port}/")).await, Ok(302));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
