//! Mainland China mobile numbers.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobileError;

impl fmt::Display for MobileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("应为以 1 开头的 11 位手机号码，第二位为 3 至 9")
    }
}

impl std::error::Error for MobileError {}

/// Checks a mainland mobile number and returns its 11 digits. A leading `+86` or `86` country
/// code and surrounding spaces are accepted, since phones often show numbers that way.
/// Number ranges are allocated to carriers over time, so only the shape is checked: 1, then
/// 3–9, then nine digits.
pub fn parse_mobile(input: &str) -> Result<String, MobileError> {
    let s = crate::types::trim_value(input);
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(s)
        .trim_start();
    let b = s.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    if ok {
        Ok(s.to_owned())
    } else {
        Err(MobileError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_numbers() {
        assert_eq!(parse_mobile("13812345678").unwrap(), "13812345678");
        assert_eq!(parse_mobile("+86 19912345678").unwrap(), "19912345678");
        assert_eq!(parse_mobile("8615512345678").unwrap(), "15512345678");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "138-1234-5678",
            "0373-1234567",
            "",
        ] {
            assert_eq!(parse_mobile(bad), Err(MobileError), "{bad}");
        }
    }
}
