//! What a stored secret's preview may show (security review L2): at most its last four
//! characters, and only for a secret of 16 characters or more, where four characters leave at
//! least twelve unknown. Shorter secrets (passwords, PINs) show nothing. kit's `crypto::mask`
//! is being changed to the same rule; agent-svc applies it here until then.

/// Secrets shorter than this show no characters at all.
pub const MIN_REVEAL_LEN: usize = 16;
/// The most trailing characters a preview shows.
pub const MAX_REVEALED: usize = 4;

/// `...wxyz` for a secret of at least 16 characters, `***` otherwise.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_REVEAL_LEN {
        return "***".to_owned();
    }
    let tail: String = chars[chars.len() - MAX_REVEALED..].iter().collect();
    format!("...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_at_most_four_trailing_characters_of_long_secrets_only() {
        assert_eq!(mask(""), "***");
        assert_eq!(mask("hunter2-password"), "...word");
        assert_eq!(mask("fifteen-chars!!"), "***");
        assert_eq!(mask("correct-horse-battery-staple"), "...aple");
        // Characters, not bytes: a multi-byte tail is not split.
        assert_eq!(mask("ключ-ключ-ключ-ключ"), "...ключ");
        for secret in ["abcdefghijklmnop", "sk-ant-api03-alpha-0123456789abcdef"] {
            let shown = mask(secret).trim_start_matches("...").to_owned();
            assert!(shown.chars().count() <= MAX_REVEALED && secret.ends_with(&shown));
        }
    }
}
