//! Field encryption (AES-256-GCM), blind indexes (HMAC-SHA256) and token hashing.
//!
//! One master key comes from the settings (or, in local mode, a file in the data directory);
//! purpose keys are derived from it so that no key is used for two things.

use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::settings::{Mode, Settings};

type HmacSha256 = Hmac<Sha256>;

/// The keys the platform works with; cheap to clone.
///
/// The key material is held once, behind an `Arc`: the application state that carries it is
/// cloned by every layer of every request (over a hundred times for a signed-in page), and a
/// by-value copy put the expanded AES key on the heap and the stack each time and zeroed it
/// again at each drop.
#[derive(Clone)]
pub struct Keys(Arc<Material>);

struct Material {
    cipher: Aes256Gcm,
    index_key: Zeroizing<[u8; 32]>,
    token_key: Zeroizing<[u8; 32]>,
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let data_key = derive(master, "zhicheng/field-encryption/v1");
        Keys(Arc::new(Material {
            cipher: Aes256Gcm::new_from_slice(&data_key[..]).expect("32-byte key"),
            index_key: derive(master, "zhicheng/blind-index/v1"),
            token_key: derive(master, "zhicheng/tokens/v1"),
        }))
    }

    /// Loads the master key from settings, or in local mode from `<data_dir>/master.key`, creating it.
    pub fn load(settings: &Settings) -> anyhow::Result<Self> {
        if let Some(k) = &settings.master_key {
            return Ok(Self::from_master(&decode_master(k)?));
        }
        if settings.mode == Mode::Prod {
            bail!("ZHICHENG_MASTER_KEY is required in production");
        }
        let path = settings.data_dir.join("master.key");
        if !path.exists() {
            generate_key_file(&path)?;
            tracing::warn!(path = %path.display(), "local mode: generated a new master key; set ZHICHENG_MASTER_KEY in production");
        } else {
            tracing::info!(path = %path.display(), "local mode: using the master key from the data directory");
        }
        let text = SecretString::from(
            std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?,
        );
        Ok(Self::from_master(&decode_master(&text)?))
    }

    /// Encrypts a field; `context` (e.g. "person.id_number") is bound as associated data.
    pub fn encrypt(&self, context: &str, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .0
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption cannot fail for in-memory data");
        let mut out = nonce.to_vec();
        out.extend(ct);
        format!("v1:{}", STANDARD.encode(out))
    }

    pub fn decrypt(&self, context: &str, stored: &str) -> anyhow::Result<String> {
        let raw = stored
            .strip_prefix("v1:")
            .context("unknown ciphertext version")?;
        let bytes = STANDARD.decode(raw).context("ciphertext is not base64")?;
        if bytes.len() < 12 {
            bail!("ciphertext too short");
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self
            .0
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("ciphertext failed authentication ({context})"))?;
        String::from_utf8(plain).context("decrypted field is not UTF-8")
    }

    /// The exact-match lookup hash of a normalised value.
    pub fn blind_index(&self, context: &str, value: &str) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.0.index_key[..]).expect("any key length");
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A new 转入表 serial: `ZR<yyyymmdd>-<random>-<tag>`, where the tag is an HMAC over the
    /// rest, so a made-up serial is refused without looking anything up.
    pub fn new_serial(&self, yyyymmdd: &str) -> String {
        const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
        let mut rng = rand::thread_rng();
        let random: String = (0..10)
            .map(|_| ALPHABET[(rng.next_u32() % 32) as usize] as char)
            .collect();
        let body = format!("ZR{yyyymmdd}-{random}");
        let tag = self.serial_tag(&body);
        format!("{body}-{tag}")
    }

    fn serial_tag(&self, body: &str) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.0.token_key[..]).expect("any key length");
        mac.update(b"serial\0");
        mac.update(body.as_bytes());
        hex::encode_upper(&mac.finalize().into_bytes()[..5])
    }

    /// Whether a serial carries a valid tag (checked before any database lookup).
    pub fn serial_is_signed(&self, serial: &str) -> bool {
        let Some((body, tag)) = serial.rsplit_once('-') else {
            return false;
        };
        if serial.len() > 40
            || !serial
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return false;
        }
        let expected = self.serial_tag(body);
        expected.len() == tag.len()
            && expected
                .bytes()
                .zip(tag.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// A keyed tag for tokens (captchas, codes) so that a database dump does not reveal them.
    pub fn token_tag(&self, value: &str) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(&self.0.token_key[..]).expect("any key length");
        mac.update(value.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

fn derive(master: &[u8; 32], label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label.as_bytes());
    Zeroizing::new(mac.finalize().into_bytes().into())
}

fn decode_master(text: &SecretString) -> anyhow::Result<[u8; 32]> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(text.expose_secret().trim())
            .context("ZHICHENG_MASTER_KEY must be base64 (e.g. `openssl rand -base64 32`)")?,
    );
    <[u8; 32]>::try_from(&bytes[..])
        .map_err(|_| anyhow::anyhow!("ZHICHENG_MASTER_KEY must decode to exactly 32 bytes"))
}

fn generate_key_file(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut key = Zeroizing::new([0u8; 32]);
    rand::thread_rng().fill_bytes(&mut key[..]);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(STANDARD.encode(&key[..]).as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// A fresh random token of 128 bits or more, URL-safe.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes.max(16)];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 in unpadded base64url: session ids are stored only as this. (Not hex: a hex
/// digest can hold a run of 18 digits and look like an ID number to a data scan.)
pub fn sha256_b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(data))
}

/// A certificate's SHA-256 fingerprint as OpenSSL prints it: `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Hashes a password with Argon2id and a fresh salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored hash; an unreadable hash counts as a mismatch.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(stored) {
        Ok(h) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so timing does not tell.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("dummy-password-for-timing").expect("hashing works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let keys = Keys::from_master(&[7u8; 32]);
        let ct = keys.encrypt("person.id_number", "11010519491231002X");
        assert!(!ct.contains("1101051949"));
        assert_eq!(
            keys.decrypt("person.id_number", &ct).unwrap(),
            "11010519491231002X"
        );
        assert!(keys.decrypt("unit.phone", &ct).is_err());
        assert_ne!(
            ct,
            keys.encrypt("person.id_number", "11010519491231002X"),
            "nonces differ"
        );
        assert_eq!(keys.blind_index("id", "a"), keys.blind_index("id", "a"));
        assert_ne!(
            keys.blind_index("id", "a"),
            Keys::from_master(&[8u8; 32]).blind_index("id", "a")
        );
    }

    #[test]
    fn serials_are_signed() {
        let keys = Keys::from_master(&[7u8; 32]);
        let s = keys.new_serial("20261126");
        assert!(
            s.starts_with("ZR20261126-") && keys.serial_is_signed(&s),
            "{s}"
        );
        let mut altered = s.clone().into_bytes();
        altered[12] = if altered[12] == b'A' { b'B' } else { b'A' };
        assert!(!keys.serial_is_signed(&String::from_utf8(altered).unwrap()));
        assert!(!Keys::from_master(&[8u8; 32]).serial_is_signed(&s));
        assert!(!keys.serial_is_signed("garbage"));
    }

    #[test]
    fn passwords() {
        let h = hash_password("Abcdefg1!").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Abcdefg1!", &h));
        assert!(!verify_password("Abcdefg1?", &h));
        assert!(!verify_password("x", "garbage"));
    }
}
