//! 公民身份号码 (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence, check
//! character.

use std::fmt;

use crate::Date;

/// Weights of the ISO 7064 MOD 11-2 check used by GB 11643, for positions 1..=17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10.
const CHECK: [u8; 11] = *b"10X98765432";

/// Province-level codes of GB/T 2260, plus 81/82/83 used by the residence permits of Hong Kong,
/// Macao and Taiwan residents. Checking the full county table would need a data file that goes
/// stale with every administrative change; the province prefix catches typing errors in the
/// first digits, which is what a form check can honestly promise.
const PROVINCES: [u16; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// A checked 公民身份号码.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdNumber {
    /// The number in canonical form (upper-case `X`).
    pub number: String,
    /// Administrative region of first registration, six digits.
    pub region: String,
    pub birth_date: Date,
    pub sex: Sex,
}

impl IdNumber {
    /// Completed years of age on `day`.
    pub fn age_on(&self, day: Date) -> i32 {
        self.birth_date.full_years_on(day)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdNumberError {
    Length(usize),
    Characters,
    Region(String),
    BirthDate(String),
    BornInFuture(Date),
    CheckCharacter { expected: char, found: char },
}

impl fmt::Display for IdNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdNumberError::Length(n) => write!(f, "应为 18 位，实际为 {n} 位"),
            IdNumberError::Characters => f.write_str("前 17 位应为数字，最后一位为数字或 X"),
            IdNumberError::Region(r) => write!(f, "开头的地区码“{r}”不存在"),
            IdNumberError::BirthDate(d) => write!(f, "其中的出生日期“{d}”不是有效日期"),
            IdNumberError::BornInFuture(d) => write!(f, "其中的出生日期 {d} 晚于今天"),
            IdNumberError::CheckCharacter { .. } => {
                f.write_str("校验位不正确，可能有数字录入错误，请逐位核对")
            }
        }
    }
}

impl std::error::Error for IdNumberError {}

/// Checks a 公民身份号码 as of `today`. Surrounding spaces and a lower-case `x` are accepted,
/// since both are common when numbers are typed or read by scanners.
pub fn parse_id_number(input: &str, today: Date) -> Result<IdNumber, IdNumberError> {
    // Every matter that names a person checks that person's number, several times over in a
    // pre-check, so this works on the bytes and allocates only the answer.
    let trimmed = crate::types::trim_value(input);
    let bytes = trimmed.as_bytes();
    let length = if trimmed.is_ascii() {
        bytes.len()
    } else {
        trimmed.chars().count()
    };
    if length != 18 {
        return Err(IdNumberError::Length(length));
    }
    let last = bytes[17].to_ascii_uppercase();
    if !bytes[..17].iter().all(u8::is_ascii_digit) || !(last.is_ascii_digit() || last == b'X') {
        return Err(IdNumberError::Characters);
    }
    // Only ASCII digits from here on, so byte ranges are character ranges.
    if !PROVINCES.contains(&decimal(&bytes[0..2])) {
        return Err(IdNumberError::Region(trimmed[0..6].to_owned()));
    }
    let birth_date = u8::try_from(decimal(&bytes[10..12]))
        .ok()
        .zip(u8::try_from(decimal(&bytes[12..14])).ok())
        .and_then(|(month, day)| Date::new(decimal(&bytes[6..10]), month, day))
        .filter(|d| d.year >= 1900)
        .ok_or_else(|| IdNumberError::BirthDate(trimmed[6..14].to_owned()))?;
    if birth_date > today {
        return Err(IdNumberError::BornInFuture(birth_date));
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let expected = CHECK[(sum % 11) as usize];
    if expected != last {
        return Err(IdNumberError::CheckCharacter {
            expected: char::from(expected),
            found: char::from(last),
        });
    }
    let sex = if (bytes[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
    let mut number = trimmed.to_owned();
    number.make_ascii_uppercase();
    Ok(IdNumber {
        region: trimmed[0..6].to_owned(),
        birth_date,
        sex,
        number,
    })
}

/// The value of a run of ASCII digits (at most four here).
fn decimal(digits: &[u8]) -> u16 {
    digits.iter().fold(0, |n, d| n * 10 + u16::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::ymd(2026, 11, 27)
    }

    #[test]
    fn accepts_known_good_numbers() {
        let id = parse_id_number("11010519491231002X", today()).unwrap();
        assert_eq!(id.birth_date, Date::ymd(1949, 12, 31));
        assert_eq!(id.sex, Sex::Female);
        assert_eq!(id.region, "110105");
        let id = parse_id_number("410702199001010015", today()).unwrap();
        assert_eq!(id.sex, Sex::Male);
        assert_eq!(id.age_on(today()), 36);
        // Lower-case x and stray spaces are normalised, not rejected.
        let id = parse_id_number(" 11010519491231002x ", today()).unwrap();
        assert_eq!(id.number, "11010519491231002X");
    }

    #[test]
    fn rejects_a_wrong_check_character() {
        assert_eq!(
            parse_id_number("110105194912310021", today()),
            Err(IdNumberError::CheckCharacter {
                expected: 'X',
                found: '1'
            })
        );
        // One transposed digit pair changes the check.
        assert!(parse_id_number("410702199010010015", today()).is_err());
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(
            parse_id_number("41070219900101001", today()),
            Err(IdNumberError::Length(17))
        );
        assert_eq!(
            parse_id_number("4107021990010100X5", today()),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            parse_id_number("４１０７０２１９９０0101001５", today()),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            parse_id_number("990702199001010015", today()),
            Err(IdNumberError::Region("990702".into()))
        );
    }

    #[test]
    fn rejects_impossible_and_future_birth_dates() {
        // 1990-02-30 does not exist (check character recomputed so only the date is wrong).
        assert!(matches!(
            parse_id_number("410702199002300014", today()),
            Err(IdNumberError::BirthDate(_))
        ));
        // No month 13; no one alive was born before 1900.
        assert_eq!(
            parse_id_number("410702199013010011", today()),
            Err(IdNumberError::BirthDate("19901301".into()))
        );
        assert_eq!(
            parse_id_number("410702189912310011", today()),
            Err(IdNumberError::BirthDate("18991231".into()))
        );
        // Born 2026-12-01, after "today".
        assert!(matches!(
            parse_id_number("410702202612010043", today()),
            Err(IdNumberError::BornInFuture(_))
        ));
    }
}
