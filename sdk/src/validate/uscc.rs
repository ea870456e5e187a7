//! 统一社会信用代码 (GB 32100-2015): registration authority, organisation category, region,
//! organisation body, check character.

use std::fmt;

/// The 31 characters of the code; I, O, S, V and Z are left out to avoid misreading.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight of position i is 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// What the first character says about who registered the organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registrar {
    /// 1: 机构编制
    Establishment,
    /// 5: 民政
    CivilAffairs,
    /// 9: 工商 (market regulation)
    MarketRegulation,
    /// Any other authority code the standard allows (2–8, A–Y).
    Other(char),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uscc {
    pub code: String,
    pub registrar: Registrar,
    /// Second character, the category within the registrar (for 9: 1 enterprise, 2 individual
    /// business, 3 farmers' cooperative).
    pub category: char,
    /// Six-digit region code.
    pub region: String,
}

impl Uscc {
    /// Registered by market regulation as an enterprise (91…).
    pub fn is_enterprise(&self) -> bool {
        self.registrar == Registrar::MarketRegulation && self.category == '1'
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsccError {
    Length(usize),
    Characters,
    Region,
    CheckCharacter { expected: char, found: char },
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsccError::Length(n) => write!(f, "应为 18 位，实际为 {n} 位"),
            UsccError::Characters => f.write_str("含有不允许的字符（不使用 I、O、S、V、Z）"),
            UsccError::Region => f.write_str("第 3 至 8 位应为数字地区码"),
            UsccError::CheckCharacter { .. } => {
                f.write_str("校验位不正确，可能有字符录入错误，请对照营业执照逐位核对")
            }
        }
    }
}

impl std::error::Error for UsccError {}

/// Checks a 统一社会信用代码. Lower-case letters and surrounding spaces are accepted and
/// normalised. The organisation-code part (positions 9–17) is not checked against GB 11714:
/// codes issued to individual businesses do not always follow it, and the overall check
/// character already covers every position.
pub fn parse_uscc(input: &str) -> Result<Uscc, UsccError> {
    let code = input.trim().to_ascii_uppercase();
    let n = code.chars().count();
    if n != 18 {
        return Err(UsccError::Length(n));
    }
    let mut values = [0u32; 18];
    for (i, b) in code.bytes().enumerate() {
        let pos = ALPHABET
            .iter()
            .position(|a| *a == b)
            .ok_or(UsccError::Characters)?;
        // The alphabet has 31 entries, so the index always fits.
        values[i] = pos as u32;
    }
    if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
        return Err(UsccError::Region);
    }
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let expected = ALPHABET[((31 - sum % 31) % 31) as usize];
    let found = code.as_bytes()[17];
    if expected != found {
        return Err(UsccError::CheckCharacter {
            expected: char::from(expected),
            found: char::from(found),
        });
    }
    let first = char::from(code.as_bytes()[0]);
    let registrar = match first {
        '1' => Registrar::Establishment,
        '5' => Registrar::CivilAffairs,
        '9' => Registrar::MarketRegulation,
        other => Registrar::Other(other),
    };
    Ok(Uscc {
        registrar,
        category: char::from(code.as_bytes()[1]),
        region: code[2..8].to_owned(),
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_good_codes() {
        let c = parse_uscc("91350100M000100Y43").unwrap();
        assert!(c.is_enterprise());
        assert_eq!(c.region, "350100");
        assert!(parse_uscc("91110000600037341L").is_ok());
        let individual = parse_uscc(" 92410702ma4k0ab1ca ").unwrap();
        assert_eq!(individual.code, "92410702MA4K0AB1CA");
        assert!(!individual.is_enterprise());
    }

    #[test]
    fn rejects_wrong_check_character() {
        assert_eq!(
            parse_uscc("91350100M000100Y44"),
            Err(UsccError::CheckCharacter {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(parse_uscc("91350100M000100Y4"), Err(UsccError::Length(17)));
        assert_eq!(parse_uscc("91350100M00010OY43"), Err(UsccError::Characters));
        assert_eq!(parse_uscc("913501I0M000100Y43"), Err(UsccError::Characters));
        assert_eq!(parse_uscc("9135A100M000100Y43"), Err(UsccError::Region));
    }
}
