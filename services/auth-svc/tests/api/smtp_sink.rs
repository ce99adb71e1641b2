//! A local SMTP server that records what it is sent, so the real lettre client code runs
//! against a real socket. It speaks the part of RFC 5321 a submission client uses: EHLO/HELO,
//! AUTH PLAIN and LOGIN, MAIL FROM, RCPT TO, DATA (with dot-unstuffing), RSET, NOOP, QUIT.
//! It never offers STARTTLS, so a client that requires TLS must refuse to go on.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA (headers and body, CRLF line ends).
    pub data: String,
    /// Username and password of a successful AUTH, if the client logged in.
    pub auth: Option<(String, String)>,
}

type Store = Arc<Mutex<Vec<Received>>>;

pub struct SmtpSink {
    pub port: u16,
    store: Store,
    /// Connections accepted so far (a refused client may connect without sending anything).
    connections: Arc<Mutex<usize>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        let store = Store::default();
        let connections = Arc::new(Mutex::new(0));
        let (s, c) = (store.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                *c.lock().expect("lock") += 1;
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = session(stream, s).await;
                });
            }
        });
        Self {
            port,
            store,
            connections,
        }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.store.lock().expect("lock").clone()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().expect("lock")
    }
}

/// A port nothing listens on: bound, then released.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr").port()
}

fn angle_addr(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg.find('>').unwrap_or(arg.len());
    arg[start..end].to_owned()
}

fn b64(text: &str) -> String {
    let raw = STANDARD.decode(text.trim()).expect("base64 from client");
    String::from_utf8(raw).expect("utf-8")
}

struct Conn {
    lines: BufReader<tokio::net::tcp::OwnedReadHalf>,
    out: OwnedWriteHalf,
}

impl Conn {
    async fn line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        if self.lines.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()))
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.out.write_all(text.as_bytes()).await
    }

    /// A client answer to a 334 challenge.
    async fn answer(&mut self, challenge: &str) -> std::io::Result<String> {
        self.reply(&format!("334 {challenge}\r\n")).await?;
        Ok(b64(&self.line().await?.unwrap_or_default()))
    }

    async fn data(&mut self) -> std::io::Result<String> {
        let mut data = String::new();
        while let Some(line) = self.line().await? {
            if line == "." {
                break;
            }
            data.push_str(line.strip_prefix('.').unwrap_or(&line));
            data.push_str("\r\n");
        }
        Ok(data)
    }
}

async fn session(stream: TcpStream, store: Store) -> std::io::Result<()> {
    let (read, out) = stream.into_split();
    let mut conn = Conn {
        lines: BufReader::new(read),
        out,
    };
    conn.reply("220 sink.test ESMTP\r\n").await?;
    let mut current = Received::default();
    while let Some(cmd) = conn.line().await? {
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            conn.reply("250-sink.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            conn.reply("250 sink.test\r\n").await?;
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = cmd[10..].trim();
            let decoded = if initial.is_empty() {
                conn.answer("").await?
            } else {
                b64(initial)
            };
            let mut parts = decoded.split('\0').skip(1);
            let user = parts.next().unwrap_or_default().to_owned();
            let pass = parts.next().unwrap_or_default().to_owned();
            current.auth = Some((user, pass));
            conn.reply("235 2.7.0 accepted\r\n").await?;
        } else if upper.starts_with("AUTH LOGIN") {
            let initial = cmd[10..].trim();
            let user = if initial.is_empty() {
                conn.answer("VXNlcm5hbWU6").await?
            } else {
                b64(initial)
            };
            let pass = conn.answer("UGFzc3dvcmQ6").await?;
            current.auth = Some((user, pass));
            conn.reply("235 2.7.0 accepted\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            current.from = angle_addr(&cmd[10..]);
            current.to.clear();
            conn.reply("250 2.1.0 ok\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            current.to.push(angle_addr(&cmd[8..]));
            conn.reply("250 2.1.5 ok\r\n").await?;
        } else if upper == "DATA" {
            conn.reply("354 end with <CRLF>.<CRLF>\r\n").await?;
            current.data = conn.data().await?;
            // Recorded before the 250, so a client that got its answer finds the message here.
            store.lock().expect("lock").push(current.clone());
            conn.reply("250 2.0.0 queued\r\n").await?;
        } else if upper == "RSET" || upper == "NOOP" {
            conn.reply("250 2.0.0 ok\r\n").await?;
        } else if upper == "QUIT" {
            conn.reply("221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            conn.reply("502 5.5.2 not implemented\r\n").await?;
        }
    }
    Ok(())
}

/// The decoded text/plain part of a recorded message (single part or multipart/alternative).
pub fn plain_text(data: &str) -> String {
    let start = data
        .find("Content-Type: text/plain")
        .expect("a text/plain part");
    let part = &data[start..];
    let body_at = part.find("\r\n\r\n").expect("part headers end") + 4;
    let headers = &part[..body_at];
    let body = &part[body_at..];
    let body = body.find("\r\n--").map_or(body, |end| &body[..end]);
    let encoding = headers
        .lines()
        .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit")
        .trim();
    match encoding {
        "quoted-printable" => quoted_printable(body),
        "base64" => b64(&body.replace("\r\n", "")),
        _ => body.to_owned(),
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("utf-8 text")
}

/// The `?invite=` token in a message's plain text.
pub fn invite_token(data: &str) -> String {
    let text = plain_text(data);
    let at = text.find("invite=").expect("an invitation link") + "invite=".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}
