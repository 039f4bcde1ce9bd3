//! Status responses, response codes (RFC 9051 §7.1) and continuation requests (§7.5).

use super::Out;
use crate::flag::PermanentFlag;
use crate::response::{ContinueRequest, ResponseCode, StatusKind, StatusResponse};
use crate::sequence::MessageSet;

impl Out<'_> {
    pub(super) fn status(&mut self, status: &StatusResponse) {
        match &status.tag {
            Some(tag) => self.str(tag.as_str()),
            None => self.raw(b"*"),
        }
        self.sp();
        self.raw(match status.kind {
            StatusKind::Ok => b"OK",
            StatusKind::No => b"NO",
            StatusKind::Bad => b"BAD",
            StatusKind::PreAuth => b"PREAUTH",
            StatusKind::Bye => b"BYE",
        });
        self.sp();
        if let Some(code) = &status.code {
            self.raw(b"[");
            self.response_code(code);
            self.raw(b"] ");
        }
        self.text(&status.text, status.code.is_none());
    }

    pub(super) fn continue_request(&mut self, cont: &ContinueRequest) {
        self.raw(b"+ ");
        match cont {
            ContinueRequest::Text(text) => self.text(text, true),
            ContinueRequest::Base64(b64) => self.str(b64),
        }
    }

    fn response_code(&mut self, code: &ResponseCode) {
        use ResponseCode as C;
        let simple: &str = match code {
            C::Alert => "ALERT",
            C::Parse => "PARSE",
            C::ReadOnly => "READ-ONLY",
            C::ReadWrite => "READ-WRITE",
            C::TryCreate => "TRYCREATE",
            C::UidNotSticky => "UIDNOTSTICKY",
            C::NoModSeq => "NOMODSEQ",
            C::Closed => "CLOSED",
            C::AlreadyExists => "ALREADYEXISTS",
            C::Nonexistent => "NONEXISTENT",
            C::TooBig => "TOOBIG",
            C::OverQuota => "OVERQUOTA",
            C::Cannot => "CANNOT",
            C::Limit => "LIMIT",
            C::InUse => "INUSE",
            C::ServerBug => "SERVERBUG",
            C::ClientBug => "CLIENTBUG",
            C::ExpungeIssued => "EXPUNGEISSUED",
            C::AuthenticationFailed => "AUTHENTICATIONFAILED",
            C::AuthorizationFailed => "AUTHORIZATIONFAILED",
            C::Expired => "EXPIRED",
            C::PrivacyRequired => "PRIVACYREQUIRED",
            C::ContactAdmin => "CONTACTADMIN",
            C::NoPerm => "NOPERM",
            C::Unavailable => "UNAVAILABLE",
            C::CompressionActive => "COMPRESSIONACTIVE",
            C::HasChildren => "HASCHILDREN",
            C::UnknownCte => "UNKNOWN-CTE",
            C::UseAttr => "USEATTR",
            _ => "",
        };
        if !simple.is_empty() {
            self.str(simple);
            return;
        }
        match code {
            C::BadCharset(charsets) => {
                self.raw(b"BADCHARSET");
                if !charsets.is_empty() {
                    self.sp();
                    self.list(charsets, |w, c| w.astring(c.as_bytes()));
                }
            }
            C::Capability(caps) => {
                self.raw(b"CAPABILITY");
                for cap in caps {
                    self.sp();
                    self.str(cap);
                }
            }
            C::PermanentFlags(flags) => {
                self.raw(b"PERMANENTFLAGS ");
                self.list(flags, |w, f| match f {
                    PermanentFlag::Flag(flag) => w.str(&flag.as_wire()),
                    PermanentFlag::AnyKeyword => w.raw(b"\\*"),
                });
            }
            C::UidNext(n) => self.labelled("UIDNEXT", n),
            C::UidValidity(n) => self.labelled("UIDVALIDITY", n),
            C::Unseen(n) => self.labelled("UNSEEN", n),
            C::HighestModSeq(n) => self.labelled("HIGHESTMODSEQ", n),
            C::AppendUid { uid_validity, uids } => {
                self.str(&format!("APPENDUID {uid_validity} {uids}"));
            }
            C::CopyUid { uid_validity, source, destination } => {
                self.str(&format!("COPYUID {uid_validity} {source} {destination}"))
            }
            C::Modified(set) => {
                self.raw(b"MODIFIED ");
                match set {
                    MessageSet::Seq(s) => self.num(s),
                    MessageSet::Uid(s) => self.num(s),
                }
            }
            C::Other(atom, text) => {
                self.str(atom);
                if let Some(text) = text {
                    self.sp();
                    for c in text.chars().filter(|&c| c != ']' && !c.is_control()) {
                        let c = self.text_char(c);
                        self.push_char(c);
                    }
                }
            }
            _ => {}
        }
    }

    fn labelled(&mut self, label: &str, n: impl std::fmt::Display) {
        self.str(label);
        self.sp();
        self.num(n);
    }
}
