//! Password storage: argon2id PHC strings, constant-time verification, and the
//! dummy verification that keeps unknown accounts as slow as known ones.

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};

/// OWASP Password Storage Cheat Sheet (argon2id, second recommended setting):
/// 19 MiB of memory, two passes, one lane. About 20–40 ms on a server core,
/// slow for an offline attacker, cheap enough for an IMAP login.
const MEMORY_KIB: u32 = 19_456;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// 16 random bytes: the salt length RFC 9106 §3.1 recommends.
const SALT_LEN: usize = 16;

/// Stored hashes asking for more than this are refused rather than verified:
/// a tampered or imported hash must not make one login allocate gigabytes.
const MAX_STORED_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_STORED_PASSES: u32 = 16;
const MAX_STORED_LANES: u32 = 16;

/// argon2's working area is allocated with at least this capacity. glibc raises its mmap threshold (up to 32
/// MiB) each time it frees a large mapped block; after the first login, argon2's 19 MiB area then came from a
/// malloc heap that never shrinks, and each verifier thread kept ~20 MB resident (2,000 idle IMAP sessions
/// measured 230 MB instead of 60). A capacity above 32 MiB is always mapped and unmapped on drop; only the
/// part argon2 uses is ever touched.
const WORK_AREA_CAPACITY: usize = 33 * 1024 * 1024 / Block::SIZE;

/// Characters of generated passwords: letters and digits without the ones
/// people misread when copying from a terminal (0/O/o, 1/l/I).
const UNAMBIGUOUS_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// 20 characters from a 56-symbol alphabet: about 116 bits of entropy.
const GENERATED_LEN: usize = 20;

/// Why a password could not be hashed: the operating system's random source
/// or a broken parameter set, never what a client sends.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the system random number generator failed")]
    RandomSource,
    #[error("argon2 hashing failed: {0}")]
    Hashing(String),
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], PasswordError> {
    let mut bytes = [0u8; N];
    SystemRandom::new().fill(&mut bytes).map_err(|_| PasswordError::RandomSource)?;
    Ok(bytes)
}

/// Hashes `password` into an argon2id PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt =
        SaltString::encode_b64(&random_bytes::<SALT_LEN>()?).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let hash =
        hasher()?.hash_password(password.as_bytes(), &salt).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(hash.to_string())
}

/// Checks `candidate` against a stored PHC string. The comparison of the
/// derived keys is constant time (argon2's `Output` equality).
///
/// This costs tens of milliseconds of CPU: async callers should run it (and
/// [`verify_against_dummy`]) under `tokio::task::spawn_blocking`.
///
/// Anything that is not a well-formed argon2 hash with sane parameters
/// (corrupted row, a scheme we do not support, absurd memory cost) is simply
/// "does not match": a login must never crash or stall on stored data.
pub fn verify_password(phc: &str, candidate: &str) -> bool {
    let Ok(stored) = PasswordHash::new(phc) else {
        return false;
    };
    if !has_bounded_cost(&stored) {
        return false;
    }
    // Algorithm, version and parameters come from the stored string, so hashes made with older parameters
    // keep verifying.
    let (Ok(algorithm), Some(Ok(version)), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(stored.algorithm),
        stored.version.map(Version::try_from),
        Params::try_from(&stored),
        stored.salt,
        stored.hash,
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut derived = vec![0u8; expected.len()];
    if derive(&Argon2::new(algorithm, version, params), candidate.as_bytes(), salt, &mut derived).is_err() {
        return false;
    }
    // `Output`'s equality is constant time.
    Output::new(&derived).is_ok_and(|derived| derived == expected)
}

/// argon2 into `out`, in a working area that goes back to the system afterwards ([`WORK_AREA_CAPACITY`]).
fn derive(argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    let needed = argon2.params().block_count();
    let mut area = Vec::with_capacity(needed.max(WORK_AREA_CAPACITY));
    area.resize(needed, Block::default());
    argon2.hash_password_into_with_memory(password, salt, out, &mut area)
}

fn has_bounded_cost(stored: &PasswordHash<'_>) -> bool {
    match Params::try_from(stored) {
        Ok(params) => {
            params.m_cost() <= MAX_STORED_MEMORY_KIB
                && params.t_cost() <= MAX_STORED_PASSES
                && params.p_cost() <= MAX_STORED_LANES
        }
        Err(_) => false,
    }
}

/// Spends the time of a real verification and returns `false`.
///
/// Call it when the account does not exist: answering "no" at once would let
/// anyone learn which addresses have accounts by timing the failure.
pub fn verify_against_dummy(candidate: &str) -> bool {
    const DUMMY_SALT: &[u8; SALT_LEN] = b"facteur-no-user!";
    let mut output = [0u8; 32];
    if let Ok(argon2) = hasher() {
        // Same algorithm and cost as a stored hash; the result is discarded.
        let _ = derive(&argon2, candidate.as_bytes(), DUMMY_SALT, &mut output);
    }
    false
}

/// A random password of 20 unambiguous characters, for the quickstart account
/// and `account add` without `--password-stdin`.
///
/// # Panics
///
/// If the operating system's random source fails (`getrandom` erroring on a
/// running Linux system). Nothing a client sends can cause it, and handing
/// out a predictable password instead would be worse than stopping.
pub fn generate_password() -> String {
    // Rejection sampling: bytes at or above the largest multiple of the
    // alphabet size are dropped so every character is equally likely.
    let alphabet_len = UNAMBIGUOUS_ALPHABET.len();
    let unbiased_limit = 256 - (256 % alphabet_len);
    let mut password = String::with_capacity(GENERATED_LEN);
    while password.len() < GENERATED_LEN {
        let batch = random_bytes::<64>().expect("the system random number generator failed");
        for byte in batch.map(usize::from) {
            if byte < unbiased_limit && password.len() < GENERATED_LEN {
                password.push(char::from(UNAMBIGUOUS_ALPHABET[byte % alphabet_len]));
            }
        }
    }
    password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_uses_argon2id_with_owasp_parameters() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    #[test]
    fn hash_then_verify_round_trips() {
        let phc = hash_password("correct horse").unwrap();
        assert!(verify_password(&phc, "correct horse"));
    }

    #[test]
    fn wrong_password_does_not_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(!verify_password(&phc, "correct horsf"));
        assert!(!verify_password(&phc, ""));
    }

    #[test]
    fn same_password_hashes_differently_each_time() {
        assert_ne!(hash_password("x").unwrap(), hash_password("x").unwrap());
    }

    #[test]
    fn malformed_stored_hashes_never_verify() {
        let phc = hash_password("pw").unwrap();
        let truncated = &phc[..phc.len() - 10];
        for stored in [
            "",
            "pw",
            "$",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=x,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
            "$bcrypt$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            "{PLAIN}pw",
            truncated,
        ] {
            assert!(!verify_password(stored, "pw"), "{stored:?} verified");
        }
    }

    #[test]
    fn stored_hash_with_absurd_memory_cost_is_refused_without_computing() {
        let phc = hash_password("pw").unwrap();
        let greedy = phc.replace("m=19456", "m=4000000000");
        assert!(!verify_password(&greedy, "pw"));
    }

    #[test]
    fn hashes_with_other_argon2_parameters_still_verify() {
        let params = Params::new(8, 1, 1, None).unwrap();
        let old = Argon2::new(Algorithm::Argon2i, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let phc = old.hash_password(b"legacy", &salt).unwrap().to_string();
        assert!(verify_password(&phc, "legacy"));
        assert!(!verify_password(&phc, "legacY"));
    }

    #[test]
    fn dummy_verification_always_fails() {
        assert!(!verify_against_dummy("anything"));
        assert!(!verify_against_dummy(""));
    }

    #[test]
    fn dummy_verification_costs_about_as_much_as_a_real_one() {
        let phc = hash_password("pw").unwrap();
        let timed = |f: &dyn Fn()| {
            let start = std::time::Instant::now();
            for _ in 0..3 {
                f();
            }
            start.elapsed()
        };
        let real = timed(&|| {
            verify_password(&phc, "nope");
        });
        let dummy = timed(&|| {
            verify_against_dummy("nope");
        });
        // Generous bounds: the point is "same order", not a benchmark.
        assert!(dummy * 3 > real && real * 3 > dummy, "real {real:?} dummy {dummy:?}");
    }

    #[test]
    fn generated_passwords_are_twenty_unambiguous_characters() {
        let password = generate_password();
        assert_eq!(password.len(), GENERATED_LEN);
        assert!(password.bytes().all(|b| UNAMBIGUOUS_ALPHABET.contains(&b)));
        assert!(!password.contains(['0', 'O', 'o', '1', 'l', 'I']));
        assert_ne!(password, generate_password());
    }
}

/// Why a new password is refused ([`check_new_password`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("the password is {length} characters long; at least {minimum} are needed ([auth] min_password_length)")]
    TooShort { length: usize, minimum: usize },
    #[error("the password is the account's own address or name: anyone who knows the address would guess it")]
    IsTheAddress,
}

/// The rule for a password a person chooses: at least `minimum` characters (NIST SP 800-63B §5.1.1.2 asks
/// for 8 at least, and for length rather than composition rules), and not the address it protects.
pub fn check_new_password(password: &str, address: &str, minimum: usize) -> Result<(), WeakPassword> {
    let length = password.chars().count();
    if length < minimum {
        return Err(WeakPassword::TooShort { length, minimum });
    }
    let local = address.split('@').next().unwrap_or(address);
    if password.eq_ignore_ascii_case(address) || password.eq_ignore_ascii_case(local) {
        return Err(WeakPassword::IsTheAddress);
    }
    Ok(())
}

#[cfg(test)]
mod new_password_tests {
    use super::*;

    #[test]
    fn short_passwords_and_the_address_itself_are_refused() {
        assert_eq!(
            check_new_password("pw", "alice@example.test", 8),
            Err(WeakPassword::TooShort { length: 2, minimum: 8 })
        );
        assert_eq!(check_new_password("élève-Ünï", "alice@example.test", 9), Ok(()), "characters, not bytes");
        assert_eq!(check_new_password("Alice@Example.test", "alice@example.test", 8), Err(WeakPassword::IsTheAddress));
        assert_eq!(check_new_password("alicealice", "alicealice@example.test", 8), Err(WeakPassword::IsTheAddress));
        assert_eq!(check_new_password("correct horse", "alice@example.test", 8), Ok(()));
    }
}
