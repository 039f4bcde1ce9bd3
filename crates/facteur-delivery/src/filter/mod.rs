//! Sieve at local delivery (RFC 5228; issue 17): for each account with an active script, after sender
//! authentication and the spam decision, the script says where the account's copy goes (INBOX, folders,
//! nowhere) and what else happens (redirect, reject, vacation reply). `facteur-sieve` decides; this module
//! carries it out.
//!
//! Mail is never lost to a script: one that no longer compiles, fails at run time or runs past its step
//! budget files the message as if there were no script, and its owner gets one notice a day in their INBOX.
//! Follow-ups (redirects, replies, records) happen only once the copies are safe, since a failed delivery
//! must not count as seen (RFC 7352 §3) nor be answered.

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::sync::Arc;

use facteur_message::MessageSummary;
use facteur_sieve::{Action, Environment, IncludeLocation, Keep, Message, Outcome, TrackingKey, TrackingKind};
use facteur_store::special_folders::role_of_name;
use facteur_store::{AccountId, DeliveryTarget, MailboxId, SpecialUse, Store, StoreError, SystemFlags};

/// Each account's last compiled script.
mod compiled;
/// The limits scripts run under, and their compiled scripts.
mod filtering;
/// The steps that wait until the copies are stored.
mod follow_up;
/// Refusing in the SMTP dialogue what every recipient's script refuses (RFC 5429).
mod refusal;

pub use filtering::SieveFiltering;
pub(crate) use follow_up::{Delivered, carry_out_follow_ups};
pub use refusal::Refusal;
pub(crate) use refusal::refusal;
use tracing::{info, warn};

use crate::persist::Filing;

/// What the scripts of the accounts reached decided.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Copies of the message as received, any number per account (none for a discard).
    pub targets: Vec<DeliveryTarget>,
    /// Copies whose header a script edited (RFC 5293): their own content, their own targets.
    pub edited: Vec<EditedCopy>,
    /// What to do once the copies are stored.
    pub follow_ups: Vec<FollowUp>,
}

impl Plan {
    /// Adds another plan's copies and follow-ups (the plan of accounts that got another copy).
    pub fn absorb(&mut self, other: Plan) {
        self.targets.extend(other.targets);
        self.edited.extend(other.edited);
        self.follow_ups.extend(other.follow_ups);
    }
}

#[derive(Debug)]
pub(crate) struct EditedCopy {
    pub content: Vec<u8>,
    pub targets: Vec<DeliveryTarget>,
}

/// A step that waits until the account's copies are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FollowUp {
    Redirect {
        account: AccountId,
        owner: String,
        address: String,
    },
    /// `reject`, or `ereject` (`extended`), reported by message unless the whole message is refused in the
    /// dialogue ([`refusal`]).
    Reject {
        account: AccountId,
        owner: String,
        reason: String,
        extended: bool,
    },
    Vacation {
        account: AccountId,
        owner: String,
        reply: facteur_sieve::VacationReply,
        /// Its record (key, until), claimed in the store just before the reply goes: two deliveries from the
        /// same sender at once both find no record while their scripts run, and only the claim's winner
        /// answers (RFC 5230 §4.2).
        claim: Option<(String, i64)>,
    },
    Track {
        account: AccountId,
        key: String,
        until: i64,
    },
    ScriptFailed {
        account: AccountId,
        owner: String,
        script: String,
        error: String,
    },
}

impl FollowUp {
    pub fn account(&self) -> AccountId {
        match self {
            FollowUp::Redirect { account, .. }
            | FollowUp::Reject { account, .. }
            | FollowUp::Vacation { account, .. }
            | FollowUp::Track { account, .. }
            | FollowUp::ScriptFailed { account, .. } => *account,
        }
    }
}

/// The one message being delivered, as the scripts see it.
pub(crate) struct Delivery<'a> {
    /// The local copy: `Return-Path:`, our trace fields, the content.
    pub content: &'a Arc<[u8]>,
    pub summary: &'a [u8],
    /// The envelope sender ("" for the null path).
    pub return_path: &'a str,
    pub filing: Filing,
    pub now: i64,
}

/// Runs each account's active script, if any, and plans the copies and follow-ups. `recipient_of` gives the
/// envelope address that reached the account (for the script's `envelope :to`).
pub(crate) async fn plan(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    accounts: &[AccountId],
    recipient_of: impl Fn(AccountId) -> String,
    delivery: &Delivery<'_>,
) -> Result<Plan, StoreError> {
    let mut plan = Plan::default();
    for &account in accounts {
        let default = default_target(store.as_ref(), account, delivery.filing).await?;
        let Some((name, source)) = store.active_sieve_script(account).await? else {
            plan.targets.push(default);
            continue;
        };
        let Some(owner) = store.account(account).await? else { continue };
        let context = ScriptContext::new(account, &owner.address, delivery.now);
        let envelope =
            facteur_sieve::Envelope { from: delivery.return_path.to_owned(), to: recipient_of(account), auth: None };
        match run(store, filtering, source, context, delivery, envelope).await {
            Ok(outcome) => {
                info!(user = %owner.address, script = %name, actions = outcome.actions.len(),
                    keep = outcome.implicit_keep.is_some(), "sieve script ran");
                carry_out(store, account, &owner.address, outcome, delivery, default, &mut plan).await?;
            }
            Err(error) => {
                warn!(user = %owner.address, script = %name, %error, "sieve script failed; the message is kept");
                plan.targets.push(default);
                plan.follow_ups.push(FollowUp::ScriptFailed { account, owner: owner.address, script: name, error });
            }
        }
    }
    Ok(plan)
}

/// Where the account's copy goes without a script: INBOX, or its `\Junk` mailbox for spam (RFC 6154), with
/// the `$Junk` keyword in INBOX for an account that deleted it.
pub(crate) async fn default_target(
    store: &dyn Store,
    account: AccountId,
    filing: Filing,
) -> Result<DeliveryTarget, StoreError> {
    let mut target = DeliveryTarget::inbox(account);
    if filing == Filing::Junk {
        match store.mailbox_by_role(account, SpecialUse::Junk).await? {
            Some(junk) => target.mailbox = Some(junk.id),
            None => {
                warn!(account = account.0, "no Junk mailbox: junk delivered to INBOX with the $Junk keyword");
                target.keywords.insert(JUNK_KEYWORD.to_owned());
            }
        }
    }
    Ok(target)
}

/// The keyword mail clients use to mark junk (IANA IMAP keywords registry, RFC 5788).
const JUNK_KEYWORD: &str = "$Junk";

/// Compiles (unless the text is the one compiled last time) and evaluates on a blocking thread: both are CPU
/// work, and the script's questions to the store (`duplicate`, `include`) wait there, not on the async threads.
async fn run(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    source: String,
    context: ScriptContext,
    delivery: &Delivery<'_>,
    envelope: facteur_sieve::Envelope,
) -> Result<Outcome, String> {
    let (store, filtering) = (Arc::clone(store), Arc::clone(filtering));
    let (content, summary) = (Arc::clone(delivery.content), delivery.summary.to_vec());
    let runtime = tokio::runtime::Handle::current();
    let evaluated = tokio::task::spawn_blocking(move || {
        let script = filtering
            .script(context.account, &source)
            .map_err(|error| format!("line {}, column {}: {}", error.line, error.column, error.message))?;
        let summary = MessageSummary::from_bytes(&summary).ok();
        let message = match &summary {
            Some(summary) => Message::with_summary(&content, summary),
            None => Message::parse(&content),
        };
        let mut environment = StoreEnvironment { store, runtime, context };
        script.evaluate(&mut environment, &message, &envelope).map_err(|error| error.to_string())
    });
    evaluated.await.map_err(|error| format!("the script's task failed: {error}"))?
}

/// What a script may ask about its owner. Its folders and addresses are read from the store the first time
/// the script asks (`mailboxexists`, `vacation`), not before every run: most scripts never ask, and each read
/// is a round trip on the delivery's path.
struct ScriptContext {
    account: AccountId,
    now: i64,
    owner: String,
    folders: OnceCell<Folders>,
    addresses: OnceCell<Vec<String>>,
}

/// The owner's folder names (lower case) and the special-use roles among them.
#[derive(Default)]
struct Folders {
    names: BTreeSet<String>,
    roles: Vec<SpecialUse>,
}

impl ScriptContext {
    fn new(account: AccountId, owner: &str, now: i64) -> Self {
        ScriptContext { account, now, owner: owner.to_owned(), folders: OnceCell::new(), addresses: OnceCell::new() }
    }
}

struct StoreEnvironment {
    store: Arc<dyn Store>,
    runtime: tokio::runtime::Handle,
    context: ScriptContext,
}

impl Environment for StoreEnvironment {
    fn now(&self) -> i64 {
        self.context.now
    }

    /// A name IMAP would resolve counts: the special-folder table's spellings of a role the account has.
    fn mailbox_exists(&mut self, name: &str) -> bool {
        let name = name.strip_prefix("INBOX/").unwrap_or(name);
        let folders = self.context.folders.get_or_init(|| {
            // A list that cannot be read counts as empty: `mailboxexists` says no, and `fileinto` still files.
            let list = self.runtime.block_on(self.store.list_mailboxes(self.context.account)).unwrap_or_else(|error| {
                warn!(account = self.context.account.0, %error, "sieve: the folders could not be read");
                Vec::new()
            });
            let names = list.iter().map(|mailbox| mailbox.name.to_lowercase()).collect();
            Folders { names, roles: list.iter().filter_map(|mailbox| mailbox.special_use).collect() }
        });
        folders.names.contains(&name.to_lowercase())
            || role_of_name(name).is_some_and(|role| folders.roles.contains(&role))
    }

    fn is_tracked(&mut self, key: &TrackingKey) -> bool {
        let (store, account, now) = (&self.store, self.context.account, self.context.now);
        // A record that cannot be read counts as absent: a second reply is better than a lost message.
        self.runtime.block_on(store.sieve_tracked(account, &tracking_key(key), now)).unwrap_or(false)
    }

    fn include(&mut self, location: IncludeLocation, name: &str) -> Option<String> {
        match location {
            IncludeLocation::Personal => {
                self.runtime.block_on(self.store.sieve_script(self.context.account, name)).ok().flatten()
            }
            // No global scripts yet: an include of one is a run-time error (`:optional` skips it).
            IncludeLocation::Global => None,
        }
    }

    fn own_addresses(&self) -> Vec<String> {
        let context = &self.context;
        let addresses = context.addresses.get_or_init(|| {
            let mut addresses = vec![context.owner.clone()];
            // Identities that cannot be read leave the owner's address: a reply is then judged on it alone.
            let identities = self.runtime.block_on(self.store.identities(context.account)).unwrap_or_default();
            for identity in identities {
                if !addresses.iter().any(|known| known.eq_ignore_ascii_case(&identity.email)) {
                    addresses.push(identity.email);
                }
            }
            addresses
        });
        addresses.clone()
    }
}

/// How a record is spelled in the store: its kind, its handle and its value (RFC 7352 §3.1: records of
/// different handles never meet).
fn tracking_key(key: &TrackingKey) -> String {
    let kind = match key.kind {
        TrackingKind::Duplicate => "duplicate",
        TrackingKind::Vacation => "vacation",
    };
    format!("{kind}\u{0}{}\u{0}{}", key.handle, key.value.to_lowercase())
}

/// Turns the outcome into copies and follow-ups.
async fn carry_out(
    store: &Arc<dyn Store>,
    account: AccountId,
    owner: &str,
    outcome: Outcome,
    delivery: &Delivery<'_>,
    default: DeliveryTarget,
    plan: &mut Plan,
) -> Result<(), StoreError> {
    let mut targets = Vec::new();
    let keep = |flags: &[String]| with_flags(default.clone(), flags);
    for action in outcome.actions {
        match action {
            Action::Keep(Keep { flags }) => targets.push(keep(&flags)),
            Action::FileInto { mailbox, flags, create, .. } => {
                match folder(store.as_ref(), account, &mailbox, create).await? {
                    Folder::Inbox => targets.push(with_flags(DeliveryTarget::inbox(account), &flags)),
                    Folder::Mailbox(id) => {
                        let mut target = with_flags(DeliveryTarget::inbox(account), &flags);
                        target.mailbox = Some(id);
                        targets.push(target);
                    }
                    Folder::Missing => {
                        // RFC 5228 §4.1 lets this be an error; the message is kept rather than lost.
                        warn!(user = %owner, %mailbox, "sieve fileinto: no such mailbox; the message is kept");
                        targets.push(keep(&flags));
                    }
                }
            }
            Action::Redirect { address, copy } => {
                if let Some(why) = redirect_loop(delivery.content, owner, &address) {
                    // RFC 5228 §4.2 asks for loop control; without it the message would be lost, so it stays.
                    warn!(user = %owner, to = %address, why, "sieve redirect refused; the message is kept");
                    if !copy {
                        targets.push(keep(&[]));
                    }
                } else {
                    plan.follow_ups.push(FollowUp::Redirect { account, owner: owner.to_owned(), address });
                }
            }
            Action::Discard => info!(user = %owner, "sieve discarded the message"),
            Action::Reject { reason, extended } => {
                plan.follow_ups.push(FollowUp::Reject { account, owner: owner.to_owned(), reason, extended });
            }
            Action::Vacation(reply) => {
                plan.follow_ups.push(FollowUp::Vacation { account, owner: owner.to_owned(), reply, claim: None })
            }
        }
    }
    if let Some(Keep { flags }) = outcome.implicit_keep {
        targets.push(keep(&flags));
    }
    for tracking in outcome.tracking {
        let period = i64::try_from(tracking.period_secs).unwrap_or(i64::MAX);
        let until = delivery.now.saturating_add(period);
        let key = tracking_key(&tracking.key);
        let reply = plan.follow_ups.iter_mut().find_map(|follow_up| match follow_up {
            FollowUp::Vacation { account: owner, claim: claim @ None, .. } if *owner == account => Some(claim),
            _ => None,
        });
        match reply {
            Some(claim) if tracking.key.kind == TrackingKind::Vacation => *claim = Some((key, until)),
            _ => plan.follow_ups.push(FollowUp::Track { account, key, until }),
        }
    }
    let targets = distinct(targets);
    match outcome.edited_header {
        Some(header) if !targets.is_empty() => {
            let body_at = facteur_message::header_length(delivery.content);
            let mut content = header;
            content.extend_from_slice(&delivery.content[body_at..]);
            plan.edited.push(EditedCopy { content, targets });
        }
        _ => plan.targets.extend(targets),
    }
    Ok(())
}

/// Where a `fileinto` goes.
enum Folder {
    Inbox,
    Mailbox(MailboxId),
    Missing,
}

/// The mailbox `name` names for the account: by name, else by the special-folder table (as IMAP resolves
/// it), else created when the script asked (`:create`, RFC 5490 §3.2).
async fn folder(store: &dyn Store, account: AccountId, name: &str, create: bool) -> Result<Folder, StoreError> {
    let name = name.strip_prefix("INBOX/").unwrap_or(name);
    if name.eq_ignore_ascii_case("INBOX") {
        return Ok(Folder::Inbox);
    }
    if let Some(mailbox) = store.mailbox_by_name(account, name).await? {
        return Ok(Folder::Mailbox(mailbox.id));
    }
    if let Some(role) = role_of_name(name)
        && let Some(mailbox) = store.mailbox_by_role(account, role).await?
    {
        return Ok(Folder::Mailbox(mailbox.id));
    }
    if !create {
        return Ok(Folder::Missing);
    }
    match store.create_mailbox(account, name, None).await {
        Ok(id) => Ok(Folder::Mailbox(id)),
        Err(StoreError::InvalidMailboxName(..)) => Ok(Folder::Missing),
        Err(error) => Err(error),
    }
}

/// Redirected copies carry `Delivered-To:` (RFC 9228) naming each account that sent them on: a copy that
/// already names this owner has come round, and one that named too many accounts is in a loop it does not
/// see. `None` when the redirect may go.
fn redirect_loop(content: &[u8], owner: &str, to: &str) -> Option<&'static str> {
    let header = &content[..facteur_message::header_length(content)];
    let mut hops = 0;
    for field in facteur_message::header_fields(header) {
        if field.name_is(DELIVERED_TO) {
            hops += 1;
            let value = field.unfolded_value();
            let named = value.trim().trim_matches(['<', '>']);
            if named.eq_ignore_ascii_case(owner) || named.eq_ignore_ascii_case(to) {
                return Some("the message already went through this address");
            }
        }
    }
    (hops >= MAX_REDIRECT_HOPS).then_some("the message was redirected too many times")
}

/// The trace field of a redirect (RFC 9228).
pub(crate) const DELIVERED_TO: &str = "Delivered-To";

/// Redirects one message may go through, across accounts and servers that write `Delivered-To:`.
const MAX_REDIRECT_HOPS: usize = 8;

/// A target with the script's flags: system flags by name (RFC 5232 §3), the rest as keywords.
fn with_flags(mut target: DeliveryTarget, flags: &[String]) -> DeliveryTarget {
    for flag in flags {
        match SystemFlags::from_name(flag) {
            Some(system) => target.flags = target.flags.union(system),
            // `\Recent` and other backslashed names are not keywords; the store refuses malformed ones.
            None if flag.starts_with('\\') => {}
            None => {
                target.keywords.insert(flag.clone());
            }
        }
    }
    target
}

/// One copy per mailbox: a keep and a fileinto "INBOX" are one delivery (RFC 5228 §2.10.3), their flags
/// joined.
fn distinct(targets: Vec<DeliveryTarget>) -> Vec<DeliveryTarget> {
    let mut kept: Vec<DeliveryTarget> = Vec::new();
    for target in targets {
        match kept.iter_mut().find(|known| known.mailbox == target.mailbox) {
            Some(known) => {
                known.flags = known.flags.union(target.flags);
                known.keywords.extend(target.keywords);
            }
            None => kept.push(target),
        }
    }
    kept
}
