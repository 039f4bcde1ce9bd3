//! Untagged data responses (RFC 9051 §7.2-7.4 and extensions).

use super::Out;
use crate::response::{Data, ESearchItem, ListExtendedItem, ListItem, NamespaceDescription, StatusValue, ThreadNode};
use crate::sequence::{MessageNumber, SeqNum, SeqSet};

impl Out<'_> {
    pub(super) fn data(&mut self, data: &Data) {
        self.raw(b"* ");
        match data {
            Data::Capability(caps) => self.words("CAPABILITY", caps),
            Data::Enabled(caps) => self.words("ENABLED", caps),
            Data::List(item) => self.list_item("LIST", item),
            Data::Lsub(item) => self.list_item("LSUB", item),
            Data::Status { mailbox, items } => {
                self.raw(b"STATUS ");
                self.mailbox(mailbox);
                self.sp();
                self.list(items, Self::status_value);
            }
            Data::Exists(n) => self.str(&format!("{n} EXISTS")),
            Data::Recent(n) => self.str(&format!("{n} RECENT")),
            Data::Expunge(n) => self.str(&format!("{} EXPUNGE", n.0)),
            Data::Vanished { earlier, uids } => {
                self.raw(b"VANISHED ");
                if *earlier {
                    self.raw(b"(EARLIER) ");
                }
                self.num(uids);
            }
            Data::Fetch { seq, items } => self.fetch(*seq, items),
            Data::Search { numbers, mod_seq } => self.numbers("SEARCH", numbers, *mod_seq),
            Data::Sort { numbers, mod_seq } => self.numbers("SORT", numbers, *mod_seq),
            Data::ESearch { tag, uid, items } => {
                self.raw(b"ESEARCH");
                if let Some(tag) = tag {
                    self.raw(b" (TAG ");
                    self.string(tag.as_str().as_bytes());
                    self.raw(b")");
                }
                if *uid {
                    self.raw(b" UID");
                }
                for item in items {
                    if matches!(item, ESearchItem::All(n) if n.iter().all(|&n| n == 0)) {
                        continue; // RFC 4731 §3.1: ALL is omitted when nothing matched.
                    }
                    self.sp();
                    self.esearch_item(item);
                }
            }
            Data::Thread(threads) => {
                self.raw(b"THREAD");
                if !threads.is_empty() {
                    self.sp();
                }
                for thread in threads {
                    self.thread(thread);
                }
            }
            Data::Flags(flags) => {
                self.raw(b"FLAGS ");
                self.list(flags, |w, f| w.str(&f.as_wire()));
            }
            Data::Id(fields) => {
                self.raw(b"ID ");
                match fields {
                    Some(fields) if !fields.is_empty() => self.list(fields, |w, (k, v)| {
                        w.string(k.as_bytes());
                        w.sp();
                        w.nstring(v.as_ref().map(String::as_bytes));
                    }),
                    _ => self.nil(),
                }
            }
            Data::Namespace { personal, other, shared } => {
                self.raw(b"NAMESPACE ");
                for (i, group) in [personal, other, shared].into_iter().enumerate() {
                    if i > 0 {
                        self.sp();
                    }
                    self.namespace_group(group);
                }
            }
            Data::Quota { root, resources } => {
                self.raw(b"QUOTA ");
                self.astring(root.as_bytes());
                self.sp();
                self.list(resources, |w, r| {
                    w.str(&format!("{} {} {}", r.name, r.usage, r.limit));
                });
            }
            Data::QuotaRoot { mailbox, roots } => {
                self.raw(b"QUOTAROOT ");
                self.mailbox(mailbox);
                for root in roots {
                    self.sp();
                    self.astring(root.as_bytes());
                }
            }
        }
    }

    fn words(&mut self, label: &str, words: &[String]) {
        self.str(label);
        for word in words {
            self.sp();
            self.str(word);
        }
    }

    fn numbers(&mut self, label: &str, numbers: &[u32], mod_seq: Option<u64>) {
        self.str(label);
        for n in numbers {
            self.sp();
            self.num(n);
        }
        if let Some(m) = mod_seq {
            self.str(&format!(" (MODSEQ {m})"));
        }
    }

    /// `LIST (attrs) delimiter mailbox [SP (extended items)]`.
    fn list_item(&mut self, label: &str, item: &ListItem) {
        self.str(label);
        self.sp();
        self.list(&item.attributes, |w, a| w.str(&a.as_wire()));
        self.sp();
        self.delimiter(item.delimiter);
        self.sp();
        self.mailbox(&item.mailbox);
        if !item.extended.is_empty() {
            self.sp();
            self.list(&item.extended, |w, ext| match ext {
                ListExtendedItem::ChildInfo(opts) => {
                    w.raw(b"\"CHILDINFO\" ");
                    w.list(opts, |w, o| w.string(o.as_bytes()));
                }
                ListExtendedItem::OldName(name) => {
                    w.raw(b"\"OLDNAME\" (");
                    w.mailbox(name);
                    w.raw(b")");
                }
            });
        }
    }

    fn delimiter(&mut self, delimiter: Option<char>) {
        match delimiter {
            Some(d) => {
                let mut buf = [0u8; 4];
                self.string(d.encode_utf8(&mut buf).as_bytes());
            }
            None => self.nil(),
        }
    }

    /// `nil / "(" 1*namespace-descr ")"` (RFC 9051 §9, RFC 2342 §5): descriptions follow each other with no
    /// space between them, unlike other lists.
    fn namespace_group(&mut self, group: &[NamespaceDescription]) {
        if group.is_empty() {
            self.nil();
            return;
        }
        self.raw(b"(");
        for ns in group {
            self.namespace(ns);
        }
        self.raw(b")");
    }

    fn namespace(&mut self, ns: &NamespaceDescription) {
        self.raw(b"(");
        let prefix = self.encoding.encode(&ns.prefix).into_owned();
        self.string(prefix.as_bytes());
        self.sp();
        self.delimiter(ns.delimiter);
        self.raw(b")");
    }

    fn status_value(&mut self, value: &StatusValue) {
        let (label, n) = match *value {
            StatusValue::Messages(n) => ("MESSAGES", u64::from(n)),
            StatusValue::Recent(n) => ("RECENT", u64::from(n)),
            StatusValue::UidNext(n) => ("UIDNEXT", u64::from(n)),
            StatusValue::UidValidity(n) => ("UIDVALIDITY", u64::from(n)),
            StatusValue::Unseen(n) => ("UNSEEN", u64::from(n)),
            StatusValue::Deleted(n) => ("DELETED", u64::from(n)),
            StatusValue::DeletedStorage(n) => ("DELETED-STORAGE", n),
            StatusValue::Size(n) => ("SIZE", n),
            StatusValue::HighestModSeq(n) => ("HIGHESTMODSEQ", n),
            StatusValue::AppendLimit(None) => {
                self.raw(b"APPENDLIMIT NIL");
                return;
            }
            StatusValue::AppendLimit(Some(n)) => ("APPENDLIMIT", n),
        };
        self.str(&format!("{label} {n}"));
    }

    fn esearch_item(&mut self, item: &ESearchItem) {
        match item {
            ESearchItem::Min(n) => self.str(&format!("MIN {n}")),
            ESearchItem::Max(n) => self.str(&format!("MAX {n}")),
            ESearchItem::Count(n) => self.str(&format!("COUNT {n}")),
            ESearchItem::ModSeq(n) => self.str(&format!("MODSEQ {n}")),
            ESearchItem::All(numbers) => {
                let set = SeqSet::from_numbers(numbers.iter().filter_map(|&n| SeqNum::new(n)));
                if let Some(set) = set {
                    self.raw(b"ALL ");
                    self.num(set);
                }
            }
        }
    }

    /// One thread, `(3 6 (4 23)(44 7 96))` (RFC 5256 §4), written without recursion so a
    /// long reply chain cannot exhaust the stack.
    fn thread(&mut self, root: &ThreadNode) {
        enum Step<'t> {
            Open,
            Close,
            /// A node; `true` when it continues its parent's chain (space before it).
            Node(&'t ThreadNode, bool),
        }
        let mut stack = vec![Step::Close, Step::Node(root, false), Step::Open];
        while let Some(step) = stack.pop() {
            let (node, chained) = match step {
                Step::Open => {
                    self.raw(b"(");
                    continue;
                }
                Step::Close => {
                    self.raw(b")");
                    continue;
                }
                Step::Node(node, chained) => (node, chained),
            };
            if chained {
                self.sp();
            }
            if let Some(n) = node.message {
                self.num(n);
            }
            match node.children.as_slice() {
                [] => {}
                [only] if node.message.is_some() => stack.push(Step::Node(only, true)),
                children => {
                    if node.message.is_some() {
                        self.sp();
                    }
                    for child in children.iter().rev() {
                        stack.extend([Step::Close, Step::Node(child, false), Step::Open]);
                    }
                }
            }
        }
    }
}
