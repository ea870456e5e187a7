//! The SMS rating link (好差评 by SMS, 第二十五条): when a case is delivered, the applicant is
//! texted a link that lets them rate it without signing in. The link names the case and the
//! last day it works, signed with a key only the host holds, so it can be neither forged nor
//! stretched; whoever holds it rates as the case's applicant, once, like any rating.

use hmac::{Hmac, Mac};
use lianban_sdk::Date;
use sha2::Sha256;

/// The signature's length in bytes (hex doubles it): 128 bits, short enough for an SMS.
const SIGNATURE_BYTES: usize = 16;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the rating link is not one the host made")]
    Invalid,
    #[error("the rating link expired on {0}")]
    Expired(Date),
}

pub struct RatingLinks {
    key: Vec<u8>,
    /// The host's address as browsers reach it; without it no link is sent.
    base: String,
    /// Days a link works after it was sent.
    pub days: i64,
}

impl RatingLinks {
    /// Links signed under a key drawn from `store_key` for this purpose alone.
    pub fn new(store_key: &[u8], base: &str, days: i64) -> RatingLinks {
        let key = match Hmac::<Sha256>::new_from_slice(store_key) {
            Ok(mut mac) => {
                mac.update(b"sms rating link\0");
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        };
        RatingLinks {
            key,
            base: base.trim_end_matches('/').to_owned(),
            days,
        }
    }

    fn mac(&self, case_id: &str, last_day: Date) -> Option<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        mac.update(case_id.as_bytes());
        mac.update(b"\0");
        mac.update(last_day.to_string().as_bytes());
        Some(mac)
    }

    /// The token of case `case_id`, working through `last_day`: `<case>.<yyyymmdd>.<sig>`.
    pub fn token(&self, case_id: &str, last_day: Date) -> String {
        let signature = self
            .mac(case_id, last_day)
            .map(|m| hex::encode(&m.finalize().into_bytes()[..SIGNATURE_BYTES]))
            .unwrap_or_default();
        let day = last_day.to_string().replace('-', "");
        format!("{case_id}.{day}.{signature}")
    }

    /// The link to text for case `case_id` sent `today`; none when the host has no public
    /// address to put in it.
    pub fn link(&self, case_id: &str, today: Date) -> Option<String> {
        if self.base.is_empty() {
            return None;
        }
        let last_day = today.add_days(self.days)?;
        Some(format!(
            "{}/console/rate/{}",
            self.base,
            self.token(case_id, last_day)
        ))
    }

    /// The case a token names and its last day, if the host signed it and it still works
    /// `today`.
    pub fn verify(&self, token: &str, today: Date) -> Result<(String, Date), LinkError> {
        let mut parts = token.rsplitn(3, '.');
        let (Some(signature), Some(day), Some(case_id)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let last_day = match (day.len(), day.get(..4), day.get(4..6), day.get(6..)) {
            (8, Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}").parse::<Date>().ok(),
            _ => None,
        }
        .ok_or(LinkError::Invalid)?;
        let signature = hex::decode(signature).map_err(|_| LinkError::Invalid)?;
        if signature.len() != SIGNATURE_BYTES {
            return Err(LinkError::Invalid);
        }
        let mac = self.mac(case_id, last_day).ok_or(LinkError::Invalid)?;
        // Compared in constant time, on the leading bytes the token carries.
        mac.verify_truncated_left(&signature)
            .map_err(|_| LinkError::Invalid)?;
        if today > last_day {
            return Err(LinkError::Expired(last_day));
        }
        Ok((case_id.to_owned(), last_day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> RatingLinks {
        RatingLinks::new(
            b"the store's rating key",
            "https://zwfw.example.gov.cn/",
            15,
        )
    }

    #[test]
    fn a_link_works_until_its_last_day_and_names_its_case() {
        let links = links();
        let sent = Date::ymd(2026, 12, 1);
        let link = links.link("YJS-20261127-000001", sent).unwrap();
        let token = link
            .strip_prefix("https://zwfw.example.gov.cn/console/rate/")
            .unwrap();
        assert!(
            token.starts_with("YJS-20261127-000001.20261216."),
            "{token}"
        );
        assert_eq!(
            links.verify(token, Date::ymd(2026, 12, 16)).unwrap(),
            ("YJS-20261127-000001".to_owned(), Date::ymd(2026, 12, 16))
        );
        assert_eq!(
            links.verify(token, Date::ymd(2026, 12, 17)),
            Err(LinkError::Expired(Date::ymd(2026, 12, 16)))
        );
    }

    #[test]
    fn a_changed_or_foreign_link_is_refused() {
        let links = links();
        let token = links.token("YJS-20261127-000001", Date::ymd(2026, 12, 16));
        let today = Date::ymd(2026, 12, 2);
        // Another case, a later day, a cut or altered signature, another host's key.
        let other_case = token.replace("000001", "000002");
        let later = token.replace("20261216", "20271216");
        let cut = &token[..token.len() - 2];
        let mut flipped = token.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        let foreign = RatingLinks::new(b"another key", "https://x", 15)
            .token("YJS-20261127-000001", Date::ymd(2026, 12, 16));
        for bad in [
            &other_case,
            &later,
            cut,
            &flipped,
            &foreign,
            "",
            "a.b",
            "a.b.c",
        ] {
            assert_eq!(links.verify(bad, today), Err(LinkError::Invalid), "{bad}");
        }
        assert!(RatingLinks::new(b"k", "", 15).link("c", today).is_none());
    }
}
