//! COMPRESS=DEFLATE (RFC 4978): once the client asks, both directions are raw DEFLATE streams (RFC 1951, no
//! zlib header). Sans-IO: bytes in, bytes out; [`crate::io::Client`] puts it between the socket and the
//! command reader.
//!
//! Output is sync-flushed each time it is sent (RFC 4978 §6), so the client can decode every response
//! without waiting for more. Input is inflated in bounded steps: a small compressed input may expand a
//! thousandfold, and the command reader's limits can only act on what it has been given.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Most plain bytes one inflate step hands to the reader.
const INFLATE_STEP: usize = 64 * 1024;

/// The peer's DEFLATE stream is corrupt.
#[derive(Debug, thiserror::Error)]
#[error("invalid DEFLATE data from the client")]
pub struct CorruptStream;

/// The two DEFLATE streams of a compressed connection.
pub struct Deflate {
    deflater: Compress,
    inflater: Decompress,
    /// Compressed input not inflated yet.
    pending: Vec<u8>,
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate").field("pending", &self.pending.len()).finish_non_exhaustive()
    }
}

impl Default for Deflate {
    fn default() -> Self {
        Deflate {
            // Fast: responses are mostly small and the CPU is better spent elsewhere; RFC 4978 §4 leaves the
            // level to the implementation.
            deflater: Compress::new(Compression::fast(), false),
            inflater: Decompress::new(false),
            pending: Vec::new(),
        }
    }
}

impl Deflate {
    /// Compresses `plain` onto `wire`, ending with a sync flush.
    pub fn compress(&mut self, plain: &[u8], wire: &mut Vec<u8>) {
        let mut input = plain;
        loop {
            wire.reserve(input.len() / 2 + 64);
            let before = self.deflater.total_in();
            // Compressing into a Vec only fails on a stream error, which raw deflate of any bytes cannot hit.
            let _ = self.deflater.compress_vec(input, wire, FlushCompress::Sync);
            let consumed = usize::try_from(self.deflater.total_in() - before).unwrap_or(input.len());
            input = &input[consumed.min(input.len())..];
            // Done when everything is in and the flush left spare room (no output was held back).
            if input.is_empty() && wire.len() < wire.capacity() {
                return;
            }
        }
    }

    /// Adds compressed bytes from the socket.
    pub fn push(&mut self, compressed: &[u8]) {
        self.pending.extend_from_slice(compressed);
    }

    /// Inflates at most [`INFLATE_STEP`] plain bytes of what was pushed; empty when more input is needed.
    pub fn inflate(&mut self) -> Result<Vec<u8>, CorruptStream> {
        let mut plain = Vec::with_capacity(INFLATE_STEP);
        let before = self.inflater.total_in();
        let status = self.inflater.decompress_vec(&self.pending, &mut plain, FlushDecompress::Sync);
        let consumed = usize::try_from(self.inflater.total_in() - before).unwrap_or(self.pending.len());
        self.pending.drain(..consumed.min(self.pending.len()));
        match status {
            Ok(Status::Ok | Status::BufError) => Ok(plain),
            // A client that ends its stream has nothing more to say; later bytes are not DEFLATE.
            Ok(Status::StreamEnd) if self.pending.is_empty() => Ok(plain),
            Ok(Status::StreamEnd) | Err(_) => Err(CorruptStream),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_reads_what_the_other_wrote_after_every_flush() {
        let (mut server, mut client) = (Deflate::default(), Deflate::default());
        for text in [&b"* OK hello\r\n"[..], b"a1 OK done\r\n", &[b'x'; 200_000]] {
            let mut wire = Vec::new();
            server.compress(text, &mut wire);
            client.push(&wire);
            let mut plain = Vec::new();
            loop {
                let step = client.inflate().unwrap();
                if step.is_empty() {
                    break;
                }
                plain.extend(step);
            }
            assert_eq!(plain, text, "the sync flush must make every byte decodable");
        }
    }

    #[test]
    fn a_compression_bomb_is_inflated_in_bounded_steps() {
        let mut bomb = Vec::new();
        Deflate::default().compress(&vec![b'a'; 4 << 20], &mut bomb);
        assert!(bomb.len() < (4 << 20) / 50, "{} bytes", bomb.len());
        let mut server = Deflate::default();
        server.push(&bomb);
        let first = server.inflate().unwrap();
        assert_eq!(first.len(), INFLATE_STEP);
        assert_eq!(server.inflate().unwrap().len(), INFLATE_STEP, "the rest waits for the next step");
    }

    #[test]
    fn garbage_is_refused() {
        let mut server = Deflate::default();
        server.push(&[0xff; 64]);
        assert!(server.inflate().is_err());
    }
}
