//! Message numbers and sequence sets (RFC 9051 §9 `sequence-set`), typed so that a UID can
//! never be used where a message sequence number is meant.

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::ops::RangeInclusive;

/// A message's unique identifier within its mailbox (RFC 9051 §2.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub NonZeroU32);

/// A message sequence number: its position in the selected mailbox (RFC 9051 §2.3.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeqNum(pub NonZeroU32);

/// What [`Uid`] and [`SeqNum`] share, so one set type serves both.
pub trait MessageNumber: Copy + Ord + fmt::Debug {
    /// Wraps a non-zero number.
    fn from_nonzero(n: NonZeroU32) -> Self;
    /// The number itself.
    fn get(self) -> u32;
    /// Wraps `n`, or `None` for zero.
    fn new(n: u32) -> Option<Self> {
        NonZeroU32::new(n).map(Self::from_nonzero)
    }
}

impl MessageNumber for Uid {
    fn from_nonzero(n: NonZeroU32) -> Self {
        Uid(n)
    }
    fn get(self) -> u32 {
        self.0.get()
    }
}

impl MessageNumber for SeqNum {
    fn from_nonzero(n: NonZeroU32) -> Self {
        SeqNum(n)
    }
    fn get(self) -> u32 {
        self.0.get()
    }
}

/// One end of a range: a number, or `*`, "the largest number in use" (RFC 9051 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqBound<K> {
    /// A concrete number.
    Value(K),
    /// `*`.
    Last,
}

/// `a:b` (in either order, RFC 9051 §9 says `4:2` means `2:4`) or a single bound (`a == b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange<K> {
    pub start: SeqBound<K>,
    pub end: SeqBound<K>,
}

/// A non-empty set of ranges, as the client wrote it.
#[derive(Clone, PartialEq, Eq)]
pub struct SeqSet<K> {
    ranges: Vec<SeqRange<K>>,
    _kind: PhantomData<K>,
}

impl<K: MessageNumber> SeqSet<K> {
    /// A set of the given ranges; `None` when empty (the grammar forbids empty sets).
    pub fn from_ranges(ranges: Vec<SeqRange<K>>) -> Option<Self> {
        if ranges.is_empty() {
            return None;
        }
        Some(SeqSet { ranges, _kind: PhantomData })
    }

    /// The set holding one number.
    pub fn single(n: K) -> Self {
        SeqSet { ranges: vec![SeqRange { start: SeqBound::Value(n), end: SeqBound::Value(n) }], _kind: PhantomData }
    }

    /// The compact set covering `numbers` (any order, duplicates allowed), for responses
    /// such as COPYUID, VANISHED and ESEARCH ALL. `None` when `numbers` is empty.
    pub fn from_numbers(numbers: impl IntoIterator<Item = K>) -> Option<Self> {
        let mut sorted: Vec<u32> = numbers.into_iter().map(K::get).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut ranges: Vec<SeqRange<K>> = Vec::new();
        let mut run: Option<(u32, u32)> = None;
        for n in sorted {
            run = match run {
                Some((a, b)) if b.checked_add(1) == Some(n) => Some((a, n)),
                Some((a, b)) => {
                    ranges.push(Self::concrete(a, b));
                    Some((n, n))
                }
                None => Some((n, n)),
            };
        }
        if let Some((a, b)) = run {
            ranges.push(Self::concrete(a, b));
        }
        Self::from_ranges(ranges)
    }

    fn concrete(a: u32, b: u32) -> SeqRange<K> {
        // from_numbers only sees numbers that came from K, so both are non-zero.
        let bound = |n: u32| K::new(n).map_or(SeqBound::Last, SeqBound::Value);
        SeqRange { start: bound(a), end: bound(b) }
    }

    /// The ranges as written.
    pub fn ranges(&self) -> &[SeqRange<K>] {
        &self.ranges
    }

    /// The set as sorted, merged inclusive ranges, with `*` meaning `largest`.
    /// RFC 9051 §6.4.8: in an empty mailbox (`largest == 0`) `*` matches nothing.
    pub fn resolve(&self, largest: u32) -> Vec<RangeInclusive<u32>> {
        let value = |b: SeqBound<K>| match b {
            SeqBound::Value(k) => Some(k.get()),
            SeqBound::Last => (largest > 0).then_some(largest),
        };
        let mut out: Vec<RangeInclusive<u32>> = self
            .ranges
            .iter()
            .filter_map(|r| {
                let (a, b) = (value(r.start)?, value(r.end)?);
                Some(a.min(b)..=a.max(b))
            })
            .collect();
        out.sort_by_key(|r| *r.start());
        let mut merged: Vec<RangeInclusive<u32>> = Vec::with_capacity(out.len());
        for r in out {
            match merged.last_mut() {
                Some(last) if *r.start() <= last.end().saturating_add(1) => {
                    let end = (*last.end()).max(*r.end());
                    *last = *last.start()..=end;
                }
                _ => merged.push(r),
            }
        }
        merged
    }

    /// Whether `n` is in the set, `*` meaning `largest`.
    pub fn contains(&self, n: K, largest: u32) -> bool {
        self.resolve(largest).iter().any(|r| r.contains(&n.get()))
    }
}

impl<K: MessageNumber> fmt::Display for SeqBound<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqBound::Value(k) => write!(f, "{}", k.get()),
            SeqBound::Last => f.write_str("*"),
        }
    }
}

impl<K: MessageNumber> fmt::Display for SeqSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.start == r.end {
                write!(f, "{}", r.start)?;
            } else {
                write!(f, "{}:{}", r.start, r.end)?;
            }
        }
        Ok(())
    }
}

impl<K: MessageNumber> fmt::Debug for SeqSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeqSet({self})")
    }
}

/// The messages a command addresses: sequence numbers, or UIDs for the `UID` forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageSet {
    Seq(SeqSet<SeqNum>),
    Uid(SeqSet<Uid>),
}
