//! Masking for display (查询留痕's other half: what a reader who does not need the full value
//! sees). Identity numbers keep the region (six digits) and the last four; mobiles keep the
//! operator prefix and the last four — the forms people know from every government receipt.

/// `410702199205050027` → `410702********0027`. Anything shorter than eleven characters is
/// starred whole: too little would be left hidden.
pub fn id_number(value: &str) -> String {
    keep_ends(value, 6, 4, 11)
}

/// `13812345678` → `138****5678`.
pub fn mobile(value: &str) -> String {
    keep_ends(value, 3, 4, 8)
}

fn keep_ends(value: &str, head: usize, tail: usize, min: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < min {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A free-text value (a form field, a material's attribute, an SMS) with every identity
/// number and mobile in it masked, wherever they stand (`410702199001010015,410702199205050027`
/// is a household's members). Form fields are written by the catalog, so their kinds are not
/// known here; the shapes are unmistakable: a run of 17 digits and a digit or X, or the older
/// 15 digits (GB 11643), or eleven digits starting 13–19.
pub fn free_text(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 17 && i < chars.len() && matches!(chars[i], 'X' | 'x') {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        out.push_str(&match run.len() {
            18 | 15 => id_number(&run),
            11 if is_mobile(&run) => mobile(&run),
            // +86 written without a space before the number.
            13 if run.starts_with("86") && is_mobile(&run[2..]) => {
                format!("86{}", mobile(&run[2..]))
            }
            _ => run,
        });
    }
    out
}

fn is_mobile(run: &str) -> bool {
    let b = run.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_people_know() {
        assert_eq!(id_number("410702199205050027"), "410702********0027");
        assert_eq!(id_number("41070219920505002X"), "410702********002X");
        assert_eq!(mobile("13812345678"), "138****5678");
        assert_eq!(mobile("123"), "***");
        assert_eq!(id_number("4107"), "****");
    }

    #[test]
    fn free_text_masks_only_what_looks_like_a_number_to_hide() {
        assert_eq!(free_text("410702199205050027"), "410702********0027");
        assert_eq!(free_text("410702920505002"), "410702*****5002");
        assert_eq!(free_text("13812345678"), "138****5678");
        assert_eq!(free_text("2026-03-01"), "2026-03-01");
        assert_eq!(free_text("李小明"), "李小明");
        assert_eq!(free_text("12345678901"), "12345678901");
        assert_eq!(free_text("新乡市红旗区 1 号"), "新乡市红旗区 1 号");
        assert_eq!(
            free_text("410702199001010015,410702199205050027"),
            "410702********0015,410702********0027"
        );
        assert_eq!(
            free_text("请致电13812345678或+8613912345678"),
            "请致电138****5678或+86139****5678"
        );
        assert_eq!(free_text("2026120312345678901"), "2026120312345678901");
    }
}
