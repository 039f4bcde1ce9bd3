//! Copying a whole account from another IMAP server, as imapsync does: every folder LIST shows, each message
//! with its flags and INTERNALDATE, over TLS whose certificate is verified (implicit, or STARTTLS: reaching
//! the server and logging in is [`super::imap_connect`]'s).
//!
//! The client is `async-imap` (maintained for Delta Chat, with its own parser, imap-proto; already what our
//! tests use as an independent client) over our rustls with ring. Folders are only EXAMINEd and messages
//! fetched with `BODY.PEEK[]`, so the source is left as it was (RFC 9051 §6.3.3, §6.4.5).
//!
//! What a run copied is remembered per folder ([`CopyState`]): the next run fetches the UIDs above the last
//! one copied. Messages come in batches bounded in count and bytes (sizes asked first), so a large folder
//! never sits in memory whole; the state is written after each batch.
//!
//! Folders: the name is decoded from modified UTF-7 (RFC 3501 §5.1.3) and its levels joined with `/`; its
//! special-use attribute (RFC 6154), else its name, picks the account's folder for that role. `\All` and
//! `\Flagged` folders are views of other folders' messages (Gmail's "All Mail"), and are not copied.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use async_imap::types::{Fetch, Flag, NameAttribute};
use facteur_mailbox_formats::{Flags, SystemFlag};
use facteur_primitives::unix_now;
use facteur_store::SpecialUse;
use futures_util::TryStreamExt;
use rustls::ClientConfig;

use super::Totals;
use super::imap_connect::{CONNECT_TIMEOUT, Session, SourceServer};
use super::imap_state::CopyState;
use super::target::{Destination, Folder, ImportedMessage};
use crate::cli::ImapImportArgs;
use crate::data_dir::DataDir;
use crate::failure::{Failure, Outcome, usage};
use crate::password_input::MAX_PASSWORD_LEN;

/// Any one command, a batch of messages included: a server that says nothing for this long is given up on.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);
/// At most this many messages, and about this many bytes, per FETCH.
const BATCH_MESSAGES: usize = 200;
const BATCH_BYTES: u64 = 32 << 20;

/// A folder of the source, as LIST showed it.
#[derive(Debug)]
struct SourceFolder {
    /// The name as the server spells it, to EXAMINE it.
    wire_name: String,
    /// Our name for it: decoded, levels joined with `/`.
    name: String,
    role: Option<SpecialUse>,
}

pub(super) async fn import(data_dir: &DataDir, args: &ImapImportArgs, destination: &Destination) -> Outcome<Totals> {
    let server = SourceServer::parse(&args.from).map_err(|why| usage!("--from {:?}: {why}", args.from))?;
    let password = password(args)?;
    let tls = client_config(args.ca_file.as_deref())?;
    let mut session = server.log_in(&args.user, &password, tls).await?;
    // The state is per host and port, as earlier versions named it (imap:// and imaps:// differ in port).
    let source = format!("{}:{}", server.host, server.port);
    let mut state = CopyState::load(data_dir.root(), &source, &args.user, &args.account.account)
        .context("cannot read what earlier imports copied")?;
    let mut totals = Totals::default();
    for folder in list_folders(&mut session).await? {
        let mut target = destination.folder(&folder.name, folder.role).await?;
        copy_folder(&mut session, &folder, &mut target, &mut state).await?;
        totals.add(&target);
    }
    // The copy is done and recorded; a failed goodbye changes nothing.
    let _ = within(CONNECT_TIMEOUT, session.logout()).await;
    println!("what was copied is recorded in {}", state.path().display());
    Ok(totals)
}

/// The source account's password: the first line of --password-file, else asked at the terminal, else the
/// first line of standard input.
fn password(args: &ImapImportArgs) -> Outcome<String> {
    use std::io::IsTerminal;
    let line = match &args.password_file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|error| usage!("--password-file {}: {error}", path.display()))?;
            text.lines().next().unwrap_or_default().to_owned()
        }
        None if std::io::stdin().is_terminal() => rpassword::prompt_password(format!("Password of {}: ", args.user))
            .map_err(|error| usage!("cannot read the password: {error}"))?,
        None => crate::password_input::stdin_line()?,
    };
    if line.is_empty() || line.len() > MAX_PASSWORD_LEN {
        return Err(usage!("the password of {} must be 1 to {MAX_PASSWORD_LEN} bytes long", args.user));
    }
    Ok(line)
}

/// TLS that trusts the public CAs and those of `ca_file` (`facteur_net::trusted_roots`, the one reader).
fn client_config(ca_file: Option<&Path>) -> Outcome<Arc<ClientConfig>> {
    let roots = facteur_net::trusted_roots(ca_file).map_err(|error| usage!("--ca-file: {error}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS configuration")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The folders worth copying, as LIST "" "*" shows them.
async fn list_folders(session: &mut Session) -> Outcome<Vec<SourceFolder>> {
    let names: Vec<_> = within(COMMAND_TIMEOUT, async { session.list(Some(""), Some("*")).await?.try_collect().await })
        .await?
        .context("LIST")?;
    let mut folders = Vec::new();
    for name in names {
        let attributes = name.attributes();
        if attributes.iter().any(|a| matches!(a, NameAttribute::NoSelect)) || has(attributes, "\\NonExistent") {
            continue;
        }
        if attributes.iter().any(|a| matches!(a, NameAttribute::All | NameAttribute::Flagged)) {
            println!("{}: skipped, a view of other folders' messages (\\All or \\Flagged)", name.name());
            continue;
        }
        let decoded = facteur_imap_proto::mutf7::decode(name.name().as_bytes()).unwrap_or_else(|_| name.name().into());
        let ours = match name.delimiter() {
            Some(delimiter) if !delimiter.is_empty() && delimiter != "/" => decoded.replace(delimiter, "/"),
            _ => decoded,
        };
        folders.push(SourceFolder { wire_name: name.name().to_owned(), name: ours, role: role(attributes) });
    }
    Ok(folders)
}

fn has(attributes: &[NameAttribute<'_>], extension: &str) -> bool {
    attributes.iter().any(|a| matches!(a, NameAttribute::Extension(name) if name.eq_ignore_ascii_case(extension)))
}

/// The special-use role (RFC 6154 §2) LIST gave the folder.
fn role(attributes: &[NameAttribute<'_>]) -> Option<SpecialUse> {
    attributes.iter().find_map(|attribute| match attribute {
        NameAttribute::Archive => Some(SpecialUse::Archive),
        NameAttribute::Drafts => Some(SpecialUse::Drafts),
        NameAttribute::Junk => Some(SpecialUse::Junk),
        NameAttribute::Sent => Some(SpecialUse::Sent),
        NameAttribute::Trash => Some(SpecialUse::Trash),
        _ => None,
    })
}

/// Copies the folder's messages above the last UID copied, batch by batch, recording each batch.
async fn copy_folder(
    session: &mut Session,
    folder: &SourceFolder,
    target: &mut Folder<'_>,
    state: &mut CopyState,
) -> Outcome {
    let examined = within(COMMAND_TIMEOUT, session.examine(&folder.wire_name))
        .await?
        .with_context(|| format!("EXAMINE {:?}", folder.wire_name))?;
    let uidvalidity = examined.uid_validity.unwrap_or_default();
    let after = state.copied_up_to(&folder.name, uidvalidity);
    let new = match examined.exists {
        0 => Vec::new(),
        _ => uids_and_sizes_after(session, after).await?,
    };
    for batch in batches(&new) {
        let set = batch.iter().map(|(uid, _)| uid.to_string()).collect::<Vec<_>>().join(",");
        let mut fetched: Vec<Fetch> = within(COMMAND_TIMEOUT, async {
            session.uid_fetch(&set, "(UID FLAGS INTERNALDATE BODY.PEEK[])").await?.try_collect().await
        })
        .await?
        .with_context(|| format!("UID FETCH in {:?}", folder.wire_name))?;
        fetched.sort_by_key(|message| message.uid);
        for message in &fetched {
            if let Some(imported) = imported(message) {
                target.add(imported).await?;
            }
        }
        let last = batch.last().map_or(after, |(uid, _)| *uid);
        state.record(&folder.name, uidvalidity, last).context("cannot record what was copied")?;
    }
    if new.is_empty() {
        state.record(&folder.name, uidvalidity, after).context("cannot record what was copied")?;
    }
    Ok(())
}

/// The UIDs above `after`, with their sizes, ascending. (`N:*` also names the last message when every UID is
/// below N: RFC 9051 §6.4.8, hence the filter.)
async fn uids_and_sizes_after(session: &mut Session, after: u32) -> Outcome<Vec<(u32, u64)>> {
    let first = after.saturating_add(1);
    let listed: Vec<Fetch> = within(COMMAND_TIMEOUT, async {
        session.uid_fetch(format!("{first}:*"), "(UID RFC822.SIZE)").await?.try_collect().await
    })
    .await?
    .context("UID FETCH (UID RFC822.SIZE)")?;
    let mut uids: Vec<(u32, u64)> = listed
        .iter()
        .filter_map(|message| Some((message.uid?, u64::from(message.size.unwrap_or_default()))))
        .filter(|(uid, _)| *uid > after)
        .collect();
    uids.sort_unstable();
    uids.dedup_by_key(|(uid, _)| *uid);
    Ok(uids)
}

/// Consecutive batches of at most [`BATCH_MESSAGES`] messages and about [`BATCH_BYTES`] (a larger message
/// alone).
fn batches(uids: &[(u32, u64)]) -> Vec<&[(u32, u64)]> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (at, (_, size)) in uids.iter().enumerate() {
        if at > start && (at - start >= BATCH_MESSAGES || bytes + size > BATCH_BYTES) {
            batches.push(&uids[start..at]);
            (start, bytes) = (at, 0);
        }
        bytes += size;
    }
    if start < uids.len() {
        batches.push(&uids[start..]);
    }
    batches
}

/// The message as it is to be stored; `None` for a FETCH response without a body (an unsolicited flag
/// update).
fn imported(message: &Fetch) -> Option<ImportedMessage> {
    let content = message.body()?.to_vec();
    let internal_date = message.internal_date().map_or_else(unix_now, |date| date.timestamp());
    let mut flags = Flags::default();
    for flag in message.flags() {
        match flag {
            Flag::Seen => flags.system.insert(SystemFlag::Seen),
            Flag::Answered => flags.system.insert(SystemFlag::Answered),
            Flag::Flagged => flags.system.insert(SystemFlag::Flagged),
            Flag::Deleted => flags.system.insert(SystemFlag::Deleted),
            Flag::Draft => flags.system.insert(SystemFlag::Draft),
            // \Recent is the source's session state (RFC 9051 Appendix E), and a system flag we do not know is
            // not a keyword either.
            Flag::Recent | Flag::MayCreate => false,
            Flag::Custom(name) if name.starts_with('\\') => false,
            Flag::Custom(keyword) => flags.keywords.insert(keyword.into_owned()),
        };
    }
    Some(ImportedMessage { content, flags, internal_date })
}

/// `future`, or a failure once `limit` has passed.
pub(super) async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Outcome<T> {
    tokio::time::timeout(limit, future)
        .await
        .map_err(|_| Failure::Runtime(anyhow!("the server did not answer within {} s", limit.as_secs())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_bounded_in_count_and_bytes() {
        let small: Vec<(u32, u64)> = (1..=450).map(|uid| (uid, 1000)).collect();
        assert_eq!(batches(&small).iter().map(|b| b.len()).collect::<Vec<_>>(), [200, 200, 50]);
        let large = [(1, BATCH_BYTES + 1), (2, 10), (3, BATCH_BYTES)];
        assert_eq!(batches(&large).iter().map(|b| b.len()).collect::<Vec<_>>(), [1, 1, 1]);
        assert!(batches(&[]).is_empty());
    }
}
