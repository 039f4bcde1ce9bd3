//! FETCH responses: every item, ENVELOPE and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3516).

use super::Out;
use crate::fetch::{PartPath, Section, SectionText};
use crate::response::{Address, BodyExtension, BodyFields, BodyStructure, Envelope, FetchItem, SinglePartKind};
use crate::sequence::SeqNum;

impl Out<'_> {
    pub(super) fn fetch(&mut self, seq: SeqNum, items: &[FetchItem]) {
        self.str(&format!("{} FETCH ", seq.0));
        self.list(items, Self::fetch_item);
    }

    fn fetch_item(&mut self, item: &FetchItem) {
        match item {
            FetchItem::Flags(flags) => {
                self.raw(b"FLAGS ");
                self.list(flags, |w, f| w.str(&f.as_wire()));
            }
            FetchItem::InternalDate(date) => self.str(&format!("INTERNALDATE \"{date}\"")),
            FetchItem::Rfc822Size(n) => self.str(&format!("RFC822.SIZE {n}")),
            FetchItem::Envelope(env) => {
                self.raw(b"ENVELOPE ");
                self.envelope(env);
            }
            FetchItem::Body(body) => {
                self.raw(b"BODY ");
                self.body(body, false);
            }
            FetchItem::BodyStructure(body) => {
                self.raw(b"BODYSTRUCTURE ");
                self.body(body, true);
            }
            FetchItem::Uid(uid) => self.str(&format!("UID {}", uid.0)),
            FetchItem::ModSeq(n) => self.str(&format!("MODSEQ ({n})")),
            FetchItem::Rfc822(data) => self.labelled_nstring("RFC822 ", data),
            FetchItem::Rfc822Header(data) => self.labelled_nstring("RFC822.HEADER ", data),
            FetchItem::Rfc822Text(data) => self.labelled_nstring("RFC822.TEXT ", data),
            FetchItem::BodySection { section, origin, data } => {
                self.raw(b"BODY[");
                self.section(section);
                self.raw(b"]");
                self.origin(*origin);
                self.sp();
                self.content(data.as_deref(), false);
            }
            FetchItem::Binary { part, origin, data } => {
                self.str(&format!("BINARY[{}]", PartPath(part)));
                self.origin(*origin);
                self.sp();
                let binary = data.as_ref().is_some_and(|d| d.contains(&0));
                self.content(data.as_deref(), binary);
            }
            FetchItem::BinarySize { part, size } => {
                self.str(&format!("BINARY.SIZE[{}] {size}", PartPath(part)));
            }
        }
    }

    fn labelled_nstring(&mut self, label: &str, data: &Option<Vec<u8>>) {
        self.str(label);
        self.content(data.as_deref(), false);
    }

    /// Message content (RFC822*, BODY[...], BINARY[...]) always goes as a literal, even when short or empty: it is
    /// bytes, not a string, and clients (and imaptest's append-binary script, which expects `{0}` for an empty
    /// part) treat it so. `binary` sends literal8 (RFC 3516), needed when the data holds NUL.
    fn content(&mut self, data: Option<&[u8]>, binary: bool) {
        match data {
            Some(data) => self.literal(data, binary),
            None => self.nil(),
        }
    }

    fn origin(&mut self, origin: Option<u32>) {
        if let Some(o) = origin {
            self.str(&format!("<{o}>"));
        }
    }

    /// The section as the client asked for it, e.g. `1.2.HEADER.FIELDS (From To)`.
    fn section(&mut self, section: &Section) {
        self.str(&PartPath(&section.part).to_string());
        let Some(text) = &section.text else {
            return;
        };
        if !section.part.is_empty() {
            self.raw(b".");
        }
        let (name, fields) = match text {
            SectionText::Header => ("HEADER", None),
            SectionText::HeaderFields(f) => ("HEADER.FIELDS", Some(f)),
            SectionText::HeaderFieldsNot(f) => ("HEADER.FIELDS.NOT", Some(f)),
            SectionText::Text => ("TEXT", None),
            SectionText::Mime => ("MIME", None),
        };
        self.str(name);
        if let Some(fields) = fields {
            self.sp();
            self.list(fields, |w, f| w.astring(f.as_bytes()));
        }
    }

    fn envelope(&mut self, env: &Envelope) {
        self.raw(b"(");
        self.nstring(env.date.as_deref());
        self.sp();
        self.nstring(env.subject.as_deref());
        for addresses in [&env.from, &env.sender, &env.reply_to, &env.to, &env.cc, &env.bcc] {
            self.sp();
            self.addresses(addresses);
        }
        self.sp();
        self.nstring(env.in_reply_to.as_deref());
        self.sp();
        self.nstring(env.message_id.as_deref());
        self.raw(b")");
    }

    /// `(addr addr …)` without separating spaces (RFC 9051 §9 env-from etc.), or NIL.
    fn addresses(&mut self, addresses: &[Address]) {
        if addresses.is_empty() {
            self.nil();
            return;
        }
        self.raw(b"(");
        for a in addresses {
            self.raw(b"(");
            self.nstring(a.name.as_deref());
            self.sp();
            self.nstring(a.adl.as_deref());
            self.sp();
            self.nstring(a.mailbox.as_deref());
            self.sp();
            self.nstring(a.host.as_deref());
            self.raw(b")");
        }
        self.raw(b")");
    }

    /// BODY (`extended == false`) or BODYSTRUCTURE. Recursion follows the MIME tree, whose
    /// depth the message parser bounds.
    fn body(&mut self, body: &BodyStructure, extended: bool) {
        self.raw(b"(");
        match body {
            BodyStructure::Single { kind, fields, extension } => self.single_part(kind, fields, extension, extended),
            BodyStructure::Multipart { parts, subtype, params, extension } => {
                if parts.is_empty() {
                    self.raw(b"(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)");
                }
                for part in parts {
                    self.body(part, extended);
                }
                self.sp();
                self.string(subtype.as_bytes());
                if extended {
                    self.sp();
                    self.params(params);
                    self.extension_tail(extension);
                }
            }
        }
        self.raw(b")");
    }

    fn single_part(&mut self, kind: &SinglePartKind, fields: &BodyFields, extension: &BodyExtension, extended: bool) {
        let (media_type, subtype) = match kind {
            SinglePartKind::Basic { media_type, subtype } => (media_type.as_str(), subtype.as_str()),
            SinglePartKind::Text { subtype, .. } => ("TEXT", subtype.as_str()),
            SinglePartKind::Message { subtype, .. } => ("MESSAGE", subtype.as_str()),
        };
        self.string(media_type.as_bytes());
        self.sp();
        self.string(subtype.as_bytes());
        self.sp();
        self.body_fields(fields);
        match kind {
            SinglePartKind::Basic { .. } => {}
            SinglePartKind::Text { lines, .. } => self.str(&format!(" {lines}")),
            SinglePartKind::Message { envelope, body, lines, .. } => {
                self.sp();
                self.envelope(envelope);
                self.sp();
                self.body(body, extended);
                self.str(&format!(" {lines}"));
            }
        }
        if extended {
            self.sp();
            self.nstring(extension.md5.as_deref().map(str::as_bytes));
            self.extension_tail(extension);
        }
    }

    /// `params SP id SP description SP encoding SP size`.
    fn body_fields(&mut self, fields: &BodyFields) {
        self.params(&fields.params);
        self.sp();
        self.nstring(fields.id.as_deref());
        self.sp();
        self.nstring(fields.description.as_deref());
        self.sp();
        let encoding = if fields.encoding.is_empty() { "7BIT" } else { &fields.encoding };
        self.string(encoding.as_bytes());
        self.str(&format!(" {}", fields.size));
    }

    /// `SP disposition SP language SP location`, shared by leaf and multipart extensions.
    fn extension_tail(&mut self, ext: &BodyExtension) {
        self.sp();
        match &ext.disposition {
            Some(d) => {
                self.raw(b"(");
                self.string(d.kind.as_bytes());
                self.sp();
                self.params(&d.params);
                self.raw(b")");
            }
            None => self.nil(),
        }
        self.sp();
        self.nil_or_list(&ext.language, |w, l| w.string(l.as_bytes()));
        self.sp();
        self.nstring(ext.location.as_deref().map(str::as_bytes));
    }
}
