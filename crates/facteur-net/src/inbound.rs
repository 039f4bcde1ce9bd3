//! The bytes received but not yet consumed by the session.

/// Bytes asked of the socket per read.
pub(crate) const READ_CHUNK: usize = 8 * 1024;

/// Above this, an emptied buffer gives its memory back: one long literal
/// should not pin its size for the rest of a long IMAP session.
const SHRINK_ABOVE: usize = 64 * 1024;

/// A growable window `bytes[start..end]` of unread input.
#[derive(Debug, Default)]
pub(crate) struct Inbound {
    bytes: Vec<u8>,
    start: usize,
    end: usize,
}

impl Inbound {
    pub(crate) fn buffered(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Index (relative to the unread bytes) of the first LF at or after `from`.
    pub(crate) fn find_lf(&self, from: usize) -> Option<usize> {
        let unread = self.buffered();
        unread.get(from..)?.iter().position(|&byte| byte == b'\n').map(|offset| from + offset)
    }

    /// Removes and returns the first `count` unread bytes.
    pub(crate) fn take(&mut self, count: usize) -> Vec<u8> {
        let count = count.min(self.len());
        let taken = self.buffered()[..count].to_vec();
        self.consume(count);
        taken
    }

    /// Copies as many unread bytes as fit into `destination`.
    pub(crate) fn copy_into(&mut self, destination: &mut [u8]) -> usize {
        let count = destination.len().min(self.len());
        destination[..count].copy_from_slice(&self.buffered()[..count]);
        self.consume(count);
        count
    }

    pub(crate) fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.bytes.len() > SHRINK_ABOVE {
                self.bytes = Vec::new();
            }
        }
    }

    /// Drops every unread byte, returning how many there were.
    pub(crate) fn discard_all(&mut self) -> usize {
        let discarded = self.len();
        self.consume(discarded);
        discarded
    }

    /// Space for the next read, at the end of the unread bytes.
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.bytes.len() < self.end + READ_CHUNK {
            self.bytes.resize(self.end + READ_CHUNK, 0);
        }
        &mut self.bytes[self.end..self.end + READ_CHUNK]
    }

    /// Marks `count` bytes of the space from [`Inbound::spare`] as received.
    pub(crate) fn commit(&mut self, count: usize) {
        self.end = (self.end + count).min(self.bytes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receive(inbound: &mut Inbound, data: &[u8]) {
        inbound.spare()[..data.len()].copy_from_slice(data);
        inbound.commit(data.len());
    }

    #[test]
    fn lines_are_found_across_receives() {
        let mut inbound = Inbound::default();
        receive(&mut inbound, b"AB");
        assert_eq!(inbound.find_lf(0), None);
        receive(&mut inbound, b"C\r\nD");
        assert_eq!(inbound.find_lf(2), Some(4));
        assert_eq!(inbound.take(5), b"ABC\r\n");
        assert_eq!(inbound.buffered(), b"D");
    }

    #[test]
    fn consumed_space_is_reused() {
        let mut inbound = Inbound::default();
        for _ in 0..100 {
            receive(&mut inbound, &[b'x'; 1000]);
            inbound.consume(1000);
        }
        assert!(inbound.bytes.len() <= READ_CHUNK);
    }

    #[test]
    fn discard_reports_the_count() {
        let mut inbound = Inbound::default();
        receive(&mut inbound, b"INJECTED\r\n");
        assert_eq!(inbound.discard_all(), 10);
        assert_eq!(inbound.len(), 0);
    }
}
