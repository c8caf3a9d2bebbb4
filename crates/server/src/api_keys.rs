//! API keys: made at random, shown once, kept as SHA-256; and API_BOOTSTRAP_KEY, kept in memory. How a
//! request presents one is `api::auth`'s.

use std::fmt::Write;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What every key starts with, so a leaked one is easy to recognise (and to scan for).
const KEY_PREFIX: &str = "sk_smsagent_";
/// Characters of a key kept in the clear to tell keys apart.
const SHOWN_CHARACTERS: usize = KEY_PREFIX.len() + 6;

/// A key as made: the key itself, to show once, and what is stored.
#[derive(Debug)]
pub struct NewKey {
    pub key: SecretString,
    pub hash: [u8; 32],
    pub prefix: String,
}

/// A new key: 256 random bits.
pub fn new_key() -> NewKey {
    let bytes: [u8; 32] = rand::random();
    let mut key = String::from(KEY_PREFIX);
    for byte in bytes {
        let _ = write!(key, "{byte:02x}");
    }
    NewKey { hash: hash(&key), prefix: key[..SHOWN_CHARACTERS].to_owned(), key: key.into() }
}

/// What is stored for a key, and looked up when one is presented.
pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// API_BOOTSTRAP_KEY's hash, compared in memory: the key needs no row (the service starts without its
/// database, and a replaced key stops working with the restart that replaces it).
#[derive(Clone)]
pub struct BootstrapKey([u8; 32]);

impl BootstrapKey {
    pub fn new(key: &SecretString) -> Self {
        BootstrapKey(hash(key.expose_secret()))
    }

    pub fn matches(&self, presented: &[u8; 32]) -> bool {
        self.0.ct_eq(presented).into()
    }
}

impl std::fmt::Debug for BootstrapKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BootstrapKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_only_their_hash_identifies_them() {
        let (a, b) = (new_key(), new_key());
        assert_ne!(a.key.expose_secret(), b.key.expose_secret());
        assert_eq!(a.key.expose_secret().len(), KEY_PREFIX.len() + 64);
        assert_eq!(hash(a.key.expose_secret()), a.hash);
        assert!(a.key.expose_secret().starts_with(&a.prefix));
        assert_eq!(a.prefix.len(), SHOWN_CHARACTERS);
    }
}
