//! The quickstart: `facteur serve` on an empty data directory sets up a server a person can try at once, on
//! loopback only (nothing is exposed to the network until they run `facteur init` or edit the configuration), with a
//! first account whose random password is printed once.

use std::net::{IpAddr, Ipv4Addr};

use facteur_config::Config;

use crate::commands::init::{self, Setup};
use crate::data_dir::{DataDir, store_failure};
use crate::failure::Outcome;

const DOMAIN: &str = "example.test";
const HOSTNAME: &str = "localhost";
const FIRST_ACCOUNT: &str = "admin@example.test";
/// The quickstart's ports unless `serve --port-base` says otherwise: 10025, 10143, 10443…
pub const PORT_BASE: u16 = 10000;

/// The first account's credentials, to print once the listeners are up.
pub struct Quickstart {
    address: String,
    password: String,
}

/// Creates the quickstart data directory, its first account and the postmaster alias (RFC 5321 §4.5.1 requires
/// that postmaster reaches someone).
pub async fn create(data_dir: &DataDir, port_base: u16) -> Outcome<Quickstart> {
    let setup = Setup {
        domain: DOMAIN.to_owned(),
        hostname: HOSTNAME.to_owned(),
        hostname_from_domain: false,
        bind_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port_base,
        // On loopback, mail comes from local tools, often on a machine without DNS, where every check would
        // answer "try again later" (451). `facteur init` turns them on.
        verify_inbound: false,
        // A local trial: no CA can reach localhost.
        acme: false,
        store: None,
    };
    let (config, _) = init::create(data_dir, &setup).await?;
    let password = facteur_auth::generate_password();
    let stored = facteur_auth::StoredPassword::new(&password).map_err(anyhow::Error::from)?;
    let store = data_dir.open_store(&config).await?;
    let created = async {
        stored.create_account(store.as_ref(), FIRST_ACCOUNT).await?;
        // The person trying the server is its administrator: the admin page is theirs.
        store.set_admin(FIRST_ACCOUNT, true).await?;
        store.add_alias(&format!("postmaster@{DOMAIN}"), &[FIRST_ACCOUNT.to_owned()]).await
    }
    .await;
    let closed = store.close().await;
    created.map_err(store_failure)?;
    closed.map_err(store_failure)?;
    Ok(Quickstart { address: FIRST_ACCOUNT.to_owned(), password })
}

impl Quickstart {
    /// Tells the person at the terminal where the server is and how to log in.
    pub fn print(&self, data_dir: &DataDir, config: &Config) {
        let dir = data_dir.root().display();
        println!();
        println!("Facteur quickstart: a new server for {DOMAIN} in {dir}, listening on loopback only:");
        for (name, listener) in &config.listeners {
            for address in &listener.bind {
                let tls = match listener.tls {
                    facteur_config::TlsMode::Starttls => "STARTTLS",
                    facteur_config::TlsMode::Implicit => "TLS",
                    facteur_config::TlsMode::None => "plain text",
                };
                println!("  {name:<12} {address:<18} {} over {tls}", listener.protocol.as_str());
            }
        }
        println!("Log in with:");
        println!("  user name  {}", self.address);
        println!("  password   {}   (shown only now)", self.password);
        if let Some(url) = crate::http::webmail_url(config) {
            println!("Read and send mail in a browser at {url} (webmail, same user name and password).");
            println!("Manage accounts, the queue and deliveries at {url}admin ({} is an administrator).", self.address);
        }
        println!("The certificate is self-signed for {HOSTNAME}: your mail client will ask you to accept it.");
        println!("Add people with `facteur --data-dir {dir} account add NAME@{DOMAIN} --password-stdin`;");
        println!("for a real domain, start over with `facteur init --domain YOUR.DOMAIN --data-dir DIR`.");
        println!();
    }
}
