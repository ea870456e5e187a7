//! The AEADs personal data is sealed with. AES-256-GCM is the default; SM4-GCM (GB/T 32907
//! block cipher in the GCM mode of RFC 8998) is for deployments that must use national
//! cryptography. Both take a 96-bit nonce, drawn at random for every value, and a 128-bit tag.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, AesGcm};
use serde::{Deserialize, Serialize};

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

pub const NONCE_BYTES: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
}

impl Algorithm {
    /// The key length the algorithm takes.
    pub fn key_bytes(self) -> usize {
        match self {
            Algorithm::Aes256Gcm => 32,
            Algorithm::Sm4Gcm => 16,
        }
    }
}

impl std::str::FromStr for Algorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Algorithm, String> {
        match s {
            "aes-256-gcm" => Ok(Algorithm::Aes256Gcm),
            "sm4-gcm" => Ok(Algorithm::Sm4Gcm),
            other => Err(format!(
                "unknown algorithm {other:?}: aes-256-gcm or sm4-gcm"
            )),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Aes256Gcm => "aes-256-gcm",
            Algorithm::Sm4Gcm => "sm4-gcm",
        })
    }
}

/// A key ready to seal and open. Built once per key when the keyring loads.
#[derive(Clone)]
pub enum Cipher {
    Aes(Box<Aes256Gcm>),
    Sm4(Box<Sm4Gcm>),
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("a {algorithm} key is {expected} bytes, not {got}")]
    KeyLength {
        algorithm: Algorithm,
        expected: usize,
        got: usize,
    },
    /// Wrong key, wrong context, or a changed ciphertext: the AEAD does not say which.
    #[error("the sealed value does not open")]
    Open,
}

impl Cipher {
    pub fn new(algorithm: Algorithm, key: &[u8]) -> Result<Cipher, CipherError> {
        let wrong = || CipherError::KeyLength {
            algorithm,
            expected: algorithm.key_bytes(),
            got: key.len(),
        };
        match algorithm {
            Algorithm::Aes256Gcm => Aes256Gcm::new_from_slice(key)
                .map(|c| Cipher::Aes(Box::new(c)))
                .map_err(|_| wrong()),
            Algorithm::Sm4Gcm => Sm4Gcm::new_from_slice(key)
                .map(|c| Cipher::Sm4(Box::new(c)))
                .map_err(|_| wrong()),
        }
    }

    /// The ciphertext with its tag appended.
    pub fn seal(&self, nonce: &[u8; NONCE_BYTES], aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let payload = Payload { msg: plain, aad };
        let sealed = match self {
            Cipher::Aes(c) => c.encrypt(nonce.into(), payload),
            Cipher::Sm4(c) => c.encrypt(nonce.into(), payload),
        };
        // GCM refuses only messages past 64 GiB; a field is a few hundred bytes.
        sealed.unwrap_or_else(|_| unreachable!("GCM seals any message under 64 GiB"))
    }

    pub fn open(
        &self,
        nonce: &[u8; NONCE_BYTES],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, CipherError> {
        let payload = Payload { msg: sealed, aad };
        match self {
            Cipher::Aes(c) => c.decrypt(nonce.into(), payload),
            Cipher::Sm4(c) => c.decrypt(nonce.into(), payload),
        }
        .map_err(|_| CipherError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// RFC 8998, appendix A.1: SM4-GCM with the published key, IV, associated data and
    /// plaintext gives the published ciphertext and tag, and opens back.
    #[test]
    fn sm4_gcm_matches_the_published_vectors() {
        let key = unhex("0123456789ABCDEFFEDCBA9876543210");
        let nonce: [u8; 12] = unhex("00001234567800000000ABCD")
            .try_into()
            .unwrap_or_else(|_| panic!("12 bytes"));
        let aad = unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let plain = unhex(concat!(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD",
            "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
        ));
        let expected_ct = unhex(concat!(
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735",
            "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        ));
        let expected_tag = unhex("83DE3541E4C2B58177E065A9BF7B62EC");
        let cipher = Cipher::new(Algorithm::Sm4Gcm, &key).unwrap_or_else(|e| panic!("{e}"));
        let sealed = cipher.seal(&nonce, &aad, &plain);
        let (ct, tag) = sealed.split_at(plain.len());
        assert_eq!(ct, expected_ct.as_slice());
        assert_eq!(tag, expected_tag.as_slice());
        assert_eq!(cipher.open(&nonce, &aad, &sealed), Ok(plain));
    }

    #[test]
    fn a_changed_byte_context_or_key_does_not_open() {
        for algorithm in [Algorithm::Aes256Gcm, Algorithm::Sm4Gcm] {
            let key = vec![7u8; algorithm.key_bytes()];
            let cipher = Cipher::new(algorithm, &key).unwrap_or_else(|e| panic!("{e}"));
            let nonce = [1u8; NONCE_BYTES];
            let sealed = cipher.seal(&nonce, b"case:1:applicant.id_number", b"410702199205050027");
            let mut flipped = sealed.clone();
            flipped[3] ^= 1;
            assert_eq!(
                cipher.open(&nonce, b"case:1:applicant.id_number", &flipped),
                Err(CipherError::Open)
            );
            assert_eq!(
                cipher.open(&nonce, b"case:2:applicant.id_number", &sealed),
                Err(CipherError::Open)
            );
            let other = Cipher::new(algorithm, &vec![8u8; algorithm.key_bytes()])
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                other.open(&nonce, b"case:1:applicant.id_number", &sealed),
                Err(CipherError::Open)
            );
            assert!(Cipher::new(algorithm, &[0u8; 5]).is_err());
        }
    }
}
