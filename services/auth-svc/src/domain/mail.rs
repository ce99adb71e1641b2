//! Outgoing mail: the messages auth-svc writes (waitlist invitations, the settings test) and
//! their delivery over SMTP with lettre. A transport is built per delivery from the stored
//! settings, so a settings change applies to the next mail without a restart.

use std::time::Duration;

use axum::http::StatusCode;
use kit::ApiError;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::tokens::random_secret;

/// What GET shows for a stored SMTP password: nothing of it, only that one is set.
pub const PASSWORD_MASK: &str = "********";

/// RFC 8314 port where the connection is TLS from the first byte (no STARTTLS).
const IMPLICIT_TLS_PORT: u16 = 465;

/// Where and as whom to send; the password is already decrypted (empty: no password).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: SecretString,
    /// Refuse to talk to a server without TLS (STARTTLS, or implicit TLS on port 465).
    pub use_tls: bool,
    pub from_email: String,
    pub from_name: String,
}

/// One message of ours: a plain-text body, optionally with an HTML alternative.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address {address:?}: {source}")]
    Address {
        address: String,
        source: lettre::address::AddressError,
    },
    #[error("cannot build the message: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("SMTP delivery took longer than {0:?}")]
    Timeout(Duration),
}

impl MailError {
    /// What a client may learn: which step failed, in our words, never the server's.
    fn reason(&self) -> &'static str {
        match self {
            Self::Address { .. } | Self::Message(_) => "the message could not be built",
            Self::Timeout(_) => "the mail server did not answer in time",
            Self::Smtp(e) if e.is_timeout() => "the mail server did not answer in time",
            Self::Smtp(e) if e.is_tls() => {
                "no secure (TLS) connection to the mail server could be established"
            }
            Self::Smtp(e)
                if e.status()
                    .is_some_and(|c| matches!(c.to_string().as_str(), "530" | "534" | "535")) =>
            {
                "the mail server rejected the SMTP credentials"
            }
            Self::Smtp(e) if e.is_permanent() || e.is_transient() => {
                "the mail server refused the message"
            }
            Self::Smtp(e) if e.is_client() => {
                "the mail server does not offer what the settings require (STARTTLS or a supported login)"
            }
            Self::Smtp(_) => "the mail server could not be reached",
        }
    }
}

impl From<MailError> for ApiError {
    fn from(err: MailError) -> Self {
        tracing::warn!(error = %err, "email delivery failed");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "email_failed",
            format!(
                "the email could not be sent: {}; check the email settings",
                err.reason()
            ),
        )
    }
}

fn address(raw: &str) -> Result<Address, MailError> {
    raw.parse().map_err(|source| MailError::Address {
        address: raw.to_owned(),
        source,
    })
}

fn build(settings: &SmtpSettings, mail: Mail) -> Result<Message, MailError> {
    let from = address(&settings.from_email)?;
    let message_id = format!("<{}@{}>", &random_secret("")[..32], from.domain());
    let builder = Message::builder()
        .from(Mailbox::new(Some(settings.from_name.clone()), from))
        .to(Mailbox::new(None, address(&mail.to)?))
        .subject(mail.subject)
        .message_id(Some(message_id));
    Ok(match mail.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text, html))?,
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(mail.text),
        )?,
    })
}

fn transport(
    settings: &SmtpSettings,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let tls = if !settings.use_tls {
        Tls::None
    } else if settings.port == IMPLICIT_TLS_PORT {
        Tls::Wrapper(TlsParameters::new(settings.host.clone())?)
    } else {
        // Required, not opportunistic: a server (or a man in the middle) that hides STARTTLS
        // gets neither the credentials nor the message.
        Tls::Required(TlsParameters::new(settings.host.clone())?)
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(timeout));
    if !settings.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.username.clone(),
            settings.password.expose_secret().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Delivers one message; the whole SMTP dialogue is bounded by `timeout`.
pub async fn send(settings: &SmtpSettings, mail: Mail, timeout: Duration) -> Result<(), MailError> {
    let message = build(settings, mail)?;
    let transport = transport(settings, timeout)?;
    match tokio::time::timeout(timeout, transport.send(message)).await {
        Ok(sent) => sent.map(drop).map_err(MailError::from),
        Err(_) => Err(MailError::Timeout(timeout)),
    }
}

/// The link a waitlist invitation carries: the dashboard's registration page with the token.
pub fn invitation_link(dashboard_url: &str, token: &str) -> String {
    format!(
        "{}/register?invite={token}",
        dashboard_url.trim_end_matches('/')
    )
}

fn validity(ttl: Duration) -> String {
    let hours = ttl.as_secs() / 3600;
    match hours {
        0 => "less than an hour".to_owned(),
        1 => "1 hour".to_owned(),
        h if h < 48 => format!("{h} hours"),
        h => format!("{} days", h / 24),
    }
}

pub fn invitation(to: &str, link: &str, ttl: Duration, from_name: &str) -> Mail {
    let valid = validity(ttl);
    let text = format!(
        "Hello,\n\n\
         You joined the DjinnBot waitlist with this address, and your spot is ready.\n\n\
         Create your account here (the link works once and for {valid}):\n\
         {link}\n\n\
         If you did not ask to join, ignore this email and nothing happens.\n\n\
         {from_name}\n"
    );
    let html = format!(
        "<p>Hello,</p>\n\
         <p>You joined the DjinnBot waitlist with this address, and your spot is ready.</p>\n\
         <p><a href=\"{href}\">Create your account</a> (the link works once and for {valid}).</p>\n\
         <p>If you did not ask to join, ignore this email and nothing happens.</p>\n\
         <p>{name}</p>\n",
        href = escape_html(link),
        name = escape_html(from_name),
    );
    Mail {
        to: to.to_owned(),
        subject: "Your DjinnBot invitation".to_owned(),
        text,
        html: Some(html),
    }
}

pub fn test_message(to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "DjinnBot test email".to_owned(),
        text: "This is a test email from DjinnBot: the email settings work.\n".to_owned(),
        html: None,
    }
}

fn escape_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "mail.example.com".into(),
            port: 587,
            username: String::new(),
            password: SecretString::from(""),
            use_tls: false,
            from_email: "team@example.com".into(),
            from_name: "Djinn <Team>".into(),
        }
    }

    #[test]
    fn invitations_carry_the_link_in_both_bodies_and_escape_html() {
        let link = invitation_link("https://app.example.com/", "inv_abc");
        assert_eq!(link, "https://app.example.com/register?invite=inv_abc");
        let mail = invitation("ada@x.io", &link, Duration::from_secs(7 * 86400), "A & B");
        assert!(mail.text.contains(&link));
        assert!(mail.text.contains("7 days"));
        let html = mail.html.expect("html");
        assert!(html.contains("href=\"https://app.example.com/register?invite=inv_abc\""));
        assert!(html.contains("A &amp; B"));
    }

    #[test]
    fn validity_reads_naturally() {
        assert_eq!(validity(Duration::from_secs(60)), "less than an hour");
        assert_eq!(validity(Duration::from_secs(3600)), "1 hour");
        assert_eq!(validity(Duration::from_secs(36 * 3600)), "36 hours");
        assert_eq!(validity(Duration::from_secs(3 * 86400)), "3 days");
    }

    #[test]
    fn messages_name_the_sender_and_recipient() {
        let msg = build(&settings(), test_message("ada@x.io")).expect("message");
        let raw = String::from_utf8(msg.formatted()).expect("utf-8");
        assert!(raw.contains("To: ada@x.io"), "{raw}");
        assert!(raw.contains("team@example.com"), "{raw}");
        assert!(
            raw.contains("@example.com>\r\n"),
            "message id on our domain: {raw}"
        );
    }

    #[test]
    fn bad_addresses_are_errors_not_panics() {
        let err = build(&settings(), test_message("not an address")).expect_err("invalid");
        assert!(matches!(err, MailError::Address { .. }));
        assert_eq!(err.reason(), "the message could not be built");
    }
}
