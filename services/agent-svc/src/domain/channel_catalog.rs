//! The channel catalog (contract §10): which tokens and settings each channel takes.

use axum::http::StatusCode;
use kit::ApiError;
use serde::Serialize;

/// Longest token we store; real bot tokens are well under 200 characters.
pub const MAX_TOKEN: usize = 4096;
pub const MAX_EXTRA_VALUE: usize = 1024;

/// One of a channel's two tokens, as the settings form shows it.
#[derive(Debug, Clone, Copy)]
pub struct TokenSpec {
    pub label: &'static str,
    /// `SLACK_{AGENT}_BOT_TOKEN`-style environment names end in this.
    pub env_suffix: &'static str,
    pub placeholder: &'static str,
    pub hint: &'static str,
    /// Slack's tokens carry their kind in a prefix; a swapped pair is refused up front.
    pub prefix: Option<&'static str>,
}

/// A non-secret setting a channel takes besides its tokens.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct ExtraField {
    pub key: &'static str,
    pub label: &'static str,
    pub placeholder: &'static str,
    pub description: &'static str,
    /// Always false: secrets go in the encrypted token columns, never in the settings.
    pub secret: bool,
    /// The channel is not configured until this is set.
    pub required: bool,
}

#[derive(Debug)]
pub struct ChannelSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub docs_url: Option<&'static str>,
    pub primary: Option<TokenSpec>,
    pub secondary: Option<TokenSpec>,
    pub extra_fields: &'static [ExtraField],
    /// Signal and WhatsApp go through one platform number: an agent only opts in.
    pub shared: bool,
}

pub const CATALOG: [ChannelSpec; 5] = [
    ChannelSpec {
        id: "slack",
        name: "Slack",
        description: "Connect this agent to a Slack workspace as a bot.",
        docs_url: Some("https://api.slack.com/apps"),
        primary: Some(TokenSpec {
            label: "Bot Token",
            env_suffix: "BOT_TOKEN",
            placeholder: "xoxb-...",
            hint: "The Bot User OAuth Token of your Slack app; starts with xoxb-.",
            prefix: Some("xoxb-"),
        }),
        secondary: Some(TokenSpec {
            label: "App-Level Token",
            env_suffix: "APP_TOKEN",
            placeholder: "xapp-...",
            hint: "App-level token with connections:write, for Socket Mode; starts with xapp-.",
            prefix: Some("xapp-"),
        }),
        extra_fields: &[ExtraField {
            key: "bot_user_id",
            label: "Bot User ID",
            placeholder: "U0ABC1234",
            description: "Optional: the bot's Slack user id, resolved on first connection.",
            secret: false,
            required: false,
        }],
        shared: false,
    },
    ChannelSpec {
        id: "discord",
        name: "Discord",
        description: "Connect this agent to a Discord server as a bot.",
        docs_url: Some("https://discord.com/developers/applications"),
        primary: Some(TokenSpec {
            label: "Bot Token",
            env_suffix: "BOT_TOKEN",
            placeholder: "MTEx...",
            hint: "The bot token from the Bot page of your Discord application.",
            prefix: None,
        }),
        secondary: Some(TokenSpec {
            label: "Application ID",
            env_suffix: "APPLICATION_ID",
            placeholder: "123456789012345678",
            hint: "The application id from the General Information page.",
            prefix: None,
        }),
        extra_fields: &[
            ExtraField {
                key: "guild_id",
                label: "Server ID",
                placeholder: "123456789012345678",
                description: "Optional: limit the bot to one server.",
                secret: false,
                required: false,
            },
            ExtraField {
                key: "allow_from",
                label: "Allowed users",
                placeholder: "*, 1234567890, role:Engineers",
                description: "Who may talk to the bot: `*`, user ids or `role:Name`, comma-separated.",
                secret: false,
                required: true,
            },
        ],
        shared: false,
    },
    ChannelSpec {
        id: "telegram",
        name: "Telegram",
        description: "Connect this agent to Telegram as a bot.",
        docs_url: Some("https://core.telegram.org/bots#how-do-i-create-a-bot"),
        primary: Some(TokenSpec {
            label: "Bot Token",
            env_suffix: "BOT_TOKEN",
            placeholder: "123456:ABC-DEF...",
            hint: "The token @BotFather gave you.",
            prefix: None,
        }),
        secondary: None,
        extra_fields: &[ExtraField {
            key: "bot_username",
            label: "Bot username",
            placeholder: "my_agent_bot",
            description: "Optional: the bot's @username.",
            secret: false,
            required: false,
        }],
        shared: false,
    },
    ChannelSpec {
        id: "signal",
        name: "Signal",
        description: "Enable this agent for Signal messaging via the shared platform number.",
        docs_url: None,
        primary: None,
        secondary: None,
        extra_fields: &[],
        shared: true,
    },
    ChannelSpec {
        id: "whatsapp",
        name: "WhatsApp",
        description: "Enable this agent for WhatsApp messaging via the shared platform number.",
        docs_url: None,
        primary: None,
        secondary: None,
        extra_fields: &[],
        shared: true,
    },
];

/// The catalog entry, or 404 `unknown_channel` as the reference answers.
pub fn find(channel: &str) -> Result<&'static ChannelSpec, ApiError> {
    CATALOG.iter().find(|c| c.id == channel).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_channel",
            format!("unknown channel `{channel}`"),
        )
    })
}
