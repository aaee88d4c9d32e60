//! Masking: the scanner must not become the leak.

/// Masks a secret for display: a short prefix stays (enough to recognise a
/// key's type, `AKIA`, `ghp_`), the rest becomes `*`. Short secrets are
/// masked whole. The result never contains the whole secret.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    let keep = match n {
        0..=7 => 0,
        8..=15 => 2,
        _ => 4,
    };
    let hidden = (n - keep).min(12);
    let mut out: String = chars[..keep].iter().collect();
    out.extend(std::iter::repeat_n('*', hidden.max(3)));
    if out.contains(secret) {
        // Only a secret made of `*` gets here.
        return "[masked]".to_owned();
    }
    out
}

/// Replaces every occurrence of `secret` in `text` with its mask.
pub fn mask_in(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let masked = mask(secret);
    let mut out = text.replace(secret, &masked);
    // Overlapping repeats (`aaaa…`) can leave a copy behind; a few passes
    // remove it, and the last resort hides the whole text.
    for _ in 0..4 {
        if !out.contains(secret) {
            return out;
        }
        out = out.replace(secret, &masked);
    }
    "[masked]".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_a_prefix_of_long_secrets() {
        assert_eq!(
            mask(concat!("AKIA", "Z7QR3MBXKSJD4TFW")),
            "AKIA************"
        );
        assert_eq!(mask("hunter2"), "*******");
        assert_eq!(mask("password12"), "pa********");
    }

    proptest! {
        #[test]
        fn mask_keeps_a_short_prefix_and_hides_the_rest(secret in "[^*\\p{C}]{1,80}") {
            let masked = mask(&secret);
            prop_assert!(!masked.contains(&secret));
            // The fallback is for secrets made of `*` only: a real secret
            // gets its prefix and stars, never the fallback.
            prop_assert_ne!(&masked, "[masked]");
            let n = secret.chars().count();
            let keep = match n { 0..=7 => 0, 8..=15 => 2, _ => 4 };
            let prefix: String = secret.chars().take(keep).collect();
            let stars = "*".repeat((n - keep).clamp(3, 12));
            prop_assert_eq!(masked, format!("{prefix}{stars}"));
        }

        #[test]
        fn masked_text_keeps_everything_around_the_secret(
            before in "[ =:;,.(){}\\[\\]\"'#]{0,40}",
            secret in "[A-Za-z0-9+/_-]{8,64}",
            after in "[ =:;,.(){}\\[\\]\"'#]{0,40}",
        ) {
            // The text around the secret shares no character with it, so
            // exactly the two copies of the secret change.
            let text = format!("{before}{secret}{after}{secret}");
            let masked = mask_in(&text, &secret);
            prop_assert!(!masked.contains(&secret));
            let m = mask(&secret);
            prop_assert_eq!(masked, format!("{before}{m}{after}{m}"));
        }
    }

    #[test]
    fn only_a_secret_of_stars_falls_back() {
        assert_eq!(mask("********"), "[masked]");
        assert_eq!(mask_in("x = aaaaaaaaa", "aaaaaaaaa"), "x = aa*******");
    }
}
