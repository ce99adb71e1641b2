//! The known model providers (contract §10: ids, display names, key env vars as the reference's
//! `core/src/constants.ts` maps them), and the extra env vars each takes.

use crate::domain::providers::{ExtraFieldSpec, ProviderInfo};

struct Extra(&'static str, &'static str, &'static str, bool);

struct Spec {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    key_env: &'static str,
    docs: &'static str,
    /// Extra env vars beyond the declared ones must start with this (never PATH, LD_PRELOAD…).
    env_prefix: &'static str,
    /// Env-based providers work from their extra config alone.
    key_optional: bool,
    extras: &'static [Extra],
}

const CATALOG: &[Spec] = &[
    spec(
        "anthropic",
        "Anthropic",
        "Claude models",
        "ANTHROPIC_API_KEY",
        "https://console.anthropic.com/settings/keys",
        "ANTHROPIC_",
    ),
    spec(
        "openai",
        "OpenAI",
        "GPT models",
        "OPENAI_API_KEY",
        "https://platform.openai.com/api-keys",
        "OPENAI_",
    ),
    spec(
        "google",
        "Google Gemini",
        "Gemini models through AI Studio",
        "GEMINI_API_KEY",
        "https://aistudio.google.com/apikey",
        "GEMINI_",
    ),
    spec(
        "openrouter",
        "OpenRouter",
        "Hundreds of models behind one key",
        "OPENROUTER_API_KEY",
        "https://openrouter.ai/keys",
        "OPENROUTER_",
    ),
    spec(
        "xai",
        "xAI",
        "Grok models",
        "XAI_API_KEY",
        "https://console.x.ai",
        "XAI_",
    ),
    spec(
        "opencode",
        "OpenCode Zen",
        "Curated coding models",
        "OPENCODE_API_KEY",
        "https://opencode.ai/docs/zen",
        "OPENCODE_",
    ),
    spec(
        "groq",
        "Groq",
        "Fast inference of open models",
        "GROQ_API_KEY",
        "https://console.groq.com/keys",
        "GROQ_",
    ),
    spec(
        "cerebras",
        "Cerebras",
        "Fast inference of open models",
        "CEREBRAS_API_KEY",
        "https://cloud.cerebras.ai",
        "CEREBRAS_",
    ),
    spec(
        "mistral",
        "Mistral",
        "Mistral and Codestral models",
        "MISTRAL_API_KEY",
        "https://console.mistral.ai/api-keys",
        "MISTRAL_",
    ),
    spec(
        "zai",
        "Z.AI",
        "GLM models",
        "ZAI_API_KEY",
        "https://z.ai/manage-apikey/apikey-list",
        "ZAI_",
    ),
    spec(
        "minimax",
        "MiniMax",
        "MiniMax models",
        "MINIMAX_API_KEY",
        "https://www.minimax.io/platform",
        "MINIMAX_",
    ),
    spec(
        "minimax-cn",
        "MiniMax (China)",
        "MiniMax models, mainland China endpoint",
        "MINIMAX_CN_API_KEY",
        "https://platform.minimaxi.com",
        "MINIMAX_CN_",
    ),
    Spec {
        extras: &[
            Extra(
                "AZURE_OPENAI_BASE_URL",
                "Base URL",
                "https://<resource>.openai.azure.com/openai/v1",
                false,
            ),
            Extra(
                "AZURE_OPENAI_RESOURCE_NAME",
                "Resource name",
                "my-resource",
                false,
            ),
            Extra("AZURE_OPENAI_API_VERSION", "API version", "v1", false),
            Extra(
                "AZURE_OPENAI_DEPLOYMENT_NAME_MAP",
                "Deployment names",
                "gpt-5=my-gpt5-deployment",
                false,
            ),
        ],
        ..spec(
            "azure-openai-responses",
            "Azure OpenAI",
            "OpenAI models on Azure (Responses API)",
            "AZURE_OPENAI_API_KEY",
            "https://learn.microsoft.com/azure/ai-services/openai/",
            "AZURE_OPENAI_",
        )
    },
    spec(
        "vercel-ai-gateway",
        "Vercel AI Gateway",
        "Many providers through Vercel",
        "AI_GATEWAY_API_KEY",
        "https://vercel.com/docs/ai-gateway",
        "AI_GATEWAY_",
    ),
    spec(
        "huggingface",
        "Hugging Face",
        "Inference Providers",
        "HF_TOKEN",
        "https://huggingface.co/settings/tokens",
        "HF_",
    ),
    spec(
        "kimi-coding",
        "Kimi for Coding",
        "Moonshot's coding plan",
        "KIMI_API_KEY",
        "https://www.kimi.com/coding",
        "KIMI_",
    ),
    Spec {
        extras: &[
            Extra(
                "QMD_OPENAI_BASE_URL",
                "Embeddings base URL",
                "https://api.openai.com/v1",
                false,
            ),
            Extra(
                "QMD_OPENAI_EMBED_MODEL",
                "Embedding model",
                "text-embedding-3-small",
                false,
            ),
        ],
        ..spec(
            "qmdr",
            "QMDR (memory embeddings)",
            "Embeddings for memory search",
            "QMD_OPENAI_API_KEY",
            "https://platform.openai.com/api-keys",
            "QMD_",
        )
    },
    Spec {
        key_optional: true,
        extras: &[
            Extra("AWS_ACCESS_KEY_ID", "Access key id", "AKIA...", true),
            Extra("AWS_SECRET_ACCESS_KEY", "Secret access key", "", true),
            Extra("AWS_REGION", "Region", "us-east-1", true),
        ],
        ..spec(
            "amazon-bedrock",
            "Amazon Bedrock",
            "Models on AWS; a bearer token or IAM keys",
            "AWS_BEARER_TOKEN_BEDROCK",
            "https://docs.aws.amazon.com/bedrock/",
            "AWS_",
        )
    },
    Spec {
        key_optional: true,
        extras: &[
            Extra("GOOGLE_CLOUD_PROJECT", "Project", "my-project", true),
            Extra("GOOGLE_CLOUD_LOCATION", "Location", "us-central1", true),
            Extra(
                "GOOGLE_APPLICATION_CREDENTIALS",
                "Credentials file",
                "/path/to/key.json",
                true,
            ),
        ],
        ..spec(
            "google-vertex",
            "Google Vertex AI",
            "Gemini and partner models on Google Cloud",
            "GOOGLE_CLOUD_API_KEY",
            "https://cloud.google.com/vertex-ai/docs",
            "GOOGLE_CLOUD_",
        )
    },
];

const fn spec(
    id: &'static str,
    name: &'static str,
    description: &'static str,
    key_env: &'static str,
    docs: &'static str,
    env_prefix: &'static str,
) -> Spec {
    Spec {
        id,
        name,
        description,
        key_env,
        docs,
        env_prefix,
        key_optional: false,
        extras: &[],
    }
}

fn from_spec(s: &Spec) -> ProviderInfo {
    ProviderInfo {
        id: s.id.to_owned(),
        name: s.name.to_owned(),
        description: s.description.to_owned(),
        api_key_env_var: s.key_env.to_owned(),
        docs_url: s.docs.to_owned(),
        env_prefix: s.env_prefix.to_owned(),
        key_optional: s.key_optional,
        extra_fields: s
            .extras
            .iter()
            .map(|e| ExtraFieldSpec {
                env_var: e.0.to_owned(),
                label: e.1.to_owned(),
                placeholder: e.2.to_owned(),
                description: String::new(),
                required: e.3,
            })
            .collect(),
        is_custom: false,
    }
}

pub fn catalog() -> impl Iterator<Item = ProviderInfo> {
    CATALOG.iter().map(from_spec)
}

pub fn from_catalog(provider_id: &str) -> Option<ProviderInfo> {
    CATALOG.iter().find(|s| s.id == provider_id).map(from_spec)
}
