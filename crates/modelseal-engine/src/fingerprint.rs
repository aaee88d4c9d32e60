use sha2::{Digest, Sha256};

/// A stable identity for a finding: a hash of the rule id and the secret value.
///
/// The same secret found by the same rule anywhere (another file, another
/// commit) has the same fingerprint, so baselines and allowlists can accept it
/// once. The value cannot be recovered from it.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(secret);
    let digest = hasher.finalize();
    digest[..16]
        .iter()
        .fold(String::with_capacity(32), |mut out, b| {
            use std::fmt::Write;
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_on_rule_and_value() {
        let a = fingerprint("r1", b"value");
        assert_eq!(a, fingerprint("r1", b"value"));
        assert_ne!(a, fingerprint("r2", b"value"));
        assert_ne!(a, fingerprint("r1", b"valuf"));
        assert_eq!(a.len(), 32);
        // The separator keeps ("ab", "c") apart from ("a", "bc").
        assert_ne!(fingerprint("ab", b"c"), fingerprint("a", b"bc"));
    }
}
