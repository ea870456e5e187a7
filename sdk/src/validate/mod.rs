//! Validators every department needs. Each returns a reason in plain zh-CN that can be put after
//! the field's label in a finding ("公民身份号码校验位不正确…").

mod id_number;
mod mobile;
mod uscc;

pub use id_number::{IdNumber, IdNumberError, Sex, parse_id_number};
pub use mobile::{MobileError, parse_mobile};
pub use uscc::{Registrar, Uscc, UsccError, parse_uscc};

use crate::{Date, FieldKind};

/// An amount in yuan with at most two decimals, returned in fen. Negative amounts, signs,
/// thousands separators and exponents are refused: forms ask for plain numbers.
pub fn parse_money(input: &str) -> Result<u64, String> {
    let s = crate::types::trim_value(input);
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(s.contains('.') && frac.is_empty());
    if !ok {
        return Err(format!("“{s}”不是金额，请填写数字，最多两位小数"));
    }
    let yuan: u64 = whole
        .parse()
        .map_err(|_| format!("“{s}”超出可填写的金额范围"))?;
    let fen: u64 = format!("{frac:0<2}").parse().unwrap_or(0);
    yuan.checked_mul(100)
        .and_then(|v| v.checked_add(fen))
        .ok_or_else(|| format!("“{s}”超出可填写的金额范围"))
}

/// A whole number without sign or separators.
pub fn parse_integer(input: &str) -> Result<u64, String> {
    let s = crate::types::trim_value(input);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("“{s}”不是整数"));
    }
    s.parse().map_err(|_| format!("“{s}”超出可填写的范围"))
}

/// A name as registered for a Chinese citizen: Chinese characters, with `·` between the parts of
/// a name transcribed from an ethnic-minority language; 2 to 15 characters. (Names of foreign
/// nationals are registered differently and are not checked here.)
pub fn check_person_name(input: &str) -> Result<(), String> {
    let s = crate::types::trim_value(input);
    let count = s.chars().count();
    if !(2..=15).contains(&count) {
        return Err(format!("应为 2 至 15 个汉字，实际为 {count} 个字符"));
    }
    let han = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F);
    if let Some(bad) = s.chars().find(|c| !(han(*c) || *c == '·')) {
        return Err(format!(
            "含有不能登记的字符“{bad}”，姓名只能使用汉字（少数民族姓名可用“·”分隔）"
        ));
    }
    // A separator at either end or two in a row leaves an empty part.
    if s.split('·').any(str::is_empty) {
        return Err("“·”只能用于姓名各部分之间".into());
    }
    Ok(())
}

/// Checks a form value against its kind. `today` bounds dates of birth inside id numbers.
pub fn check_value(
    kind: FieldKind,
    value: &str,
    choices: &[String],
    today: Date,
) -> Result<(), String> {
    match kind {
        FieldKind::Text | FieldKind::Address => Ok(()),
        FieldKind::Date => value.parse::<Date>().map(|_| ()).map_err(|e| e.0),
        FieldKind::IdNumber => parse_id_number(value, today)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        FieldKind::Uscc => parse_uscc(value).map(|_| ()).map_err(|e| e.to_string()),
        FieldKind::Mobile => parse_mobile(value).map(|_| ()).map_err(|e| e.to_string()),
        FieldKind::Integer => parse_integer(value).map(|_| ()),
        FieldKind::Money => parse_money(value).map(|_| ()),
        FieldKind::Boolean => match crate::types::trim_value(value) {
            "true" | "false" => Ok(()),
            other => Err(format!("“{other}”应为“是”(true) 或“否”(false)")),
        },
        FieldKind::Choice => {
            let value = crate::types::trim_value(value);
            if choices.iter().any(|c| crate::types::short_eq(c, value)) {
                Ok(())
            } else {
                Err(format!("应为以下之一：{}", choices.join("、")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_yuan_with_two_decimals() {
        assert_eq!(parse_money("100"), Ok(10_000));
        assert_eq!(parse_money("0.5"), Ok(50));
        assert_eq!(parse_money("12.34"), Ok(1_234));
        for bad in ["", "-1", "1e3", "1,000", "1.234", "1.", ".5", "￥10"] {
            assert!(parse_money(bad).is_err(), "{bad}");
        }
        assert!(parse_money("99999999999999999999").is_err());
    }

    #[test]
    fn integers_are_plain_digits() {
        assert_eq!(parse_integer(" 42 "), Ok(42));
        assert!(parse_integer("-3").is_err());
        assert!(parse_integer("4.0").is_err());
    }

    #[test]
    fn person_names() {
        assert!(check_person_name("王小雨").is_ok());
        assert!(check_person_name("阿依古丽·买买提").is_ok());
        assert!(check_person_name("王").is_err());
        assert!(check_person_name("王2雨").is_err());
        assert!(check_person_name("Wang").is_err());
        assert!(check_person_name("·王小").is_err());
        assert!(check_person_name("王··小").is_err());
        assert!(check_person_name("王小·").is_err());
    }

    #[test]
    fn values_are_checked_by_kind() {
        let today = Date::ymd(2026, 11, 27);
        let choices = vec!["男".to_owned(), "女".to_owned()];
        assert!(check_value(FieldKind::Choice, "女", &choices, today).is_ok());
        assert!(check_value(FieldKind::Choice, "其他", &choices, today).is_err());
        assert!(check_value(FieldKind::Boolean, "true", &[], today).is_ok());
        assert!(check_value(FieldKind::Boolean, "yes", &[], today).is_err());
        assert!(check_value(FieldKind::Date, "2026-02-30", &[], today).is_err());
        assert!(check_value(FieldKind::IdNumber, "11010519491231002X", &[], today).is_ok());
        assert!(check_value(FieldKind::Uscc, "91350100M000100Y43", &[], today).is_ok());
        assert!(check_value(FieldKind::Mobile, "13812345678", &[], today).is_ok());
        assert!(check_value(FieldKind::Text, "任意文字", &[], today).is_ok());
    }
}
