//! How an object is sealed at rest: its own random data key, XChaCha20-Poly1305 over
//! fixed segments of 64 KiB, each segment's nonce its index and its associated data
//! whether it is the last (so that segments can be neither reordered nor dropped
//! from the end), laid out one after the other so that any byte range is read by
//! opening only the segments it covers. The data key is wrapped by the store's
//! key-encryption key, bound to the object's name; forgetting the wrapped key leaves
//! the object unreadable.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};

/// Plaintext bytes per segment.
pub const SEGMENT: usize = 64 * 1024;
/// What sealing adds to a segment (its Poly1305 tag).
pub const TAG: usize = 16;
/// A wrapped data key: its nonce, the key and the tag.
pub const WRAPPED: usize = 24 + 32 + TAG;

const SEGMENT_AAD: &[u8] = b"caseledger content segment v1";
const KEY_AAD: &[u8] = b"caseledger content key v1\n";

/// The segments of an object of `size` plaintext bytes: at least one (an empty object
/// is one empty, sealed, last segment).
pub fn segments(size: u64) -> u64 {
    size.div_ceil(SEGMENT as u64).max(1)
}

/// The sealed size of an object of `size` bytes.
pub fn sealed_size(size: u64) -> u64 {
    size + segments(size) * TAG as u64
}

/// Where segment `index` starts in the sealed object.
pub fn sealed_offset(index: u64) -> u64 {
    index * (SEGMENT + TAG) as u64
}

fn nonce(index: u64) -> [u8; 24] {
    let mut nonce = [0u8; 24];
    nonce[16..].copy_from_slice(&index.to_be_bytes());
    nonce
}

fn segment_aad(last: bool) -> Vec<u8> {
    let mut aad = SEGMENT_AAD.to_vec();
    aad.push(u8::from(last));
    aad
}

/// An object's data key: fresh for every object, so that a segment's index is a
/// nonce used once under it.
pub struct DataKey(XChaCha20Poly1305, [u8; 32]);

/// A sealed segment did not open: the object was altered, truncated, or is not the
/// one its key was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Altered;

impl DataKey {
    pub fn generate() -> DataKey {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        DataKey(XChaCha20Poly1305::new(&key.into()), key)
    }

    pub fn seal(&self, index: u64, last: bool, plain: &[u8]) -> Vec<u8> {
        self.0
            .encrypt(
                &nonce(index).into(),
                Payload {
                    msg: plain,
                    aad: &segment_aad(last),
                },
            )
            .expect("a segment seals")
    }

    pub fn open(&self, index: u64, last: bool, sealed: &[u8]) -> Result<Vec<u8>, Altered> {
        self.0
            .decrypt(
                &nonce(index).into(),
                Payload {
                    msg: sealed,
                    aad: &segment_aad(last),
                },
            )
            .map_err(|_| Altered)
    }
}

/// The store's key-encryption key.
#[derive(Clone)]
pub struct KeyEncryptionKey(XChaCha20Poly1305);

impl KeyEncryptionKey {
    pub fn new(key: [u8; 32]) -> KeyEncryptionKey {
        KeyEncryptionKey(XChaCha20Poly1305::new(&key.into()))
    }

    /// `key` wrapped for the object named `object`: what the database keeps.
    pub fn wrap(&self, key: &DataKey, object: &str) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::fill(&mut nonce);
        let aad = [KEY_AAD, object.as_bytes()].concat();
        let sealed = self
            .0
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &key.1,
                    aad: &aad,
                },
            )
            .expect("a key wraps");
        [&nonce[..], &sealed].concat()
    }

    /// The data key of the object named `object`, from its wrapped form.
    pub fn unwrap(&self, wrapped: &[u8], object: &str) -> Result<DataKey, Altered> {
        if wrapped.len() != WRAPPED {
            return Err(Altered);
        }
        let (nonce, sealed) = wrapped.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| Altered)?;
        let aad = [KEY_AAD, object.as_bytes()].concat();
        let key = self
            .0
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| Altered)?;
        let key: [u8; 32] = key.try_into().map_err(|_| Altered)?;
        Ok(DataKey(XChaCha20Poly1305::new(&key.into()), key))
    }
}

/// The segments a plaintext byte range (`start..end`, end exclusive) covers, in an
/// object of `size` bytes: the first and the last index.
pub fn covering(start: u64, end: u64, size: u64) -> (u64, u64) {
    let last = segments(size) - 1;
    let first = (start / SEGMENT as u64).min(last);
    let through = (end.saturating_sub(1) / SEGMENT as u64).clamp(first, last);
    (first, through)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(key: &DataKey, plain: &[u8]) -> Vec<u8> {
        let n = segments(plain.len() as u64);
        let mut out = Vec::new();
        for i in 0..n {
            let from = (i as usize * SEGMENT).min(plain.len());
            let to = ((i as usize + 1) * SEGMENT).min(plain.len());
            out.extend(key.seal(i, i == n - 1, &plain[from..to]));
        }
        out
    }

    #[test]
    fn segments_lay_out_so_that_any_range_opens_alone() {
        assert_eq!(segments(0), 1);
        assert_eq!(segments(1), 1);
        assert_eq!(segments(SEGMENT as u64), 1);
        assert_eq!(segments(SEGMENT as u64 + 1), 2);
        assert_eq!(sealed_size(0), 16);
        assert_eq!(sealed_size(3 * SEGMENT as u64), 3 * (SEGMENT + TAG) as u64);
        let plain: Vec<u8> = (0..(2 * SEGMENT + 10)).map(|i| (i % 251) as u8).collect();
        let key = DataKey::generate();
        let object = sealed(&key, &plain);
        assert_eq!(object.len() as u64, sealed_size(plain.len() as u64));
        // The second segment alone.
        let at = sealed_offset(1) as usize;
        let second = key.open(1, false, &object[at..at + SEGMENT + TAG]).unwrap();
        assert_eq!(second, plain[SEGMENT..2 * SEGMENT]);
        let last = key
            .open(2, true, &object[sealed_offset(2) as usize..])
            .unwrap();
        assert_eq!(last, plain[2 * SEGMENT..]);
        assert_eq!(covering(10, 20, plain.len() as u64), (0, 0));
        assert_eq!(
            covering(SEGMENT as u64 - 1, SEGMENT as u64 + 1, plain.len() as u64),
            (0, 1)
        );
        assert_eq!(covering(0, plain.len() as u64, plain.len() as u64), (0, 2));
        assert_eq!(covering(0, 0, 0), (0, 0));
    }

    #[test]
    fn an_altered_reordered_or_cut_object_does_not_open() {
        let plain = vec![7u8; SEGMENT + 5];
        let key = DataKey::generate();
        let mut object = sealed(&key, &plain);
        let first = &object[..SEGMENT + TAG];
        // Out of place, or claimed to be the last: refused.
        assert_eq!(key.open(1, true, first), Err(Altered));
        assert_eq!(key.open(0, true, first), Err(Altered));
        // Another object's key: refused.
        assert_eq!(DataKey::generate().open(0, false, first), Err(Altered));
        object[3] ^= 1;
        assert_eq!(key.open(0, false, &object[..SEGMENT + TAG]), Err(Altered));
    }

    #[test]
    fn a_wrapped_key_opens_only_for_its_object_and_its_key_encryption_key() {
        let kek = KeyEncryptionKey::new([1; 32]);
        let key = DataKey::generate();
        let wrapped = kek.wrap(&key, "objects/a");
        assert_eq!(wrapped.len(), WRAPPED);
        let again = kek.unwrap(&wrapped, "objects/a").unwrap();
        let segment = key.seal(0, true, b"bytes");
        assert_eq!(again.open(0, true, &segment).unwrap(), b"bytes");
        assert!(kek.unwrap(&wrapped, "objects/b").is_err());
        assert!(
            KeyEncryptionKey::new([2; 32])
                .unwrap(&wrapped, "objects/a")
                .is_err()
        );
        assert!(kek.unwrap(&wrapped[1..], "objects/a").is_err());
    }
}
