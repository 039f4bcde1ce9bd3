//! The command line: what operators type. Keep it stable; scripts and tests depend on it (design brief §5).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "facteur",
    version,
    about = "Facteur: a complete mail server (SMTP, IMAP, POP3) in one binary",
    long_about = "Facteur: a complete mail server in one binary.\n\n\
        Start with `facteur serve`: on an empty data directory it sets up a quickstart server on loopback \
        (ports 10025, 10587, 10465, 10143, 10993, 10110, 10995, 10080, 10443) and prints how to log in. For a real domain, run \
        `facteur init --domain example.com --hostname mail.example.com` first."
)]
pub struct Cli {
    /// Directory holding facteur.toml, tls/, dkim/ and the store.
    #[arg(long, global = true, env = "FACTEUR_DATA_DIR", default_value = "./facteur-data", value_name = "DIR")]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a data directory: commented config, self-signed TLS certificate, DKIM key, store (or, with
    /// --store, a PostgreSQL store, joined if other nodes use it), first domain.
    Init(InitArgs),
    /// Run every listener in the foreground until SIGTERM or Ctrl-C. Initialises a quickstart setup if the data
    /// directory is empty.
    Serve(ServeArgs),
    /// Manage accounts (mailboxes with a password). Safe while the server runs.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage the domains this server receives mail for. Safe while the server runs.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Manage aliases: addresses that deliver to other addresses. Safe while the server runs.
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Inspect and act on the outbound queue (mail waiting to be delivered to other servers). Safe while the
    /// server runs: it picks changes up within a second.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Manage DKIM signing keys. Safe while the server runs: it signs with the new active key at once.
    #[command(subcommand)]
    Dkim(DkimCommand),
    /// Move the store elsewhere: `facteur store migrate --to postgres://…` copies the SQLite store into
    /// PostgreSQL, for several nodes on one database.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Print, in zone-file syntax, every DNS record DOMAIN needs: MX, SPF, DKIM, DMARC, SRV, MTA-STS, TLS-RPT,
    /// TLSA; with --check, look each one up and say which are right, missing or wrong.
    DnsRecords(DnsRecordsArgs),
    /// TLS reports (TLS-RPT, RFC 8460) to the domains we send mail to. The server sends each day's reports
    /// after midnight UTC by itself.
    #[command(subcommand)]
    TlsReport(TlsReportCommand),
    /// What happened to mail, from the delivery history ([log] history_days): each recipient accepted or
    /// refused here, and delivered, deferred or bounced onward, with the server that answered and its reply.
    Trace(TraceArgs),
    /// Why a message was judged spam or not, and teaching an account's classifier (`[spam]`).
    #[command(subcommand)]
    Spam(SpamCommand),
    /// Rebuild the full-text index ([store] full_text_index) of ACCOUNT's messages, or of every account's: each
    /// message is read again and its text indexed. Searches stay right meanwhile (they read what is not indexed
    /// yet). Safe while the server runs.
    Reindex(ReindexArgs),
    /// Delivery indicators over the last 24 hours and 7 days: delivered, deferred and bounced recipients and
    /// their rates, per destination domain and per sender, and the most common bounce reasons.
    Stats(StatsArgs),
    /// Copy mail into an account from Maildir folders, mbox files or another IMAP server, keeping folders,
    /// flags and dates. Run it again and it copies only what is not there yet. Safe while the server runs.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write an account's mail to Maildir folders or mbox files, with folders, flags and dates. Safe while
    /// the server runs.
    Export(ExportArgs),
    /// Copy a consistent snapshot of the data directory into DIR while the server runs: the store (accounts,
    /// mailboxes, messages, queue), DKIM keys, TLS and ACME files, the configuration.
    Backup(BackupArgs),
    /// Bring a backup made by `facteur backup` into the data directory, which must be empty or absent.
    Restore(RestoreArgs),
}

#[derive(Debug, Subcommand)]
pub enum SpamCommand {
    /// Show why a message (a file, as saved from a mail program or found in a Maildir) was judged so: the
    /// verdict recorded when it arrived (X-Spam-Status, X-Spam-Reasons: DNS lists and rspamd as they answered
    /// then), and the content checks, correspondents and classifier of ACCOUNT now. Changes nothing.
    Explain {
        /// The message file; `-` reads standard input.
        #[arg(value_name = "MESSAGE")]
        message: PathBuf,
        /// Judge it for this account too: its correspondents and its classifier.
        #[arg(long, value_name = "ADDRESS")]
        account: Option<String>,
    },
    /// Teach an account's classifier that messages are spam (`--spam`) or not (`--ham`), or make it forget them
    /// (`--forget`), as moving them into or out of Junk does. Each PATH is a message file or a directory of
    /// them (a Maildir's cur/ and new/ are read too).
    Train {
        #[arg(long, value_name = "ADDRESS")]
        account: String,
        #[arg(long, conflicts_with_all = ["ham", "forget"], required_unless_present_any = ["ham", "forget"])]
        spam: bool,
        #[arg(long, conflicts_with = "forget")]
        ham: bool,
        #[arg(long)]
        forget: bool,
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// A queue id (the number in "250 2.0.0 OK queued as N" and `facteur queue list`), or an address: mail
    /// from it or to it.
    #[arg(value_name = "QUEUE-ID|ADDRESS", required_unless_present = "domain")]
    pub target: Option<String>,
    /// Mail to this domain instead.
    #[arg(long, value_name = "DOMAIN", conflicts_with = "target")]
    pub domain: Option<String>,
    /// Only events this recent: a number of minutes, hours, days or weeks (30m, 12h, 1d, 2w). Default: the
    /// whole history.
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,
    /// The current time, in Unix seconds (tests).
    #[arg(long, hide = true)]
    pub now: Option<i64>,
}

#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// The account (its address); every account when absent.
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The current time, in Unix seconds (tests).
    #[arg(long, hide = true)]
    pub now: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy the SQLite store (domains, accounts, aliases, mailboxes, mail with its UIDs and MODSEQs, the queue,
    /// TLS caches) into an empty PostgreSQL database, verify the copy row by row and message by message, and
    /// point facteur.toml at the database. IMAP and JMAP clients go on without downloading anything again.
    /// Stop the server first. If interrupted, run it again: it resumes where it stopped. The SQLite files
    /// are kept, unused. DKIM keys and acme/ are shared through the database when the server first starts on it.
    Migrate(MigrateArgs),
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The PostgreSQL database to copy into, empty (or holding an interrupted run of this same migration):
    /// postgres://USER@HOST:PORT/DATABASE, no password in it. Add ?sslmode=require to insist on TLS.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The file whose first line is the database password (kept as [store] password_file).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// A PEM file of the private CA that signed the database server's TLS certificate (kept as [store]
    /// ca_file; the public CAs are always trusted).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A Maildir tree as mbsync or Dovecot writes it: the root's own messages (if any) go to INBOX, and
    /// folders are read in Maildir++ (`.Sub.Folder`) and nested (mbsync's `SubFolders Verbatim` or
    /// `Legacy`) layouts. Flags come from the file names (and `dovecot-keywords`), dates from the files'
    /// modification times.
    Maildir {
        /// The Maildir root (with cur/ and new/ for INBOX, or one directory per folder).
        path: PathBuf,
        #[command(flatten)]
        account: ImportAccount,
    },
    /// An mbox file (one folder, named after the file) or a directory of them (one folder per file,
    /// subdirectories or Thunderbird's `NAME.sbd` for subfolders), as Python's mailbox module or mutt write
    /// them. Flags come from `Status:` and `X-Status:`, keywords from `X-Keywords:` (Dovecot's, mutt's), dates
    /// from the `From ` lines.
    Mbox {
        /// An mbox file, or a directory of mbox files.
        path: PathBuf,
        #[command(flatten)]
        account: ImportAccount,
    },
    /// Every folder of an account on another IMAP server, with flags and arrival dates, over verified TLS.
    /// What was copied is remembered (per folder: UIDVALIDITY and the last UID, in DATA/import/), so that
    /// running it again copies only new messages.
    Imap(ImapImportArgs),
}

/// The account imported mail goes to.
#[derive(Debug, Args)]
pub struct ImportAccount {
    /// The Facteur account to copy the mail into, e.g. alice@example.com.
    #[arg(long, value_name = "ADDRESS")]
    pub account: String,
}

#[derive(Debug, Args)]
pub struct ImapImportArgs {
    /// The server to copy from: imaps://HOST[:PORT] (TLS from the first byte; port 993 by default) or
    /// imap://HOST[:PORT] (STARTTLS, required: the server must offer it, and TLS is up before the password
    /// is sent; port 143 by default).
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The user name to log in with on that server.
    #[arg(long, value_name = "USER")]
    pub user: String,
    /// A file whose first line is that user's password. Without it, the password is asked at the terminal
    /// (or read from the first line of standard input).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// A PEM file of the CA (or the self-signed certificate) of a server whose certificate the public CAs do
    /// not vouch for. The certificate is always verified.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub account: ImportAccount,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("format").required(true).args(["maildir", "mbox"])))]
pub struct ExportArgs {
    /// The account whose mail to write, e.g. alice@example.com.
    pub address: String,
    /// Write Maildir folders into DIR (created; it must be empty if it exists). Files get the flag letters
    /// mbsync and Dovecot read, keywords a `dovecot-keywords` file, and the arrival date as modification time.
    #[arg(long, value_name = "DIR")]
    pub maildir: Option<PathBuf>,
    /// Write one mbox file per folder into DIR (created; it must be empty if it exists), subfolders in
    /// `NAME.sbd` directories, flags in `Status:` and `X-Status:`, keywords in `X-Keywords:`, the arrival date
    /// in each `From ` line.
    #[arg(long, value_name = "DIR")]
    pub mbox: Option<PathBuf>,
    /// With --maildir: `verbatim` (one directory per level, INBOX in DIR/INBOX: mbsync's `SubFolders
    /// Verbatim`, Dovecot's `LAYOUT=fs`) or `maildir++` (INBOX in DIR itself, folders as DIR/.Sub.Folder:
    /// Dovecot's default).
    #[arg(long, value_enum, default_value = "verbatim", requires = "maildir")]
    pub layout: MaildirLayout,
}

/// How an exported Maildir tree is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MaildirLayout {
    Verbatim,
    #[value(name = "maildir++")]
    MaildirPlusPlus,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup: a directory that does not exist yet or is empty.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A directory written by `facteur backup`.
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum DkimCommand {
    /// List the keys of DOMAIN (default: every domain): selector, algorithm, and whether it signs (active) or
    /// only stays in DNS for mail already signed (published).
    List {
        /// Only this domain's keys.
        domain: Option<String>,
    },
    /// Make a new active key for DOMAIN (one per algorithm in use). The old one stops signing but must stay in
    /// DNS a few days, until `facteur dkim retire`; publish the new one before the old one goes.
    Rotate {
        /// A domain this server receives mail for.
        domain: String,
    },
    /// Forget a published (no longer active) key and delete its private key. Remove its DNS record too.
    Retire {
        /// The key's domain.
        domain: String,
        /// The key's selector, as `facteur dkim list` shows it.
        selector: String,
    },
}

#[derive(Debug, Args)]
pub struct DnsRecordsArgs {
    /// The mail domain, one this server receives mail for.
    pub domain: String,
    /// The server's public IPv4 address, for the A record hint. Default: the smtp listener's, if specific.
    #[arg(long, value_name = "IP")]
    pub ipv4: Option<std::net::Ipv4Addr>,
    /// The server's public IPv6 address, for the AAAA record hint. Default: the smtp listener's, if specific.
    #[arg(long, value_name = "IP")]
    pub ipv6: Option<std::net::Ipv6Addr>,
    /// Look every record up (with `[dns] nameservers`, or the system's resolver) and say, for each, whether it
    /// is right, missing or wrong and what to publish; also the reverse (PTR) of the known addresses. Exits 0
    /// when all are right, 1 otherwise.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// For the quickstart (an empty data directory) only: added to each standard port (N+25 smtp, N+143
    /// imap, N+443 https, …). An initialised data directory keeps the ports its facteur.toml names.
    #[arg(long, value_name = "N")]
    pub port_base: Option<u16>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The first mail domain, e.g. example.com (addresses will be user@example.com).
    #[arg(long)]
    pub domain: String,
    /// This server's host name (greeting, certificate). Default: mail.DOMAIN.
    #[arg(long)]
    pub hostname: Option<String>,
    /// Added to each standard port: N+25 smtp, N+587 submission, N+465 submissions, N+143 imap, N+993 imaps,
    /// N+110 pop3, N+995 pop3s, N+4190 managesieve, N+80 http, N+443 https.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port_base: u16,
    /// The IP address the listeners bind to (0.0.0.0 for every IPv4 interface, :: for IPv6 and IPv4).
    #[arg(long, default_value = "0.0.0.0", value_name = "IP")]
    pub bind_address: IpAddr,
    /// Leave [acme] off: no certificate is requested from Let's Encrypt (bring your own in tls/, or switch
    /// it on later in facteur.toml). Without it the host name and every domain's mta-sts., autoconfig. and
    /// autodiscover. names must point at this server.
    #[arg(long)]
    pub no_acme: bool,
    /// Keep accounts and mail in this PostgreSQL database instead of the embedded SQLite store:
    /// postgres://USER@HOST:PORT/DATABASE (no password in it). Creates the Facteur schema in an empty
    /// database; on one that already has it, this node joins the others (only its own files are created
    /// here: configuration, certificate, DKIM key, staging directory).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// With --store: the file whose first line is the database password (kept as [store] password_file).
    #[arg(long, value_name = "FILE", requires = "store")]
    pub store_password_file: Option<PathBuf>,
    /// With --store: a PEM file of the private CA that signed the database server's TLS certificate (kept as
    /// [store] ca_file; the public CAs are always trusted).
    #[arg(long, value_name = "FILE", requires = "store")]
    pub store_ca_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account with the default folders (INBOX, Drafts, Sent, Archive, Junk, Trash). Without
    /// --password-stdin a random password is generated and printed once.
    Add {
        /// The account's address, e.g. alice@example.com; its domain must have been added.
        address: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Mark the account as an administrator: it may use the admin page (https://HOST/admin).
        #[arg(long)]
        admin: bool,
    },
    /// Mark an account as an administrator (on) or not (off): administrators use the admin page
    /// (https://HOST/admin) for accounts, domains, aliases, the queue and the delivery indicators.
    Admin {
        /// The account's address, e.g. alice@example.com.
        address: String,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// List accounts with their storage use.
    List,
    /// Change an account's password (read from the first line of standard input).
    Passwd {
        /// The account's address, e.g. alice@example.com.
        address: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Delete an account and all its mail.
    Remove {
        /// The account's address, e.g. alice@example.com.
        address: String,
    },
    /// Limit an account's storage. Mail past the limit is refused (SMTP 552 5.2.2, IMAP [OVERQUOTA]); IMAP
    /// clients see it with GETQUOTAROOT.
    Quota {
        /// The account's address, e.g. alice@example.com.
        address: String,
        /// A size such as 500M, 1.5G or 2048 (bytes; K, M, G and T are powers of 1024), or "unlimited".
        limit: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Receive mail for a domain.
    Add {
        /// The domain, e.g. example.com.
        domain: String,
    },
    /// List the domains this server receives mail for.
    List,
    /// Stop receiving mail for a domain (refused while accounts or aliases use it).
    Remove {
        /// The domain, e.g. example.com.
        domain: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Deliver mail for ALIAS to each TARGET. ALIAS may be a catch-all, @example.com, which receives mail for
    /// every address of the domain that is not an account or another alias.
    Add {
        /// The alias address (info@example.com) or catch-all (@example.com).
        alias: String,
        /// Where its mail goes: accounts, other aliases, or addresses elsewhere.
        #[arg(required = true)]
        targets: Vec<String>,
    },
    /// List aliases and their targets.
    List,
    /// Remove an alias.
    Remove {
        /// The alias address or catch-all, as `facteur alias list` shows it.
        alias: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TlsReportCommand {
    /// Send now the reports of everything counted so far, today included, instead of waiting for midnight UTC.
    /// They go through the outbound queue, which the running server delivers.
    Send,
}

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// List queued messages: id, sender, each recipient with its status, next attempt and last reply; first the
    /// accounts whose outgoing mail is held, and why.
    List,
    /// Show one queued message in full, with its main header fields.
    Show {
        /// The queue id, as `facteur queue list` shows it.
        id: i64,
    },
    /// Try the pending recipients now instead of at their scheduled time.
    Retry(QueueTarget),
    /// Remove a message from the queue. Silent unless --bounce, which tells the sender it was not delivered.
    Delete {
        /// The queue id, as `facteur queue list` shows it.
        id: i64,
        /// Send the sender a delivery failure report (DSN) for the recipients not yet delivered.
        #[arg(long)]
        bounce: bool,
    },
    /// Keep messages in the queue without trying them (nor letting them expire) until released. With
    /// --account, all of an account's outgoing mail, queued and to come, as Facteur does by itself when an
    /// account's deliveries bounce or its volume leaps ([outbound] in facteur.toml).
    Hold(HoldTarget),
    /// Release held messages: their recipients are tried now. With --account, release an account's outgoing
    /// mail (held by the operator, or by Facteur: `facteur queue list` says why).
    Release(HoldTarget),
}

/// One queued message, all of them, or one account's outgoing mail.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct HoldTarget {
    /// The queue id, as `facteur queue list` shows it.
    pub id: Option<i64>,
    /// Every queued message.
    #[arg(long)]
    pub all: bool,
    /// A local account's address: all its outgoing mail, held as one.
    #[arg(long, value_name = "ADDRESS")]
    pub account: Option<String>,
}

/// One queued message, or all of them.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct QueueTarget {
    /// The queue id, as `facteur queue list` shows it.
    pub id: Option<i64>,
    /// Every queued message.
    #[arg(long)]
    pub all: bool,
}
