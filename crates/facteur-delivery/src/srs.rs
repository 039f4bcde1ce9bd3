//! The Sender Rewriting Scheme (SRS; Shevek's "Sender Rewriting Scheme" paper, as libsrs2, postsrsd and Mail::SRS
//! implement it): mail we send on for someone else (a Sieve `redirect`) leaves with an envelope sender in one of
//! our domains, so the receiver's SPF check (RFC 7208) judges our servers against our domain instead of failing
//! them against the original sender's; a bounce sent to that address comes back to us, and we send it on to the
//! original sender.
//!
//! The addresses, in the guarded scheme's two forms (the separator after the tag is `=`):
//!
//! ```text
//! SRS0=HHHHHH=TT=orig.example=user@our.example             for user@orig.example
//! SRS1=HHHHHH=fwd.example==HHHH=TT=orig.example=user@our.example
//!                                  for SRS0=HHHH=TT=orig.example=user@fwd.example (mail another forwarder
//!                                  rewrote: its bounce goes back to that forwarder, which checks its own part)
//! ```
//!
//! - `TT` is the day (unix time / 86400) modulo 1024 in two base-32 characters (`A`–`Z`, `2`–`7`, high bits
//!   first), as libsrs2; an SRS0 address is honoured up to [`MAX_AGE_DAYS`] days after (libsrs2's default).
//! - `HHHHHH` is HMAC-SHA256 under our secret over the tag and the other fields, lowercased (mailers that
//!   lowercase addresses must not break the check), truncated to 30 bits and written as six base-32
//!   characters, matched whatever their case. libsrs2 keeps 24 bits of HMAC-SHA1 in base 64, whose case
//!   matters: 30 bits mean about 2^29 RCPTs, each an SMTP command, to forge one address for one day.
//! - An address that would have a local part longer than RFC 5321 §4.5.3.1.1's 64 octets is not made: our own
//!   RCPT would refuse the bounce, and strict receivers the mail; nor one for a sender whose local part needs
//!   quoting. The sender then stays as it was.
//!
//! The null sender (bounces, RFC 5321 §4.5.5) and senders in our own domains are never rewritten: the caller
//! decides that, having the store.

use facteur_primitives::address::MAX_LOCAL_PART_LEN;
use ring::hmac;

/// Days an SRS0 address is honoured for (libsrs2's `maxage`).
pub const MAX_AGE_DAYS: i64 = 21;

/// Characters of the hash.
const HASH_LEN: usize = 6;
/// RFC 4648's base-32 alphabet, libsrs2's for the timestamp.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Timestamps are days modulo this (two base-32 characters).
const TIMESTAMP_SLOTS: i64 = 1024;

/// Signs and checks SRS addresses with the server's secret (kept in the data directory, never logged).
pub struct Srs {
    key: hmac::Key,
}

impl std::fmt::Debug for Srs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Srs").finish_non_exhaustive()
    }
}

/// Why an address at one of our domains that looks like SRS is not one we made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrsError {
    #[error("not an SRS address")]
    NotSrs,
    #[error("malformed SRS address")]
    Malformed,
    #[error("the SRS signature does not match")]
    BadSignature,
    #[error("the SRS address has expired")]
    Expired,
}

/// Whether `local` (a local part) is in SRS form: `SRS0` or `SRS1`, any case, then a separator.
pub fn is_srs(local: &str) -> bool {
    tag_of(local).is_some()
}

impl Srs {
    pub fn new(secret: &[u8]) -> Srs {
        Srs { key: hmac::Key::new(hmac::HMAC_SHA256, secret) }
    }

    /// The SRS address at `our_domain` standing for `sender` (`local@domain`) at unix time `now`; `None` when
    /// `sender` is not an address or the result would be too long.
    pub fn forward(&self, sender: &str, our_domain: &str, now: i64) -> Option<String> {
        let (local, domain) = sender.rsplit_once('@')?;
        // A local part that needs quoting (RFC 5321 §4.1.2) cannot ride unquoted inside another one.
        if local.is_empty() || domain.is_empty() || local.contains(['"', '@', ' ', '\\']) {
            return None;
        }
        let rewritten = match tag_of(local) {
            // Already SRS0 at another forwarder: bounces must go back there, to be checked there.
            Some(Tag::Srs0) => self.srs1(domain, &local[4..]),
            // SRS1 from another forwarder: keep the first forwarder's part, sign it again as ours.
            Some(Tag::Srs1) => {
                let (_, host, srs0_rest) = split_srs1(&local[5..])?;
                self.srs1(host, srs0_rest)
            }
            None => {
                let stamp = timestamp(now);
                let hash = self.hash(&["SRS0", &stamp, domain, local]);
                format!("SRS0={hash}={stamp}={domain}={local}")
            }
        };
        (rewritten.len() <= MAX_LOCAL_PART_LEN).then(|| format!("{rewritten}@{our_domain}"))
    }

    /// The address `local` (the local part of an SRS address at one of our domains) stands for, if we made
    /// it, unchanged since, and (SRS0) made at most [`MAX_AGE_DAYS`] days before `now`.
    pub fn reverse(&self, local: &str, now: i64) -> Result<String, SrsError> {
        match tag_of(local).ok_or(SrsError::NotSrs)? {
            Tag::Srs0 => {
                let mut fields = local[5..].splitn(4, '=');
                let (Some(hash), Some(stamp), Some(domain), Some(user)) =
                    (fields.next(), fields.next(), fields.next(), fields.next())
                else {
                    return Err(SrsError::Malformed);
                };
                if domain.is_empty() || user.is_empty() || stamp.len() != 2 {
                    return Err(SrsError::Malformed);
                }
                self.check(hash, &["SRS0", stamp, domain, user])?;
                let age = days_since(stamp, now).ok_or(SrsError::Malformed)?;
                if age > MAX_AGE_DAYS {
                    return Err(SrsError::Expired);
                }
                Ok(format!("{user}@{domain}"))
            }
            Tag::Srs1 => {
                let (hash, host, srs0_rest) = split_srs1(&local[5..]).ok_or(SrsError::Malformed)?;
                self.check(hash, &["SRS1", host, srs0_rest])?;
                Ok(format!("SRS0{srs0_rest}@{host}"))
            }
        }
    }

    /// SRS1 for the SRS0 address `SRS0{srs0_rest}@{host}` of another forwarder (`srs0_rest` starts with its
    /// separator).
    fn srs1(&self, host: &str, srs0_rest: &str) -> String {
        let hash = self.hash(&["SRS1", host, srs0_rest]);
        format!("SRS1={hash}={host}={srs0_rest}")
    }

    /// The truncated, base-32 HMAC of `fields`, lowercased and each ended by a NUL (no field holds one, so no
    /// two lists of fields sign alike).
    fn hash(&self, fields: &[&str]) -> String {
        let mut context = hmac::Context::with_key(&self.key);
        for field in fields {
            context.update(field.to_ascii_lowercase().as_bytes());
            context.update(&[0]);
        }
        let tag = context.sign();
        let bits = tag.as_ref().iter().take(4).fold(0u32, |bits, &byte| (bits << 8) | u32::from(byte));
        (0..HASH_LEN).map(|index| char::from(BASE32[((bits >> (27 - 5 * index)) & 31) as usize])).collect()
    }

    /// Compares in constant time, whatever the case the hash came back in.
    fn check(&self, hash: &str, fields: &[&str]) -> Result<(), SrsError> {
        let expected = self.hash(fields);
        let given = hash.to_ascii_uppercase();
        if given.len() != expected.len() {
            return Err(SrsError::BadSignature);
        }
        let difference = given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if difference == 0 { Ok(()) } else { Err(SrsError::BadSignature) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Srs0,
    Srs1,
}

/// `SRS0` or `SRS1` (any case) followed by one of libsrs2's separators.
fn tag_of(local: &str) -> Option<Tag> {
    let bytes = local.as_bytes();
    if bytes.len() < 5 || !bytes[..3].eq_ignore_ascii_case(b"SRS") || !matches!(bytes[4], b'=' | b'-' | b'+') {
        return None;
    }
    match bytes[3] {
        b'0' => Some(Tag::Srs0),
        b'1' => Some(Tag::Srs1),
        _ => None,
    }
}

/// `HASH=host=REST` (after `SRS1=`): the hash, the first forwarder's host, and the rest of its SRS0 local
/// part (from its separator on).
fn split_srs1(fields: &str) -> Option<(&str, &str, &str)> {
    let (hash, rest) = fields.split_once('=')?;
    let (host, _) = rest.split_once('=')?;
    let srs0_rest = &rest[host.len() + 1..];
    let well_formed = !hash.is_empty() && !host.is_empty() && srs0_rest.len() > 1;
    (well_formed && srs0_rest.starts_with(['=', '-', '+'])).then_some((hash, host, srs0_rest))
}

/// Today's timestamp: the day modulo [`TIMESTAMP_SLOTS`], two base-32 characters.
fn timestamp(now: i64) -> String {
    let day = now.div_euclid(86_400).rem_euclid(TIMESTAMP_SLOTS);
    [day >> 5, day & 31].iter().map(|&index| char::from(BASE32[index as usize])).collect()
}

/// Days from the timestamp `stamp` to `now`, counting round the 1024-day cycle; `None` for a bad stamp.
fn days_since(stamp: &str, now: i64) -> Option<i64> {
    let mut then = 0i64;
    for byte in stamp.bytes() {
        let index = BASE32.iter().position(|&c| c == byte.to_ascii_uppercase())?;
        then = (then << 5) | index as i64;
    }
    let today = now.div_euclid(86_400).rem_euclid(TIMESTAMP_SLOTS);
    Some((today - then).rem_euclid(TIMESTAMP_SLOTS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    /// 2027-01-15, some day.
    const NOW: i64 = 1_800_000_000;

    fn srs() -> Srs {
        Srs::new(b"a secret of thirty-two octets!!!")
    }

    fn local(address: &str) -> &str {
        address.rsplit_once('@').map_or(address, |(local, _)| local)
    }

    #[test]
    fn srs0_names_the_original_sender_and_comes_back_to_it() {
        let address = srs().forward("carol@remote.test", "example.test", NOW).unwrap();
        let (local_part, domain) = address.rsplit_once('@').unwrap();
        assert_eq!(domain, "example.test");
        let fields: Vec<&str> = local_part.split('=').collect();
        assert_eq!(fields.len(), 5, "{address}");
        assert_eq!((fields[0], fields[3], fields[4]), ("SRS0", "remote.test", "carol"));
        assert_eq!(fields[1].len(), HASH_LEN);
        assert!(fields[1].bytes().chain(fields[2].bytes()).all(|b| BASE32.contains(&b)), "{address}");
        assert_eq!(srs().reverse(local_part, NOW), Ok("carol@remote.test".to_owned()));
    }

    #[test]
    fn mailers_that_change_the_case_do_not_break_the_address() {
        let address = srs().forward("Carol.Smith@Remote.Test", "example.test", NOW).unwrap();
        assert_eq!(srs().reverse(&local(&address).to_ascii_lowercase(), NOW), Ok("carol.smith@remote.test".into()));
        assert_eq!(srs().reverse(local(&address), NOW), Ok("Carol.Smith@Remote.Test".into()));
    }

    #[test]
    fn an_address_expires_after_21_days_and_counts_round_the_cycle() {
        let address = srs().forward("carol@remote.test", "example.test", NOW).unwrap();
        let local = local(&address);
        assert!(srs().reverse(local, NOW + MAX_AGE_DAYS * DAY).is_ok());
        assert_eq!(srs().reverse(local, NOW + (MAX_AGE_DAYS + 1) * DAY), Err(SrsError::Expired));
        // A timestamp from the future (a clock ahead, or a guess) is as good as very old.
        assert_eq!(srs().reverse(local, NOW - DAY), Err(SrsError::Expired));
        // Across the 1024-day wrap: made on the cycle's last day, checked on the first days of the next.
        let last_day = (NOW.div_euclid(DAY) / 1024 * 1024 + 1023) * DAY;
        let made = srs().forward("carol@remote.test", "example.test", last_day).unwrap();
        assert!(srs().reverse(super::tests::local(&made), last_day + 5 * DAY).is_ok());
    }

    #[test]
    fn a_changed_field_or_another_key_fails_the_signature() {
        let address = srs().forward("carol@remote.test", "example.test", NOW).unwrap();
        let local = local(&address);
        for tampered in [
            local.replace("remote.test", "victim.test"),
            local.replace("=carol", "=mallory"),
            local.replacen(&local[5..7], "ZZ", 1),
        ] {
            assert_eq!(srs().reverse(&tampered, NOW), Err(SrsError::BadSignature), "{tampered}");
        }
        assert_eq!(Srs::new(b"another secret").reverse(local, NOW), Err(SrsError::BadSignature));
        let stamp_changed = {
            let mut fields: Vec<String> = local.split('=').map(str::to_owned).collect();
            fields[2] = if fields[2] == "AA" { "AB".into() } else { "AA".into() };
            fields.join("=")
        };
        assert_eq!(srs().reverse(&stamp_changed, NOW), Err(SrsError::BadSignature));
    }

    #[test]
    fn malformed_and_foreign_local_parts_are_refused() {
        assert_eq!(srs().reverse("carol", NOW), Err(SrsError::NotSrs));
        assert_eq!(srs().reverse("SRS2=x=y", NOW), Err(SrsError::NotSrs));
        for bad in ["SRS0=", "SRS0=abc", "SRS0=AAAAAA=AA=remote.test", "SRS0=AAAAAA=A=remote.test=carol", "SRS1=x=host"]
        {
            assert_eq!(srs().reverse(bad, NOW), Err(SrsError::Malformed), "{bad}");
        }
        assert!(is_srs("srs0=AAAAAA=AA=d=u") && is_srs("SRS1+x") && !is_srs("srs") && !is_srs("srsx=1"));
    }

    #[test]
    fn an_srs0_address_of_another_forwarder_becomes_srs1_and_goes_back_to_it() {
        let theirs = "SRS0=HHHH=TT=orig.test=user";
        let address = srs().forward(&format!("{theirs}@fwd.test"), "example.test", NOW).unwrap();
        assert!(address.starts_with("SRS1=") && address.contains("=fwd.test==HHHH=TT=orig.test=user@"), "{address}");
        assert_eq!(srs().reverse(local(&address), NOW), Ok(format!("{theirs}@fwd.test")));
        // Forwarded once more by a third: the first forwarder stays the one bounces go to.
        let srs1_elsewhere = address.replace("@example.test", "@fwd2.test");
        let again = srs().forward(&srs1_elsewhere, "example.test", NOW).unwrap();
        assert!(again.contains("=fwd.test==HHHH=TT=orig.test=user@example.test"), "{again}");
        assert_eq!(srs().reverse(local(&again), NOW), Ok(format!("{theirs}@fwd.test")));
        let tampered = local(&address).replace("fwd.test", "evil.test");
        assert_eq!(srs().reverse(&tampered, NOW), Err(SrsError::BadSignature));
    }

    #[test]
    fn an_address_too_long_for_a_local_part_is_not_made() {
        let long = format!("{}@remote.test", "x".repeat(48));
        assert_eq!(srs().forward(&long, "example.test", NOW), None);
        assert_eq!(srs().forward("not an address", "example.test", NOW), None);
        assert_eq!(srs().forward("\"a b\"@remote.test", "example.test", NOW), None, "a quoted local part");
    }
}
