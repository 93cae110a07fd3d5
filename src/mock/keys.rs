//! Authorization keys as a mock keeps them: only a salted SHA-256 digest is stored (the
//! salt is random per store, so two stores never share a digest), every comparison runs
//! in constant time over all stored keys, and a key opens only the schools it was issued
//! for, and only for the klant it was issued to. Nothing here logs or prints a key.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt;
use subtle::{Choice, ConstantTimeEq};

/// Letters and digits: what ParnasSys and ESIS keys look like (`ImVowXsh2g71qvUilAaw`).
pub const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Printable ASCII without the space, including `&<>"'`: what a dashboard vendor may hand
/// out (`khasgdkj76&g7d^%$gjhsdd`). Keys must survive XML escaping.
pub const PRINTABLE: &[u8] =
    b"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/// Bytes from the operating system's secure random source (through the TLS stack's
/// provider, which the crate carries anyway).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut b)
        .expect("the operating system's random source is available");
    b
}

/// A fresh key of `len` characters drawn uniformly from `alphabet`.
pub fn generate_key(len: usize, alphabet: &[u8]) -> String {
    assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    // Rejection sampling: bytes at or above `limit` would favour the first letters.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<64>() {
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
            }
        }
    }
    out
}

/// A key as returned by an issue call: the only moment the plain key exists outside the
/// caller. `Debug` redacts it.
#[derive(Clone, Serialize)]
pub struct IssuedKey {
    /// The school (canonical id: BRIN + dependance, or schoolkey) the key opens.
    pub school: String,
    pub klantcode: String,
    /// The key itself. Shown once; the mock keeps only a digest.
    pub autorisatiesleutel: String,
}

impl fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedKey")
            .field("school", &self.school)
            .field("klantcode", &self.klantcode)
            .field("autorisatiesleutel", &"<redacted>")
            .finish()
    }
}

/// What may be told about a stored key: never the key or its digest.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub id: u64,
    pub klantcode: String,
    pub schools: Vec<String>,
    #[serde(serialize_with = "crate::mock::clock::ser_utc")]
    pub issued_at: DateTime<Utc>,
}

struct Entry {
    id: u64,
    digest: [u8; 32],
    klantcode: String,
    schools: BTreeSet<String>,
    issued_at: DateTime<Utc>,
}

/// The keys of one mock.
pub struct KeyStore {
    salt: [u8; 32],
    entries: Vec<Entry>,
    next_id: u64,
}

impl Default for KeyStore {
    fn default() -> Self {
        KeyStore::new()
    }
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore").field("keys", &self.entries.len()).finish_non_exhaustive()
    }
}

impl KeyStore {
    pub fn new() -> Self {
        KeyStore { salt: random_bytes(), entries: Vec::new(), next_id: 1 }
    }

    fn digest(&self, key: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(key.as_bytes());
        h.finalize().into()
    }

    /// Stores a key for `klantcode` and `schools`; returns its id.
    pub fn insert<I: IntoIterator<Item = String>>(
        &mut self,
        key: &str,
        klantcode: &str,
        schools: I,
        at: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let digest = self.digest(key);
        self.entries.push(Entry {
            id,
            digest,
            klantcode: klantcode.to_owned(),
            schools: schools.into_iter().collect(),
            issued_at: at,
        });
        id
    }

    /// Takes `school` out of every key; keys left without a school are dropped. Returns
    /// how many keys opened the school before.
    pub fn revoke_school(&mut self, school: &str) -> usize {
        let mut n = 0;
        for e in &mut self.entries {
            if e.schools.remove(school) {
                n += 1;
            }
        }
        self.entries.retain(|e| !e.schools.is_empty());
        n
    }

    /// Does `key` open `school` for `klantcode`? Hashes once, then compares against every
    /// stored digest without stopping early, so the time taken does not depend on which
    /// key (if any) matched.
    pub fn verify(&self, key: &str, klantcode: &str, school: &str) -> bool {
        let d = self.digest(key);
        let mut ok = Choice::from(0u8);
        for e in &self.entries {
            let scope = Choice::from(u8::from(e.klantcode == klantcode && e.schools.contains(school)));
            ok |= e.digest.ct_eq(&d) & scope;
        }
        ok.into()
    }

    /// The keys that open `school` (metadata only).
    pub fn for_school(&self, school: &str) -> Vec<KeyInfo> {
        self.entries
            .iter()
            .filter(|e| e.schools.contains(school))
            .map(|e| KeyInfo {
                id: e.id,
                klantcode: e.klantcode.clone(),
                schools: e.schools.iter().cloned().collect(),
                issued_at: e.issued_at,
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_scoped_and_salted() {
        let now = Utc::now();
        let mut s = KeyStore::new();
        s.insert("sleutel-1", "BOOM", ["99DE00".to_string()], now);
        assert!(s.verify("sleutel-1", "BOOM", "99DE00"));
        assert!(!s.verify("sleutel-1", "BOOM", "99DF00"));
        assert!(!s.verify("sleutel-1", "ANDER", "99DE00"));
        assert!(!s.verify("sleutel-2", "BOOM", "99DE00"));
        let other = KeyStore::new();
        assert_ne!(s.digest("x"), other.digest("x"), "salts differ per store");
        assert_eq!(s.revoke_school("99DE00"), 1);
        assert!(!s.verify("sleutel-1", "BOOM", "99DE00"));
        assert!(s.is_empty());
        assert!(!format!("{s:?}").contains("sleutel"));
    }

    #[test]
    fn generated_keys_use_the_alphabet() {
        let k = generate_key(40, ALPHANUMERIC);
        assert_eq!(k.len(), 40);
        assert!(k.bytes().all(|b| ALPHANUMERIC.contains(&b)));
        assert_ne!(generate_key(40, ALPHANUMERIC), k);
        let p = generate_key(200, PRINTABLE);
        assert!(p.bytes().all(|b| PRINTABLE.contains(&b)));
    }
}
