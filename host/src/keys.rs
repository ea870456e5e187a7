//! The syntax of the platform's keys: dictionary field keys, material codes, finding and error
//! codes, matter and department codes. A leaf: it imports nothing of the domain, so every
//! module that checks a key can use it without importing another.

/// A key: `a-z0-9`, `.` and `-`, starting with a letter, at most 64 bytes.
pub fn is_key(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(is_key("child.birth-date"));
        assert!(is_key("a"));
        assert!(is_key(&"a".repeat(64)));
        assert!(!is_key(&"a".repeat(65)));
        assert!(!is_key("Child.birth"));
        assert!(!is_key("../etc"));
        assert!(!is_key("1abc"));
        assert!(!is_key("a b"));
        assert!(!is_key(""));
    }
}
