//! The commented `facteur.toml` that `facteur init` writes.
//!
//! Values come from a [`Config`], so the file always states the defaults the code actually uses; the tests check
//! that the file reads back to the same `Config` and that no setting is missing from it.

use std::fmt::Write as _;

use crate::model::{AcmeChallenge, Config, LETS_ENCRYPT_STAGING, ListenerConfig, TlsMode};

/// Renders `config` as a complete, commented configuration file.
pub fn render(config: &Config) -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    render_server(&mut out, config);
    render_store(&mut out, config);
    render_tls(&mut out, config);
    render_acme(&mut out, config);
    render_listeners(&mut out, config);
    render_limits(&mut out, config);
    render_auth(&mut out, config);
    render_smtp(&mut out, config);
    render_queue(&mut out, config);
    render_pop3(&mut out, config);
    render_sieve(&mut out, config);
    render_outbound(&mut out, config);
    render_dns(&mut out, config);
    render_relay(&mut out, config);
    render_http(&mut out, config);
    render_mail_auth(&mut out, config);
    render_spam(&mut out, config);
    render_log(&mut out, config);
    out
}

const HEADER: &str = "\
# Facteur configuration.
#
# Written by `facteur init`. Every setting is present with its default value; edit and restart `facteur serve`.
# Relative paths are relative to the data directory (the directory holding this file). Unknown keys are errors.
# Accounts, domains and aliases live in the store, not here: see `facteur account --help`.

";

/// TOML string literal (basic string, escaped).
pub(crate) fn quoted(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render_server(out: &mut String, config: &Config) {
    let _ = writeln!(
        out,
        "[server]\n\
         # The name of this server: SMTP greeting, EHLO, Received: headers, the TLS certificate. Clients and other\n\
         # servers reach it under this name, so publish it in DNS (`facteur dns-records` will list what to publish).\n\
         hostname = {}\n",
        quoted(&config.server.hostname)
    );
}

fn render_store(out: &mut String, config: &Config) {
    let backend = match config.store.backend {
        crate::model::StoreBackend::Sqlite => "sqlite",
        crate::model::StoreBackend::Postgres => "postgres",
    };
    let _ = writeln!(
        out,
        "[store]\n\
         # Where accounts, mailboxes and messages live. \"sqlite\": an embedded database plus one file per message.\n\
         # \"postgres\": a PostgreSQL database, messages included, that several Facteur nodes may share.\n\
         backend = {}\n\
         # Directory of the store; with PostgreSQL, this node's staging area for messages arriving in pieces.\n\
         path = {}\n\
         # PostgreSQL only: the database, as postgres://USER@HOST:PORT/DATABASE (add ?sslmode=require to insist on\n\
         # TLS), and a file holding its password on the first line, if it needs one. Never a password here.\n\
         # ca_file: a PEM file of the CA that signed the database server's certificate, if not a public one.\n\
         url = {}\n\
         password_file = {}\n\
         ca_file = {}\n\
         # A full-text index of every message's decoded text, so that searching a message's text (IMAP SEARCH\n\
         # BODY/TEXT, the webmail, JMAP) reads only the messages it names; rebuilt by `facteur reindex`. Off,\n\
         # searches read every message. SQLite only: PostgreSQL always keeps its index (pg_trgm).\n\
         full_text_index = {}\n",
        quoted(backend),
        quoted(&config.store.path.to_string_lossy()),
        quoted(&config.store.url),
        quoted(&config.store.password_file),
        quoted(&config.store.ca_file),
        config.store.full_text_index
    );
}

fn render_tls(out: &mut String, config: &Config) {
    let _ = writeln!(
        out,
        "[tls]\n\
         # PEM certificate chain and private key used by every listener. `facteur init` made a self-signed pair for\n\
         # the hostname; replace them with a certificate from a public CA (e.g. Let's Encrypt) for real clients.\n\
         # With [acme] on, the issued certificate takes over once it exists; this pair stays for the names it\n\
         # does not hold. SIGHUP reads every certificate file again.\n\
         certificate = {}\n\
         private_key = {}\n\
         # Further certificates, each served to clients that ask (SNI) for a name it holds:\n\
         # [[tls.sni]]\n\
         # certificate = \"tls/other-cert.pem\"\n\
         # private_key = \"tls/other-key.pem\"\n",
        quoted(&config.tls.certificate.to_string_lossy()),
        quoted(&config.tls.private_key.to_string_lossy())
    );
    for pair in &config.tls.sni {
        let _ = writeln!(
            out,
            "[[tls.sni]]\ncertificate = {}\nprivate_key = {}\n",
            quoted(&pair.certificate.to_string_lossy()),
            quoted(&pair.private_key.to_string_lossy())
        );
    }
}

fn render_acme(out: &mut String, config: &Config) {
    let acme = &config.acme;
    let challenge = match acme.challenge {
        AcmeChallenge::TlsAlpn01 => "tls-alpn-01",
        AcmeChallenge::Http01 => "http-01",
    };
    let names: Vec<String> = acme.names.iter().map(|name| quoted(name)).collect();
    let _ = writeln!(
        out,
        "[acme]\n\
         # Obtain and renew the certificate automatically from an ACME CA (RFC 8555). It is issued at start and\n\
         # renewed at two thirds of its lifetime, without a restart; until then, and whenever the CA cannot be\n\
         # reached, the listeners serve the certificate they have. The account key and certificate live in acme/.\n\
         # The names must point at this server in public DNS (`facteur dns-records DOMAIN --check`).\n\
         enabled = {}\n\
         # The CA's directory. Let's Encrypt's staging CA, for trying things out: {LETS_ENCRYPT_STAGING}\n\
         directory = {}\n\
         # Where the CA writes about the account (expiry, incidents).\n\
         contact = {}\n\
         # \"tls-alpn-01\" (RFC 8737: the CA connects to port 443, the https listener) or \"http-01\" (the CA\n\
         # connects to port 80, the plain http listener).\n\
         challenge = {}\n\
         # The certificate's names. Empty: the host name, plus mta-sts., autoconfig. and autodiscover. for each\n\
         # domain in the store (`facteur domain add` extends it).\n\
         names = [{}]\n\
         # A PEM file of CA certificates to trust for the directory's own HTTPS (private or test CAs); empty: none.\n\
         directory_ca_file = {}\n",
        acme.enabled,
        quoted(&acme.directory),
        quoted(&acme.contact),
        quoted(challenge),
        names.join(", "),
        quoted(&acme.directory_ca_file),
    );
}

fn render_listeners(out: &mut String, config: &Config) {
    out.push_str(
        "# Listeners. Each has a name (used in logs), a protocol, the addresses to bind and when TLS starts.\n\
         #   protocol: \"smtp\" (mail from other servers, MX), \"submission\" (mail from our users, AUTH required),\n\
         #             \"imap\", \"pop3\", \"managesieve\" (Sieve filters, RFC 5804),\n\
         #             \"http\" (client auto-configuration, MTA-STS policy)\n\
         #   bind:     socket addresses; \"[::]:25\" also accepts IPv4 on Linux; port 0 picks a free port\n\
         #   tls:      \"starttls\" (plain first, the client upgrades: STARTTLS or STLS)\n\
         #             \"implicit\" (TLS from the first byte, RFC 8314)\n\
         #             \"none\" (http only: plain HTTP, where mail clients look first)\n\
         # Remove a section to disable that listener.\n\n",
    );
    for (name, listener) in &config.listeners {
        render_listener(out, name, listener);
    }
}

fn render_listener(out: &mut String, name: &str, listener: &ListenerConfig) {
    let protocol = listener.protocol.as_str();
    let tls = match listener.tls {
        TlsMode::Starttls => "starttls",
        TlsMode::Implicit => "implicit",
        TlsMode::None => "none",
    };
    let bind: Vec<String> = listener.bind.iter().map(|address| quoted(&address.to_string())).collect();
    let _ =
        writeln!(out, "[listener.{name}]\nprotocol = \"{protocol}\"\nbind = [{}]\ntls = \"{tls}\"\n", bind.join(", "));
}

fn render_limits(out: &mut String, config: &Config) {
    let limits = &config.limits;
    let _ = writeln!(
        out,
        "[limits]\n\
         # Open connections over all listeners, and from one IP address; beyond them a client is refused politely.\n\
         max_connections = {}\n\
         max_connections_per_ip = {}\n\
         # Seconds an IMAP client may take to send a command before it logs in, and any client to read what we\n\
         # send. Other reads have their own limits: [smtp] command and data timeouts, [pop3] idle_timeout_secs,\n\
         # IMAP's 30-minute autologout once logged in.\n\
         idle_timeout_secs = {}\n\
         # Seconds a client has to complete a TLS handshake.\n\
         tls_handshake_timeout_secs = {}\n\
         # Seconds sessions get to finish their current command when the server stops (SIGTERM, Ctrl-C).\n\
         shutdown_grace_secs = {}\n",
        limits.max_connections,
        limits.max_connections_per_ip,
        limits.idle_timeout_secs,
        limits.tls_handshake_timeout_secs,
        limits.shutdown_grace_secs
    );
}

fn render_auth(out: &mut String, config: &Config) {
    let _ = writeln!(
        out,
        "[auth]\n\
         # Accept passwords on unencrypted connections. Leave false: passwords travel only inside TLS.\n\
         allow_plaintext = {}\n\
         # The fewest characters a password set with `facteur account add|passwd` may have (length is what makes\n\
         # a password hard to guess; no composition rules).\n\
         min_password_length = {}\n\
         # A client network (an IPv4 address, an IPv6 /64) with this many failed logins within 15 minutes, and\n\
         # no success between them, has its connections refused for ban_minutes on every listener; the log line\n\
         # \"client banned\" (target facteur::ban, field ip=) is there for fail2ban. 0 never bans. Guesses are\n\
         # slowed down before that in any case.\n\
         ban_after_failures = {}\n\
         ban_minutes = {}\n",
        config.auth.allow_plaintext,
        config.auth.min_password_length,
        config.auth.ban_after_failures,
        config.auth.ban_minutes
    );
}

fn render_smtp(out: &mut String, config: &Config) {
    let smtp = &config.smtp;
    let _ = writeln!(
        out,
        "[smtp]\n\
         # Largest message accepted, in bytes (announced to clients with SIZE).\n\
         max_message_size = {}\n\
         # Recipients of one message.\n\
         max_recipients = {}\n\
         # Bad commands in one session before it is closed.\n\
         max_errors = {}\n\
         # Seconds to wait for the next command, and for the next block of message data.\n\
         command_timeout_secs = {}\n\
         data_timeout_secs = {}\n",
        smtp.max_message_size, smtp.max_recipients, smtp.max_errors, smtp.command_timeout_secs, smtp.data_timeout_secs
    );
}

fn render_queue(out: &mut String, config: &Config) {
    let _ = writeln!(
        out,
        "[queue]\n\
         # Seconds an outgoing message is retried before the sender gets a bounce (5 days).\n\
         lifetime_secs = {}\n\
         # Seconds after which the sender is told that a message is delayed and still being retried.\n\
         delay_warning_secs = {}\n\
         # Retries after a temporary failure: first after this many seconds, each wait twice the last, up to\n\
         # retry_max_secs (5m, 10m, 20m ... then every 4h).\n\
         retry_first_secs = {}\n\
         retry_max_secs = {}\n\
         # Messages delivered at the same time, and connections to any one domain at the same time.\n\
         max_parallel = {}\n\
         max_per_domain = {}\n\
         # Seconds a node holds a message it is delivering (45 minutes, longer than any one attempt): with a\n\
         # store shared by several nodes, a message whose node died waits this long before another takes it.\n\
         lease_secs = {}\n",
        config.queue.lifetime_secs,
        config.queue.delay_warning_secs,
        config.queue.retry_first_secs,
        config.queue.retry_max_secs,
        config.queue.max_parallel,
        config.queue.max_per_domain,
        config.queue.lease_secs
    );
}

fn render_pop3(out: &mut String, config: &Config) {
    let pop3 = &config.pop3;
    let dele_action = match pop3.dele_action {
        crate::DeleAction::Expunge => "expunge",
        crate::DeleAction::Trash => "trash",
    };
    let _ = writeln!(
        out,
        "[pop3]\n\
         # What happens at QUIT to the messages a POP3 client deleted: \"expunge\" removes them for good (RFC 1939),\n\
         # \"trash\" moves them to the Trash mailbox, where IMAP can still recover them.\n\
         dele_action = \"{dele_action}\"\n\
         # Seconds a POP3 client may stay silent (RFC 1939 asks for at least 600).\n\
         idle_timeout_secs = {}\n\
         # Bad commands or failed logins in one session before it is closed.\n\
         max_errors = {}\n",
        pop3.idle_timeout_secs, pop3.max_errors
    );
}

fn render_sieve(out: &mut String, config: &Config) {
    let sieve = &config.sieve;
    let _ = writeln!(
        out,
        "[sieve]\n\
         # Sieve filters (RFC 5228), which users install over ManageSieve (the managesieve listener).\n\
         # Scripts one account may keep, and octets of one script (larger uploads are refused: QUOTA/MAXSIZE).\n\
         max_scripts = {}\n\
         max_script_bytes = {}\n\
         # Redirects one script may make per message (a script asking for more fails, and the message is kept).\n\
         max_redirects = {}\n",
        sieve.max_scripts, sieve.max_script_bytes, sieve.max_redirects
    );
}

fn render_outbound(out: &mut String, config: &Config) {
    let outbound = &config.outbound;
    let _ = writeln!(
        out,
        "[outbound]\n\
         # What one local account may send, against a stolen password turning it into a spam cannon. 0 turns\n\
         # a rule off. Counted in the store: nodes sharing one database share the counts.\n\
         # Messages and recipients per hour, over SMTP submission, JMAP and the webmail alike (SMTP answers\n\
         # 450 4.7.1 at MAIL FROM and 452 4.7.1 at RCPT; the client tries again later).\n\
         max_messages_per_hour = {}\n\
         max_recipients_per_hour = {}\n\
         # Hold an account's outgoing mail when more than hold_bounce_percent of its last hold_bounce_window\n\
         # remote deliveries bounced. Its mail stays queued, new messages too, until\n\
         # `facteur queue release --account ADDRESS`.\n\
         hold_bounce_percent = {}\n\
         hold_bounce_window = {}\n\
         # Hold it too when its last hour's messages are at least hold_volume_min_messages and more than\n\
         # hold_volume_factor times its hourly average of the past week.\n\
         hold_volume_factor = {}\n\
         hold_volume_min_messages = {}\n",
        outbound.max_messages_per_hour,
        outbound.max_recipients_per_hour,
        outbound.hold_bounce_percent,
        outbound.hold_bounce_window,
        outbound.hold_volume_factor,
        outbound.hold_volume_min_messages
    );
}

fn render_dns(out: &mut String, config: &Config) {
    let nameservers: Vec<String> = config.dns.nameservers.iter().map(|address| quoted(&address.to_string())).collect();
    let _ = writeln!(
        out,
        "[dns]\n\
         # Nameservers to ask instead of the system's /etc/resolv.conf, e.g. [\"127.0.0.1:5353\"]. Empty: the system's.\n\
         # Used for outgoing mail (MX and address lookups) and for checking incoming mail (SPF, DKIM, DMARC).\n\
         nameservers = [{}]\n",
        nameservers.join(", ")
    );
}

fn render_relay(out: &mut String, config: &Config) {
    let _ = writeln!(
        out,
        "[relay]\n\
         # The port outgoing mail connects to on the recipient domain's MX hosts: 25. Change it only for tests.\n\
         mx_port = {}\n\
         # A relay for all mail not routed below, instead of MX hosts, where port 25 is blocked: \"host:port\".\n\
         # Its TLS is required and its certificate verified (\"starttls\" on 587, \"implicit\" on 465); AUTH with\n\
         # smarthost_user and the password in smarthost_password_file (first line). smarthost_ca_file: a PEM\n\
         # file of extra CAs to trust. Empty values: no smarthost, no AUTH, public CAs only.\n\
         smarthost = {}\n\
         smarthost_tls = {}\n\
         smarthost_user = {}\n\
         smarthost_password_file = {}\n\
         smarthost_ca_file = {}\n\
         # Outbound TLS policy. Mail to a domain publishing MTA-STS in enforce mode (RFC 8461) goes only to the MX\n\
         # hosts its policy names, over TLS whose certificate verifies; TLSA records (DANE, RFC 7672) decide\n\
         # instead where DNSSEC vouches for them, which needs a validating resolver in [dns] (Facteur trusts\n\
         # its AD bit). Elsewhere TLS stays opportunistic. tls_ca_file: a PEM file of extra CAs to trust for\n\
         # MTA-STS (private networks). mta_sts_port: where policies are fetched, 443; change it only for tests.\n\
         # tls_report_from: the sender of our daily TLS-RPT reports (RFC 8460); empty: postmaster@hostname.\n\
         tls_ca_file = {}\n\
         mta_sts_port = {}\n\
         tls_report_from = {}\n",
        config.relay.mx_port,
        quoted(&config.relay.smarthost),
        quoted(match config.relay.smarthost_tls {
            crate::model::SmarthostTls::Starttls => "starttls",
            crate::model::SmarthostTls::Implicit => "implicit",
        }),
        quoted(&config.relay.smarthost_user),
        quoted(&config.relay.smarthost_password_file),
        quoted(&config.relay.smarthost_ca_file),
        quoted(&config.relay.tls_ca_file),
        config.relay.mta_sts_port,
        quoted(&config.relay.tls_report_from),
    );
    out.push_str(
        "[relay.routes]\n\
         # A fixed next hop per recipient domain instead of its MX records, like a transport map:\n\
         #   \"example.net\" = \"mx.example.net:25\"\n\
         # Mail for domains not listed goes to their MX hosts.\n",
    );
    for (domain, next_hop) in &config.relay.routes {
        let _ = writeln!(out, "{} = {}", quoted(domain), quoted(next_hop));
    }
    out.push('\n');
}

fn render_http(out: &mut String, config: &Config) {
    let http = &config.http;
    let metrics: Vec<String> = http.metrics_bind.iter().map(|address| quoted(&address.to_string())).collect();
    let _ = writeln!(
        out,
        "[http]\n\
         # The MTA-STS policy served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461): \"testing\" (senders\n\
         # report failures but deliver), \"enforce\" (senders require TLS to this host's MX), \"none\" (no policy).\n\
         mta_sts_mode = {}\n\
         # How long senders may cache the policy, in days.\n\
         mta_sts_max_age_days = {}\n\
         # Where /metrics (Prometheus) and /healthz are served, e.g. [\"127.0.0.1:9090\"]. Empty: not served.\n\
         metrics_bind = [{}]\n",
        quoted(&http.mta_sts_mode),
        http.mta_sts_max_age_days,
        metrics.join(", ")
    );
}

fn render_mail_auth(out: &mut String, config: &Config) {
    let auth = &config.mail_auth;
    let _ = writeln!(
        out,
        "[mail_auth]\n\
         # Check SPF, DKIM, DMARC and ARC on mail from other servers (the smtp listeners), record the results in an\n\
         # Authentication-Results: header and apply the actions below. Lookups use the [dns] nameservers.\n\
         verify_inbound = {}\n\
         # DKIM-sign mail our users submit, with the keys under dkim/ (`facteur dkim list`).\n\
         sign_outbound = {}\n\
         # What to do with mail failing a check: \"reject\" (550 at the end of DATA, nothing stored), \"junk\" (into\n\
         # the recipient's Junk mailbox) or \"deliver\" (into the inbox; the header still tells the truth).\n\
         # DMARC fails and the sender's domain asks for p=reject:\n\
         dmarc_reject = \"{}\"\n\
         # DMARC fails and the sender's domain asks for p=quarantine:\n\
         dmarc_quarantine = \"{}\"\n\
         # SPF fails (-all) and the sender's domain has no DMARC record (forwarding breaks SPF, hence not reject):\n\
         spf_fail_without_dmarc = \"{}\"\n\
         # Give domains added from now on an Ed25519 key too, signing with RSA and Ed25519 (RFC 8463).\n\
         ed25519_signature = {}\n\
         # Seconds the DNS checks of one message may take in all; beyond that the sender is told to retry (451).\n\
         check_timeout_secs = {}\n",
        auth.verify_inbound,
        auth.sign_outbound,
        auth.dmarc_reject.as_str(),
        auth.dmarc_quarantine.as_str(),
        auth.spf_fail_without_dmarc.as_str(),
        auth.ed25519_signature,
        auth.check_timeout_secs
    );
}

fn render_spam(out: &mut String, config: &Config) {
    let spam = &config.spam;
    let _ = writeln!(
        out,
        "[spam]\n\
         # Judge mail from other servers (the smtp listeners): the score is the sum of the reasons found (content\n\
         # checks, the DNS lists below, each recipient's own classifier), written in X-Spam-Status: and\n\
         # X-Spam-Reasons:. Mail from an address the recipient has written to, sent by its domain (DMARC), is\n\
         # never junked. `facteur spam explain` shows why a message was judged so.\n\
         enabled = {}\n\
         # Score from which mail goes to the recipient's Junk mailbox.\n\
         junk_score = {:?}\n\
         # Score from which mail is refused at the end of DATA (550 5.7.1, nothing stored); 0 never refuses.\n\
         reject_score = {:?}\n\
         # Score from which mail is accepted and dropped; 0 never drops (the sender believes it delivered).\n\
         discard_score = {:?}\n\
         # Each account's classifier, trained by its user: moving mail into Junk (spam) or out of it (not spam),\n\
         # and `facteur spam train`. It speaks once it has learnt 10 messages of each kind.\n\
         bayes = {}\n\
         # DNS lists (RFC 5782), none by default: most need registration. A zone, or a table naming what a\n\
         # listing adds to the score and which answers count, e.g.\n\
         #   dnsbl = [\"zen.spamhaus.org\", {{ zone = \"bl.example\", score = 20.0, codes = [\"127.0.0.2\"] }}]\n\
         # Blocklists of client addresses (a listing adds the junk score unless told otherwise):\n\
         dnsbl = {}\n\
         # Allowlists of client addresses (a listing takes the junk score off unless told otherwise):\n\
         dnswl = {}\n\
         # Lists of domains, asked about the domains a message links to, its HELO name and MAIL FROM domain:\n\
         uribl = {}\n\
         # Greylisting (RFC 6647): the first attempt of a client network, sender and recipient is answered 451; a\n\
         # retry after greylist_delay_secs (and within a day) passes, and the three pass at once for 36 days.\n\
         # Mail from someone the recipient writes to is never delayed. Off by default: it delays first mail.\n\
         greylisting = {}\n\
         greylist_delay_secs = {}\n\
         # A running rspamd (its normal worker, e.g. \"http://127.0.0.1:11333\"), asked about each message over\n\
         # its HTTP protocol; empty: not asked. If it does not answer in time, the built-in score applies alone.\n\
         rspamd = {}\n\
         # \"beside\": rspamd's score adds to the built-in one; \"replace\": rspamd's action decides in place of the\n\
         # built-in checks (each recipient's classifier and correspondents still count).\n\
         rspamd_mode = \"{}\"\n\
         rspamd_timeout_secs = {}\n\
         # rspamd's Password: header, if its worker asks for one.\n\
         rspamd_password = {}\n",
        spam.enabled,
        spam.junk_score,
        spam.reject_score,
        spam.discard_score,
        spam.bayes,
        dns_lists(&spam.dnsbl),
        dns_lists(&spam.dnswl),
        dns_lists(&spam.uribl),
        spam.greylisting,
        spam.greylist_delay_secs,
        quoted(&spam.rspamd),
        spam.rspamd_mode.as_str(),
        spam.rspamd_timeout_secs,
        quoted(&spam.rspamd_password),
    );
}

/// A TOML array of DNS lists: zones as strings, detailed ones as inline tables.
fn dns_lists(lists: &[crate::model::DnsListConfig]) -> String {
    let entries: Vec<String> = lists
        .iter()
        .map(|list| match list {
            crate::model::DnsListConfig::Zone(zone) => quoted(zone),
            crate::model::DnsListConfig::Detailed(details) => {
                let mut table = format!("{{ zone = {}", quoted(&details.zone));
                if let Some(score) = details.score {
                    let _ = write!(table, ", score = {score:?}");
                }
                let codes: Vec<String> = details.codes.iter().map(|code| quoted(&code.to_string())).collect();
                let _ = write!(table, ", codes = [{}] }}", codes.join(", "));
                table
            }
        })
        .collect();
    format!("[{}]", entries.join(", "))
}

fn render_log(out: &mut String, config: &Config) {
    let _ = writeln!(
        out,
        "[log]\n\
         # \"error\", \"warn\", \"info\", \"debug\", \"trace\", or a filter like \"info,facteur_store=debug\".\n\
         # Logs go to standard error. The RUST_LOG environment variable overrides this.\n\
         level = {}\n\
         # \"text\" (key=value fields) or \"json\" (one object per line, for log shippers). Each recipient of each\n\
         # message, in or out, is one line with target facteur::delivery and stable fields (direction, result,\n\
         # queue_id, from, to, remote_host, remote_ip, reply, tls, tls_verified, delay_secs).\n\
         format = {}\n\
         # Days those events are kept for `facteur trace` and `facteur stats`.\n\
         history_days = {}",
        quoted(&config.log.level),
        quoted(match config.log.format {
            crate::model::LogFormat::Text => "text",
            crate::model::LogFormat::Json => "json",
        }),
        config.log.history_days
    );
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::parse;

    fn standard() -> Config {
        Config::standard("mail.example.test", IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
    }

    #[test]
    fn rendered_file_reads_back_to_the_same_config() {
        for config in [
            standard(),
            Config::standard("localhost", IpAddr::V4(Ipv4Addr::LOCALHOST), 10000),
            Config::standard("mx.example.test", IpAddr::V6(Ipv6Addr::UNSPECIFIED), 20000),
        ] {
            let text = render(&config);
            assert_eq!(parse(&text).unwrap(), config, "{text}");
        }
    }

    #[test]
    fn routes_and_nameservers_read_back() {
        let mut config = standard();
        config.dns.nameservers = vec!["127.0.0.1:5353".parse().unwrap()];
        config.relay.routes.insert("example.net".to_owned(), "127.0.0.1:20025".to_owned());
        config.relay.routes.insert("b.test".to_owned(), "[::1]:25".to_owned());
        assert_eq!(parse(&render(&config)).unwrap(), config);
    }

    #[test]
    fn mail_auth_settings_read_back() {
        let mut config = standard();
        config.mail_auth.verify_inbound = false;
        config.mail_auth.dmarc_reject = crate::AuthFailAction::Junk;
        config.mail_auth.dmarc_quarantine = crate::AuthFailAction::Deliver;
        config.mail_auth.spf_fail_without_dmarc = crate::AuthFailAction::Reject;
        config.mail_auth.ed25519_signature = true;
        config.mail_auth.check_timeout_secs = 7;
        assert_eq!(parse(&render(&config)).unwrap(), config);
    }

    #[test]
    fn spam_settings_read_back() {
        let mut config = standard();
        config.spam.enabled = false;
        config.spam.junk_score = 6.5;
        config.spam.reject_score = 0.0;
        config.spam.discard_score = 50.0;
        config.spam.bayes = false;
        config.spam.dnsbl = vec![
            crate::DnsListConfig::Zone("zen.spamhaus.org".into()),
            crate::DnsListConfig::Detailed(crate::DnsListDetails {
                zone: "bl.example".into(),
                score: Some(20.0),
                codes: vec![std::net::Ipv4Addr::new(127, 0, 0, 2)],
            }),
        ];
        config.spam.dnswl = vec![crate::DnsListConfig::Zone("list.dnswl.org".into())];
        config.spam.greylisting = true;
        config.spam.greylist_delay_secs = 60;
        config.spam.rspamd = "http://127.0.0.1:11333".into();
        config.spam.rspamd_mode = crate::RspamdMode::Replace;
        config.spam.rspamd_timeout_secs = 2;
        config.spam.rspamd_password = "q\"uote".into();
        config.spam.uribl = vec![crate::DnsListConfig::Detailed(crate::DnsListDetails {
            zone: "multi.uribl.example".into(),
            score: None,
            codes: vec![],
        })];
        assert_eq!(parse(&render(&config)).unwrap(), config);
    }

    #[test]
    fn acme_and_sni_certificates_read_back() {
        let mut config = standard();
        config.acme.enabled = true;
        config.acme.contact = "mailto:postmaster@example.test".to_owned();
        config.acme.challenge = crate::AcmeChallenge::Http01;
        config.acme.names = vec!["mail.example.test".to_owned(), "mta-sts.example.test".to_owned()];
        config.acme.directory_ca_file = "pebble-ca.pem".to_owned();
        config.tls.sni = vec![crate::CertificatePair {
            certificate: "tls/other.pem".into(),
            private_key: "tls/other-key.pem".into(),
        }];
        assert_eq!(parse(&render(&config)).unwrap(), config);
    }

    #[test]
    fn acme_settings_are_checked() {
        let mut config = standard();
        config.acme.enabled = true;
        config.acme.directory = "http://ca.example/directory".to_owned();
        let error = parse(&render(&config)).unwrap_err().to_string();
        assert!(error.contains("acme.directory"), "{error}");
        let mut config = standard();
        config.acme.enabled = true;
        config.acme.names = vec!["*.example.test".to_owned()];
        let error = parse(&render(&config)).unwrap_err().to_string();
        assert!(error.contains("acme.names"), "{error}");
    }

    #[test]
    fn an_unknown_log_level_is_refused() {
        for bad in ["verbose", "info,facteur_store=loud"] {
            let mut config = standard();
            config.log.level = bad.to_owned();
            let error = parse(&render(&config)).unwrap_err().to_string();
            assert!(error.contains("log.level"), "{bad}: {error}");
        }
        let mut config = standard();
        config.log.level = "warn,facteur_store=debug".to_owned();
        assert_eq!(parse(&render(&config)).unwrap(), config);
    }

    #[test]
    fn a_zero_check_timeout_is_refused() {
        let mut config = standard();
        config.mail_auth.check_timeout_secs = 0;
        let error = parse(&render(&config)).unwrap_err().to_string();
        assert!(error.contains("mail_auth.check_timeout_secs"), "{error}");
    }

    #[test]
    fn a_route_without_a_port_is_refused() {
        let mut config = standard();
        config.relay.routes.insert("example.net".to_owned(), "mx.example.net".to_owned());
        let error = parse(&render(&config)).unwrap_err().to_string();
        assert!(error.contains("relay.routes"), "{error}");
    }

    #[test]
    fn rendered_file_escapes_strings() {
        let mut config = standard();
        config.acme.contact = "mailto:odd\"user\\@example.test".to_owned();
        assert_eq!(parse(&render(&config)).unwrap(), config);
    }

    /// Every key the `Config` type has must appear, uncommented, in the file: a setting added to the code but not
    /// to the template would be invisible to operators.
    #[test]
    fn every_setting_is_written_out() {
        let config = standard();
        let serialised = toml::to_string(&config).unwrap();
        let table: toml::Table = serialised.parse().unwrap();
        let rendered: toml::Table = render(&config).parse().unwrap();
        assert_eq!(key_paths(&table, ""), key_paths(&rendered, ""));
    }

    fn key_paths(table: &toml::Table, prefix: &str) -> BTreeSet<String> {
        let mut paths = BTreeSet::new();
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            if let toml::Value::Table(inner) = value {
                paths.extend(key_paths(inner, &format!("{path}.")));
            }
            paths.insert(path);
        }
        paths
    }

    #[test]
    fn standard_ports_follow_the_port_base() {
        let config = Config::standard("localhost", IpAddr::V4(Ipv4Addr::LOCALHOST), 20000);
        let ports: BTreeSet<u16> =
            config.listeners.values().flat_map(|listener| listener.bind.iter().map(|a| a.port())).collect();
        assert_eq!(ports, BTreeSet::from([20025, 20080, 20110, 20143, 20443, 20465, 20587, 20993, 20995, 24190]));
    }
}
