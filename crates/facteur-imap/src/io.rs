//! The connection side of a session: bytes in to the command reader, typed responses out.
//!
//! Responses are serialised into a buffer that goes to the socket when it grows large (a long FETCH streams)
//! and when the reader has no further complete command: pipelined commands are answered in one segment, and
//! nothing waits for a timer (RFC 9051 §5.5 lets clients pipeline).

use std::collections::BTreeSet;

use facteur_imap_proto::{
    CommandReader, ContinueRequest, Data, FetchItem, Flag, NameEncoding, PermanentFlag, Response, ResponseCode,
    ResponseWriter, StatusResponse,
};
use std::time::Duration;

use tokio::time::Instant;

use facteur_net::{Connection, ConnectionError, Interrupted, ShutdownSignal};

use crate::compress::Deflate;

/// RFC 9051 §5.4: a logged-in client may stay silent this long before autologout.
pub const AUTOLOGOUT: Duration = Duration::from_secs(30 * 60);
/// The system flags, as FLAGS lists them (RFC 9051 §2.3.2).
pub const SYSTEM_FLAGS: [Flag; 5] = [Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];

/// Output beyond this many bytes is sent without waiting for the end of the command.
const SEND_THRESHOLD: usize = 64 * 1024;
/// Largest read from the socket at once.
const READ_CHUNK: usize = 8 * 1024;
/// Largest read during IDLE, when the client may only send DONE (RFC 2177 §3): ten thousand idling clients
/// then hold no 8 KiB read buffer each (bytes after DONE simply take a few more reads).
const IDLE_READ_CHUNK: usize = 64;

/// Why a session ends.
#[derive(Debug)]
pub enum Ending {
    /// The client logged out; the goodbye was sent.
    Logout,
    /// The connection failed or the peer went away (nothing more can be sent).
    Gone,
    /// Said goodbye for a reason of ours (errors, shutdown, timeout).
    Bye,
}

impl From<ConnectionError> for Ending {
    fn from(_: ConnectionError) -> Ending {
        Ending::Gone
    }
}

/// Extensions the client turned on with ENABLE (RFC 5161) or implicitly (RFC 7162 §3.1: a CONDSTORE
/// command enables CONDSTORE).
#[derive(Debug, Clone, Copy, Default)]
pub struct Enabled {
    pub rev2: bool,
    pub condstore: bool,
    pub qresync: bool,
    pub utf8: bool,
}

/// What a wait for input gave.
pub enum Input {
    /// More bytes are in the reader.
    Received,
    /// The peer closed the connection.
    Closed,
    /// The server is shutting down.
    Shutdown,
}

/// One client's connection, reader and writer.
pub struct Client {
    pub connection: Connection,
    pub reader: CommandReader,
    writer: ResponseWriter,
    out: Vec<u8>,
    pub enabled: Enabled,
    /// BAD answers so far.
    pub errors: u32,
    read_buffer: Vec<u8>,
    /// Keywords announced in the selected mailbox's FLAGS.
    keywords: BTreeSet<String>,
    /// COMPRESS=DEFLATE is on (RFC 4978), with the buffer compressed output goes through.
    deflate: Option<(Box<Deflate>, Vec<u8>)>,
}

impl Client {
    pub fn new(connection: Connection, reader: CommandReader) -> Client {
        Client {
            connection,
            reader,
            writer: ResponseWriter::default(),
            out: Vec::with_capacity(4096),
            enabled: Enabled::default(),
            errors: 0,
            read_buffer: vec![0; READ_CHUNK],
            keywords: BTreeSet::new(),
            deflate: None,
        }
    }

    pub fn is_compressed(&self) -> bool {
        self.deflate.is_some()
    }

    /// Turns COMPRESS=DEFLATE on: everything queued must have been flushed (the OK goes in clear), and
    /// `pipelined` is what the client sent after the COMPRESS command, already compressed.
    pub fn start_compression(&mut self, pipelined: &[u8]) {
        let mut deflate = Box::new(Deflate::default());
        deflate.push(pipelined);
        self.deflate = Some((deflate, Vec::new()));
    }

    /// Writes the queued output, through DEFLATE when it is on.
    async fn send_out(&mut self) -> Result<(), Ending> {
        match &mut self.deflate {
            Some((deflate, wire)) => {
                wire.clear();
                deflate.compress(&self.out, wire);
                self.connection.write_all(wire).await?;
            }
            None => self.connection.write_all(&self.out).await?,
        }
        self.out.clear();
        Ok(())
    }

    /// Queues one response.
    pub fn send(&mut self, response: &Response) {
        self.writer.write(response, &mut self.out);
    }

    pub fn data(&mut self, data: Data) {
        if let Data::Fetch { items, .. } = &data {
            self.announce_new_keywords(items);
        }
        self.send(&Response::Data(data));
    }

    /// The keywords of the selected mailbox the client was told about in FLAGS.
    pub fn set_known_keywords(&mut self, keywords: BTreeSet<String>) {
        self.keywords = keywords;
    }

    /// RFC 9051 §7.3.5: a keyword must be in the mailbox's FLAGS before a FETCH shows it, so a new one is
    /// announced with an updated FLAGS (and PERMANENTFLAGS) first.
    fn announce_new_keywords(&mut self, items: &[FetchItem]) {
        let mut new = false;
        for item in items {
            if let FetchItem::Flags(flags) = item {
                for flag in flags {
                    if let Flag::Keyword(keyword) = flag
                        && !self.keywords.contains(keyword)
                    {
                        self.keywords.insert(keyword.clone());
                        new = true;
                    }
                }
            }
        }
        if new {
            let mut flags: Vec<Flag> = SYSTEM_FLAGS.to_vec();
            flags.extend(self.keywords.iter().map(|k| Flag::Keyword(k.clone())));
            let mut permanent: Vec<PermanentFlag> = flags.iter().cloned().map(PermanentFlag::Flag).collect();
            permanent.push(PermanentFlag::AnyKeyword);
            self.send(&Response::Data(Data::Flags(flags)));
            self.untagged_ok(ResponseCode::PermanentFlags(permanent), "Flags permitted");
        }
    }

    pub fn status(&mut self, status: StatusResponse) {
        self.send(&Response::Status(status));
    }

    /// An untagged `* OK [code] text`.
    pub fn untagged_ok(&mut self, code: ResponseCode, text: &str) {
        self.status(StatusResponse::ok(None, text).with_code(code));
    }

    pub fn continue_request(&mut self, text: &str) {
        self.send(&Response::Continue(ContinueRequest::Text(text.to_owned())));
    }

    /// Sends queued output once there is a lot of it, so a large FETCH streams instead of piling up.
    pub async fn pump(&mut self) -> Result<(), Ending> {
        if self.out.len() >= SEND_THRESHOLD {
            self.send_out().await?;
        }
        Ok(())
    }

    /// Sends everything queued, now.
    pub async fn flush(&mut self) -> Result<(), Ending> {
        if !self.out.is_empty() {
            self.send_out().await?;
            // An idle session should not keep the buffer of its largest FETCH.
            if self.out.capacity() > 4 * SEND_THRESHOLD {
                self.out = Vec::with_capacity(4096);
            }
        }
        self.connection.flush().await?;
        Ok(())
    }

    /// Gives back the buffers a session waiting in IDLE does not need: the read buffer shrinks to
    /// [`IDLE_READ_CHUNK`] and the emptied output buffer to nothing (what an IDLE wake-up sends is small). At
    /// 10,000 IDLE sessions that is 120 MB (bench/imap_idle.sh). [`Client::end_idle`] restores them.
    pub fn start_idle(&mut self) {
        self.read_buffer = vec![0; IDLE_READ_CHUNK];
        self.release_output();
    }

    /// Drops the output buffer's memory if nothing is queued in it.
    pub fn release_output(&mut self) {
        if self.out.is_empty() {
            self.out = Vec::new();
        }
    }

    /// The buffers of a session running commands again, after IDLE.
    pub fn end_idle(&mut self) {
        self.read_buffer = vec![0; READ_CHUNK];
    }

    /// Waits for more bytes from the client until `deadline` (or shutdown) and hands them to the reader. The
    /// session sets the deadline for a whole command (see `Session::command_deadline`); a timeout says goodbye.
    pub async fn receive(&mut self, shutdown: &mut ShutdownSignal, deadline: Instant) -> Result<Input, Ending> {
        if self.inflate_pending()? {
            return Ok(Input::Received);
        }
        loop {
            let received = match self.connection.read_chunk_until(&mut self.read_buffer, deadline, shutdown).await {
                Ok(received) => received,
                Err(Interrupted::Closed) => return Ok(Input::Closed),
                Err(Interrupted::Shutdown) => return Ok(Input::Shutdown),
                Err(Interrupted::TimedOut) => return Err(self.goodbye("Autologout; idle for too long").await),
            };
            let Some((deflate, _)) = &mut self.deflate else {
                self.reader.push(&self.read_buffer[..received]);
                return Ok(Input::Received);
            };
            deflate.push(&self.read_buffer[..received]);
            // A partial DEFLATE block gives nothing to read yet.
            if self.inflate_pending()? {
                return Ok(Input::Received);
            }
        }
    }

    /// With COMPRESS on, hands the reader the next step of inflated input; whether there was any.
    fn inflate_pending(&mut self) -> Result<bool, Ending> {
        let Some((deflate, _)) = &mut self.deflate else { return Ok(false) };
        match deflate.inflate() {
            Ok(plain) if plain.is_empty() => Ok(false),
            Ok(plain) => {
                self.reader.push(&plain);
                Ok(true)
            }
            // Nothing sensible can be said in a stream the client cannot be trusted to decode.
            Err(_) => Err(Ending::Gone),
        }
    }

    /// Reads the next raw line (AUTHENTICATE responses) within `limit`. `None` when the client went away.
    pub async fn read_line(
        &mut self,
        shutdown: &mut ShutdownSignal,
        limit: Duration,
    ) -> Result<Option<Vec<u8>>, Ending> {
        let deadline = Instant::now() + limit;
        loop {
            match self.reader.next_line() {
                Ok(Some(line)) => return Ok(Some(line)),
                Ok(None) => {}
                Err(_) => return Ok(Some(Vec::new())),
            }
            self.flush().await?;
            match self.receive(shutdown, deadline).await? {
                Input::Received => {}
                Input::Closed => return Ok(None),
                Input::Shutdown => return Err(self.goodbye("Server shutting down").await),
            }
        }
    }

    /// Says `* BYE text` and ends the session.
    pub async fn goodbye(&mut self, text: &str) -> Ending {
        self.status(StatusResponse::bye(text));
        let _ = self.flush().await;
        Ending::Bye
    }

    /// RFC 7162 §3.1: the first CONDSTORE-enabling command in a selected mailbox also reports its
    /// HIGHESTMODSEQ, which the client did not get at SELECT time.
    pub fn enable_condstore(&mut self, highest: facteur_store::ModSeq) {
        if !self.enabled.condstore {
            self.enabled.condstore = true;
            self.untagged_ok(ResponseCode::HighestModSeq(highest.0), "CONDSTORE enabled");
        }
    }

    /// Names travel as UTF-8 from now on (IMAP4rev2 or UTF8=ACCEPT enabled).
    pub fn use_utf8_names(&mut self) {
        self.writer.set_name_encoding(NameEncoding::Utf8);
        self.reader.set_name_encoding(NameEncoding::Utf8);
    }
}
