//! Where the gateway keeps authorization keys.
//!
//! The gateway has to *send* a koppeling's autorisatiesleutel (or a dashboard's key) in every
//! SOAP call, so it cannot keep a one-way hash the way a login system keeps passwords: the key
//! must stay recoverable. The vault therefore encrypts keys at rest with AES-256-GCM, binding
//! each ciphertext to the row it belongs to (the *context*, e.g. `koppeling:42`) so a copied
//! ciphertext does not open anywhere else.
//!
//! The gateway must also refuse a dashboard key pasted as a LAS key (or the reverse) and notice
//! the same key entered twice, without decrypting every stored key to compare. For that each
//! key gets a [`Fingerprint`]: HMAC-SHA256 under a subkey of the master secret, so a leaked
//! database alone does not allow guessing keys offline, compared in constant time.
//!
//! Both subkeys come from one 32-byte master secret (HKDF-SHA256 with distinct labels), which
//! lives outside the database: in `UWLR_MASTER_KEY` or in `<data_dir>/master.key`.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf::{self, HKDF_SHA256};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use subtle::ConstantTimeEq;

/// The environment variable that, when set, supplies the master secret instead of the key file,
/// so deployments that keep secrets in their orchestrator need no writable secret on disk.
pub const MASTER_KEY_ENV: &str = "UWLR_MASTER_KEY";

/// The file name of the master secret inside the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

/// Length of the master secret in bytes.
pub const MASTER_KEY_LEN: usize = 32;

/// Salt for HKDF: fixed, so the same master secret always yields the same subkeys; versioned,
/// so a future scheme can derive different ones from the same master.
const HKDF_SALT: &[u8] = b"uwlr-gateway vault v1";
const SEAL_LABEL: &[u8] = b"seal: AES-256-GCM for authorization keys";
const FINGERPRINT_LABEL: &[u8] = b"fingerprint: HMAC-SHA256 of authorization keys";

/// Length of the GCM authentication tag appended to every ciphertext.
const TAG_LEN: usize = 16;

/// Why the vault could not be opened, or a sealed key could not be recovered. Messages say what
/// to fix and never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// `UWLR_MASTER_KEY` is set but is not 64 hex characters. The value itself is never echoed.
    #[error(
        "{MASTER_KEY_ENV} is set but invalid: {reason}; it must be exactly 64 hex characters (32 bytes), \
         e.g. the output of `openssl rand -hex 32`, or be unset to use {MASTER_KEY_FILE} in the data directory"
    )]
    BadEnvKey {
        /// What is wrong with the value (its length, or the position of a non-hex character).
        reason: String,
    },
    /// The key file exists but does not hold exactly 32 bytes.
    #[error(
        "{} holds {len} bytes, but a master key file must hold exactly 32 raw bytes; restore the original \
         file from backup (deleting it makes every sealed key unreadable), or set {MASTER_KEY_ENV} instead",
        path.display()
    )]
    BadKeyFile {
        /// The offending file.
        path: PathBuf,
        /// How many bytes it holds.
        len: u64,
    },
    /// The key file could not be read or created.
    #[error("vault master key: cannot read or create {}: {source}", path.display())]
    Io {
        /// The file (or data directory) involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The system random generator failed, so no key file could be created.
    #[error("the system random generator failed; cannot create a master key")]
    Random,
    /// The sealed bytes do not open under this vault and context: the wrong row, the wrong
    /// master secret, or tampered data. Deliberately one case, as AES-GCM cannot tell them apart.
    #[error("the sealed key cannot be opened: wrong context, wrong master key, or damaged data")]
    Unseal,
}

/// An authorization key in memory. Its `Debug` and `Display` print `[redacted]`, so it can sit
/// in structs that get logged; the bytes are overwritten when it is dropped.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// The key itself, for the one place that needs it: the SOAP header being written.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort without `unsafe` or an extra crate: zero the live buffer and keep the
        // writes from being optimised away. Copies made by earlier reallocations are out of reach.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

/// A key encrypted by [`Vault::seal`]: `nonce (12 bytes) || ciphertext || tag (16 bytes)`, ready
/// to store as one blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The stored form; hand it back to [`Vault::unseal`] with the same context.
    pub ciphertext: Vec<u8>,
}

/// A keyed fingerprint of a key: equal keys under the same vault give equal fingerprints, so
/// duplicates and keys entered for the wrong kind of link are found without decrypting anything.
/// Equality is constant-time; `Display` and `Debug` are lowercase hex.
#[derive(Clone, Copy)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Reads the hex form written by `Display`, for stores that keep fingerprints as text.
    pub fn from_hex(hex: &str) -> Option<Fingerprint> {
        decode_hex32(hex).ok().map(Fingerprint)
    }
}

impl PartialEq for Fingerprint {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for Fingerprint {}

impl std::hash::Hash for Fingerprint {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Seals and fingerprints authorization keys under subkeys of one master secret.
pub struct Vault {
    seal_key: LessSafeKey,
    fingerprint_key: hmac::Key,
    rng: SystemRandom,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Vault([redacted])")
    }
}

impl Vault {
    /// Derives both subkeys from `master`, so one secret to back up covers encryption and
    /// fingerprints while neither subkey can be used in the other's place.
    pub fn from_master(master: &[u8; MASTER_KEY_LEN]) -> Vault {
        let prk = hkdf::Salt::new(HKDF_SHA256, HKDF_SALT).extract(master);
        let seal_okm = prk
            .expand(&[SEAL_LABEL], &AES_256_GCM)
            .expect("HKDF-SHA256 can expand to a 32-byte AES key, which is far below its limit");
        let fingerprint_okm = prk
            .expand(&[FINGERPRINT_LABEL], hmac::HMAC_SHA256)
            .expect("HKDF-SHA256 can expand to a 32-byte HMAC key, which is far below its limit");
        Vault {
            seal_key: LessSafeKey::new(UnboundKey::from(seal_okm)),
            fingerprint_key: hmac::Key::from(fingerprint_okm),
            rng: SystemRandom::new(),
        }
    }

    /// Opens the vault of a deployment: the master secret comes from `UWLR_MASTER_KEY` (64 hex
    /// characters) if set, otherwise from `<data_dir>/master.key` (32 raw bytes), which is created
    /// with mode 0600 from the system random generator on first use. A malformed variable or a key
    /// file of the wrong size is an error rather than a silent new key, because a new key would
    /// make every stored key unreadable.
    pub fn open(data_dir: &Path) -> Result<Vault, VaultError> {
        let from_env = match std::env::var(MASTER_KEY_ENV) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(VaultError::BadEnvKey { reason: "the value is not valid Unicode".into() })
            }
        };
        open_with(from_env.as_deref(), data_dir)
    }

    /// Encrypts `secret` for storage, bound to `context` (e.g. `koppeling:42`) so the ciphertext
    /// only opens for that same row. Every call uses a fresh random nonce, so sealing the same
    /// key twice gives different bytes.
    ///
    /// # Panics
    ///
    /// If the system random generator fails: continuing without fresh nonces would be unsafe.
    pub fn seal(&self, secret: &Secret, context: &str) -> Sealed {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).expect("the system random generator failed; refusing to seal without a nonce");
        let mut ciphertext = Vec::with_capacity(NONCE_LEN + secret.0.len() + TAG_LEN);
        ciphertext.extend_from_slice(&nonce);
        let mut body = secret.0.as_bytes().to_vec();
        self.seal_key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut body)
            .expect("AES-256-GCM sealing only fails for inputs of many gigabytes");
        ciphertext.extend_from_slice(&body);
        body.fill(0);
        Sealed { ciphertext }
    }

    /// Decrypts what [`Vault::seal`] produced for the same `context`. Any mismatch (another row's
    /// ciphertext, another master secret, a flipped bit) is [`VaultError::Unseal`].
    pub fn unseal(&self, sealed: &[u8], context: &str) -> Result<Secret, VaultError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(VaultError::Unseal);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Unseal)?;
        let mut in_out = rest.to_vec();
        let plain_len = self
            .seal_key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| VaultError::Unseal)?
            .len();
        in_out.truncate(plain_len);
        match String::from_utf8(in_out) {
            Ok(text) => Ok(Secret(text)),
            Err(err) => {
                // Authenticated but not text: only possible if something else sealed it.
                let mut bytes = err.into_bytes();
                bytes.fill(0);
                Err(VaultError::Unseal)
            }
        }
    }

    /// A keyed fingerprint of `secret`: stable for this vault, unrelated across vaults, and
    /// useless for guessing keys without the master secret.
    pub fn fingerprint(&self, secret: &Secret) -> Fingerprint {
        let tag = hmac::sign(&self.fingerprint_key, secret.0.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        Fingerprint(out)
    }
}

/// [`Vault::open`] with the environment value passed in, so tests need not touch process env.
fn open_with(env_value: Option<&str>, data_dir: &Path) -> Result<Vault, VaultError> {
    let mut master = match env_value {
        Some(value) => parse_master_hex(value)?,
        None => load_or_create_key_file(&data_dir.join(MASTER_KEY_FILE))?,
    };
    let vault = Vault::from_master(&master);
    master.fill(0);
    std::hint::black_box(&master);
    Ok(vault)
}

/// Parses the `UWLR_MASTER_KEY` value. Surrounding whitespace (a trailing newline from a secret
/// file) is ignored; errors describe the problem without repeating the value.
fn parse_master_hex(value: &str) -> Result<[u8; MASTER_KEY_LEN], VaultError> {
    decode_hex32(value.trim()).map_err(|reason| VaultError::BadEnvKey { reason })
}

fn decode_hex32(hex: &str) -> Result<[u8; 32], String> {
    let chars = hex.chars().count();
    if chars != 64 {
        return Err(format!("it has {chars} characters"));
    }
    if let Some(position) = hex.chars().position(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("character {} is not a hex digit", position + 1));
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        *byte = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
    }
    Ok(out)
}

fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => digit - b'A' + 10,
    }
}

fn load_or_create_key_file(path: &Path) -> Result<[u8; MASTER_KEY_LEN], VaultError> {
    let io_error = |source| VaultError::Io { path: path.to_path_buf(), source };
    match fs::File::open(path) {
        Ok(file) => read_key_file(file, path),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                crate::private::create_dir_all(dir)
                    .map_err(|source| VaultError::Io { path: dir.to_path_buf(), source })?;
            }
            let mut master = [0u8; MASTER_KEY_LEN];
            SystemRandom::new().fill(&mut master).map_err(|_| VaultError::Random)?;
            match crate::private::create_new(path) {
                Ok(mut file) => {
                    file.write_all(&master).and_then(|()| file.sync_all()).map_err(io_error)?;
                    tracing::info!(path = %path.display(), "created a new vault master key; back it up");
                    Ok(master)
                }
                // Another process created it between our open and create: use theirs.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    let file = fs::File::open(path).map_err(io_error)?;
                    read_key_file(file, path)
                }
                Err(err) => Err(io_error(err)),
            }
        }
        Err(err) => Err(io_error(err)),
    }
}

fn file_len(path: &Path) -> Option<u64> {
    fs::metadata(path).ok().map(|meta| meta.len())
}

fn read_key_file(file: fs::File, path: &Path) -> Result<[u8; MASTER_KEY_LEN], VaultError> {
    warn_if_readable_by_others(&file, path);
    let mut bytes = Vec::with_capacity(MASTER_KEY_LEN + 1);
    file.take(MASTER_KEY_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| VaultError::Io { path: path.to_path_buf(), source })?;
    let result = <[u8; MASTER_KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
        let len = file_len(path).unwrap_or(bytes.len() as u64);
        VaultError::BadKeyFile { path: path.to_path_buf(), len }
    });
    bytes.fill(0);
    result
}

#[cfg(unix)]
fn warn_if_readable_by_others(file: &fs::File, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata() {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "vault master key is readable by others; chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_file: &fs::File, _path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    const LAS_KEY: &str = "khasgdkj76&g7d^%$gjhsdd";

    fn vault(byte: u8) -> Vault {
        Vault::from_master(&[byte; 32])
    }

    #[test]
    fn seal_then_unseal_round_trips() {
        let vault = vault(1);
        let sealed = vault.seal(&Secret::from(LAS_KEY), "koppeling:42");
        assert_eq!(sealed.ciphertext.len(), NONCE_LEN + LAS_KEY.len() + TAG_LEN);
        let back = vault.unseal(&sealed.ciphertext, "koppeling:42").unwrap();
        assert_eq!(back.expose(), LAS_KEY);
    }

    #[test]
    fn empty_and_unicode_keys_round_trip() {
        let vault = vault(1);
        for key in ["", "sleutel-ëï-🔑"] {
            let sealed = vault.seal(&Secret::from(key), "ctx");
            assert_eq!(vault.unseal(&sealed.ciphertext, "ctx").unwrap().expose(), key);
        }
    }

    #[test]
    fn unseal_with_another_context_fails() {
        let vault = vault(1);
        let sealed = vault.seal(&Secret::from(LAS_KEY), "koppeling:42");
        assert!(matches!(vault.unseal(&sealed.ciphertext, "koppeling:43"), Err(VaultError::Unseal)));
        assert!(matches!(vault.unseal(&sealed.ciphertext, ""), Err(VaultError::Unseal)));
    }

    #[test]
    fn unseal_with_another_master_fails() {
        let sealed = vault(1).seal(&Secret::from(LAS_KEY), "koppeling:42");
        assert!(matches!(vault(2).unseal(&sealed.ciphertext, "koppeling:42"), Err(VaultError::Unseal)));
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let vault = vault(1);
        let sealed = vault.seal(&Secret::from(LAS_KEY), "koppeling:42");
        for i in 0..sealed.ciphertext.len() {
            let mut bytes = sealed.ciphertext.clone();
            bytes[i] ^= 0x01;
            assert!(matches!(vault.unseal(&bytes, "koppeling:42"), Err(VaultError::Unseal)), "flip at byte {i}");
        }
        let truncated = &sealed.ciphertext[..sealed.ciphertext.len() - 1];
        assert!(matches!(vault.unseal(truncated, "koppeling:42"), Err(VaultError::Unseal)));
        assert!(matches!(vault.unseal(&[0u8; 5], "koppeling:42"), Err(VaultError::Unseal)));
        assert!(matches!(vault.unseal(&[], "koppeling:42"), Err(VaultError::Unseal)));
    }

    #[test]
    fn sealing_twice_gives_different_bytes() {
        let vault = vault(1);
        let secret = Secret::from(LAS_KEY);
        let a = vault.seal(&secret, "koppeling:42");
        let b = vault.seal(&secret, "koppeling:42");
        assert_ne!(a, b);
        assert_ne!(a.ciphertext[..NONCE_LEN], b.ciphertext[..NONCE_LEN]);
        assert!(!a.ciphertext.windows(LAS_KEY.len()).any(|w| w == LAS_KEY.as_bytes()));
    }

    #[test]
    fn fingerprint_is_stable_per_vault_and_differs_across_vaults() {
        let secret = Secret::from(LAS_KEY);
        let first = vault(1).fingerprint(&secret);
        assert_eq!(first, vault(1).fingerprint(&Secret::from(LAS_KEY.to_owned())));
        assert_ne!(first, vault(2).fingerprint(&secret));
        assert_ne!(first, vault(1).fingerprint(&Secret::from("another key")));
    }

    #[test]
    fn fingerprint_hex_round_trips() {
        let fp = vault(1).fingerprint(&Secret::from(LAS_KEY));
        let hex = fp.to_string();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(Fingerprint::from_hex(&hex), Some(fp));
        assert_eq!(Fingerprint::from_hex(&hex.to_uppercase()), Some(fp));
        assert_eq!(Fingerprint::from_hex("abc"), None);
        assert_eq!(format!("{fp:?}"), format!("Fingerprint({hex})"));
    }

    #[test]
    fn fingerprint_is_not_a_plain_hash() {
        use sha2::{Digest, Sha256};
        let fp = vault(1).fingerprint(&Secret::from(LAS_KEY));
        let plain: [u8; 32] = Sha256::digest(LAS_KEY.as_bytes()).into();
        assert_ne!(fp.0, plain);
    }

    #[test]
    fn debug_and_display_never_show_the_key() {
        let secret = Secret::from(LAS_KEY);
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret}"), "[redacted]");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Row {
            key: Secret,
        }
        let logged = format!("{:?} {:#?}", Row { key: secret.clone() }, Some(&secret));
        assert!(!logged.contains(LAS_KEY), "{logged}");
        assert!(!format!("{:?}", vault(1)).contains("01"));
    }

    #[test]
    fn open_creates_an_owner_only_key_file_and_reopens_the_same_vault() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let first = open_with(None, &data_dir).unwrap();
        let path = data_dir.join(MASTER_KEY_FILE);
        assert_eq!(fs::read(&path).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let sealed = first.seal(&Secret::from(LAS_KEY), "koppeling:1");
        let second = open_with(None, &data_dir).unwrap();
        assert_eq!(second.unseal(&sealed.ciphertext, "koppeling:1").unwrap().expose(), LAS_KEY);
        assert_eq!(first.fingerprint(&Secret::from(LAS_KEY)), second.fingerprint(&Secret::from(LAS_KEY)));
    }

    #[test]
    fn two_data_dirs_get_different_master_keys() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let secret = Secret::from(LAS_KEY);
        assert_ne!(
            open_with(None, a.path()).unwrap().fingerprint(&secret),
            open_with(None, b.path()).unwrap().fingerprint(&secret)
        );
    }

    #[test]
    fn env_value_takes_precedence_and_matches_from_master() {
        let dir = tempfile::tempdir().unwrap();
        let hex = "0101010101010101010101010101010101010101010101010101010101010101";
        let from_env = open_with(Some(&format!("  {hex}\n")), dir.path()).unwrap();
        let secret = Secret::from(LAS_KEY);
        assert_eq!(from_env.fingerprint(&secret), vault(1).fingerprint(&secret));
        assert!(!dir.path().join(MASTER_KEY_FILE).exists(), "the env key must not create a file");
        let upper = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789";
        assert_eq!(parse_master_hex(upper).unwrap()[..4], [0xab, 0xcd, 0xef, 0x01]);
    }

    #[test]
    fn bad_env_values_are_clear_errors_without_the_value() {
        let too_short = "0123456789abcdef";
        let err = parse_master_hex(too_short).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, VaultError::BadEnvKey { .. }));
        assert!(message.contains("UWLR_MASTER_KEY"), "{message}");
        assert!(message.contains("16 characters"), "{message}");
        assert!(message.contains("64 hex characters"), "{message}");
        assert!(!message.contains(too_short), "{message}");

        let not_hex = format!("{}zz", "a".repeat(62));
        let message = parse_master_hex(&not_hex).unwrap_err().to_string();
        assert!(message.contains("character 63 is not a hex digit"), "{message}");
        assert!(!message.contains(&not_hex), "{message}");

        assert!(parse_master_hex("").unwrap_err().to_string().contains("0 characters"));
        // 64 characters but multi-byte: counted as characters, refused before slicing.
        let message = parse_master_hex(&"é".repeat(64)).unwrap_err().to_string();
        assert!(message.contains("not a hex digit"), "{message}");
    }

    #[test]
    fn key_file_of_the_wrong_size_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MASTER_KEY_FILE);
        for len in [0usize, 31, 33, 64] {
            fs::write(&path, vec![7u8; len]).unwrap();
            let err = open_with(None, dir.path()).unwrap_err();
            let message = err.to_string();
            assert!(matches!(err, VaultError::BadKeyFile { .. }), "{message}");
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains("exactly 32 raw bytes"), "{message}");
            assert!(message.contains(&format!("holds {len} bytes")), "{message}");
        }
        assert_eq!(fs::read(&path).unwrap().len(), 64, "a bad key file must never be replaced");
    }
}
