//! `facteur init`: a new data directory with a commented configuration, a self-signed certificate, the store,
//! the first domain and its DKIM key. `serve` uses the same steps for its quickstart.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use facteur_config::{CONFIG_FILE, Config, HIGHEST_STANDARD_PORT, StoreBackend};
use facteur_store::{PostgresStore, Store};

use crate::cli::InitArgs;
use crate::commands::dkim::{change_domain_keys, ensure_domain_keys};
use crate::data_dir::{Contents, DataDir, store_failure, sync_dir, write_synced};
use crate::failure::{Failure, Outcome, usage};
use crate::postgres_setup::PostgresSetup;
use crate::shared_files::SharedFiles;

/// What a new data directory is made for.
pub struct Setup {
    pub domain: String,
    pub hostname: String,
    /// The host name was made from the domain (`mail.DOMAIN`), so a bad one is the domain's fault.
    pub hostname_from_domain: bool,
    pub bind_address: IpAddr,
    pub port_base: u16,
    /// SPF/DKIM/DMARC checks on mail from other servers (`[mail_auth] verify_inbound`).
    pub verify_inbound: bool,
    /// Certificates from Let's Encrypt (`[acme] enabled`).
    pub acme: bool,
    /// A PostgreSQL store instead of the embedded one.
    pub store: Option<PostgresSetup>,
}

/// What `populate` found in the store.
pub enum StoreOutcome {
    /// An embedded store, or a PostgreSQL database without Facteur's schema: created.
    Created,
    /// A PostgreSQL database other nodes already use (at this schema version): joined.
    Joined { schema_version: i64, domain_added: bool },
}

pub async fn run(data_dir: &DataDir, args: &InitArgs) -> Outcome {
    let setup = Setup {
        domain: args.domain.to_lowercase(),
        hostname: args.hostname.clone().unwrap_or_else(|| format!("mail.{}", args.domain.to_lowercase())),
        hostname_from_domain: args.hostname.is_none(),
        bind_address: args.bind_address,
        port_base: args.port_base,
        verify_inbound: true,
        acme: !args.no_acme,
        store: args
            .store
            .clone()
            .map(|url| {
                PostgresSetup::new(url)
                    .password_file(args.store_password_file.as_deref(), "--store-password-file")?
                    .ca_file(args.store_ca_file.as_deref(), "--store-ca-file")
            })
            .transpose()?,
    };
    let (config, outcome) = create(data_dir, &setup).await?;
    let dir = data_dir.root().display();
    println!("Created the data directory {dir} for {} (host name {}):", setup.domain, setup.hostname);
    println!("  configuration  {dir}/{CONFIG_FILE} (every setting is there, commented)");
    if setup.acme {
        println!("  certificate    {dir}/tls/cert.pem, self-signed, until Let's Encrypt issues one into {dir}/acme/");
        println!("                 (the names `facteur dns-records {}` lists must point at this server)", setup.domain);
    } else {
        println!("  certificate    {dir}/tls/cert.pem, self-signed: replace it with a CA-issued one for real clients");
    }
    print_store(&dir.to_string(), &config, &outcome, &setup.domain);
    println!("Next:");
    println!("  facteur --data-dir {dir} account add alice@{} --password-stdin", setup.domain);
    println!("  facteur --data-dir {dir} serve");
    if let Some(url) = crate::http::webmail_url(&config) {
        println!("Then people read and send mail in a browser at {url} (the webmail; their mail password).");
    }
    Ok(())
}

fn print_store(dir: &str, config: &Config, outcome: &StoreOutcome, domain: &str) {
    let url = &config.store.url;
    match outcome {
        StoreOutcome::Created if url.is_empty() => println!("  store          {dir}/store"),
        StoreOutcome::Created => {
            println!("  store          {url}: Facteur's schema created (staging files in {dir}/store)")
        }
        StoreOutcome::Joined { schema_version, domain_added } => {
            println!("  store          {url}: joined the nodes already using it (schema version {schema_version});");
            let domain_was = if *domain_added { "added to its domains" } else { "already one of its domains" };
            println!("                 accounts, mail and the queue are shared; {domain} was {domain_was}");
        }
    }
    println!("  DKIM key       {dir}/dkim/{domain} (publish it: `facteur dns-records {domain}`)");
    if !url.is_empty() {
        println!("                 kept in the database too: every node signs with the same keys, and serves the");
        println!("                 same ACME certificate");
    }
}

/// Creates the data directory for `setup`. Refuses to touch an existing one. Everything is built in a sibling
/// temporary directory and renamed into place at the end, so a failure halfway leaves nothing behind.
pub async fn create(data_dir: &DataDir, setup: &Setup) -> Outcome<(Config, StoreOutcome)> {
    match data_dir.contents()? {
        Contents::Nothing => {}
        Contents::Initialised => {
            return Err(usage!("{} is already initialised; refusing to overwrite it", data_dir.root().display()));
        }
        Contents::Foreign => {
            return Err(usage!("{} is not empty; refusing to initialise it", data_dir.root().display()));
        }
    }
    if setup.port_base > u16::MAX - HIGHEST_STANDARD_PORT {
        return Err(usage!("--port-base {} is too high: the highest port would be above 65535", setup.port_base));
    }
    let mut config = Config::standard(&setup.hostname, setup.bind_address, setup.port_base);
    config.mail_auth.verify_inbound = setup.verify_inbound;
    config.acme.enabled = setup.acme;
    config.acme.contact = format!("mailto:postmaster@{}", setup.domain);
    if let Some(store) = &setup.store {
        store.apply(&mut config.store);
    }
    let text = facteur_config::template::render(&config);
    // Reading the text back runs every check the server will run (host name syntax, listeners, store URL).
    facteur_config::parse(&text).map_err(|error| match (&setup.store, setup.hostname_from_domain) {
        (Some(_), _) if error.to_string().contains("store.") => usage!("--store: {error}"),
        (_, true) => {
            usage!("--domain {:?}: the host name made from it, {}, is not valid: {error}", setup.domain, setup.hostname)
        }
        (_, false) => usage!("--hostname: {error}"),
    })?;

    let root = data_dir.root();
    let parent = root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".facteur-init-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a temporary directory in {}", parent.display()))?;
    let staged = DataDir::new(staging.path().to_owned());
    let outcome = populate(&staged, &config, &text, setup).await?;
    let staging = staging.keep();
    if let Err(error) = std::fs::rename(&staging, root) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Failure::Runtime(
            anyhow::Error::new(error).context(format!("cannot move the new data directory to {}", root.display())),
        ));
    }
    sync_dir(parent)?;
    Ok((config, outcome))
}

async fn populate(dir: &DataDir, config: &Config, text: &str, setup: &Setup) -> Outcome<StoreOutcome> {
    restrict_permissions(dir.root())?;
    write_synced(&dir.config_path(), text.as_bytes())?;
    let tls_dir = dir.resolve(Path::new("tls"));
    std::fs::create_dir_all(&tls_dir).context("cannot create tls/")?;
    facteur_net::tls::generate_self_signed(
        &setup.hostname,
        &dir.resolve(&config.tls.certificate),
        &dir.resolve(&config.tls.private_key),
    )
    .context("cannot generate the self-signed certificate")?;
    let dkim_dir = dir.resolve(Path::new("dkim"));
    std::fs::create_dir_all(&dkim_dir).context("cannot create dkim/")?;
    restrict_permissions(&dkim_dir)?;
    let schema_version = existing_schema(dir, config).await?;
    let store = dir.open_store(config).await?;
    let added = match schema_version {
        // A node joining: the domain may be there already (the first node's), and that is fine.
        Some(_) => match store.is_local_domain(&setup.domain).await {
            Ok(true) => Ok(false),
            Ok(false) => store.add_domain(&setup.domain).await.map(|()| true),
            Err(error) => Err(error),
        },
        None => store.add_domain(&setup.domain).await.map(|()| true),
    };
    // After the domain, so an invalid --domain is reported by the store's own check.
    let dkim_made = match &added {
        Ok(_) => first_keys(dir, &store, config, &setup.domain).await,
        Err(_) => Ok(()),
    };
    let closed = store.close().await;
    let domain_added = added.map_err(|error| match error {
        facteur_store::StoreError::InvalidAddress(..) => usage!("--domain {:?} is not a valid domain", setup.domain),
        other => store_failure(other),
    })?;
    closed.map_err(store_failure)?;
    dkim_made?;
    sync_dir(&tls_dir)?;
    sync_dir(dir.root())?;
    Ok(match schema_version {
        Some(schema_version) => StoreOutcome::Joined { schema_version, domain_added },
        None => StoreOutcome::Created,
    })
}

/// The domain's DKIM keys: those the other nodes sign with when nodes share the database (their files, the
/// ACME certificate included, are taken from it), else new ones.
async fn first_keys(dir: &DataDir, store: &Arc<dyn Store>, config: &Config, domain: &str) -> Outcome {
    if let Some(shared) = SharedFiles::new(store, dir.root()) {
        shared.pull_all().await?;
    }
    let ed25519 = config.mail_auth.ed25519_signature;
    change_domain_keys(dir, store, domain, |keys| ensure_domain_keys(keys, domain, ed25519)).await?;
    Ok(())
}

/// The version of the Facteur schema already in a PostgreSQL store (other nodes use it), `None` for a new
/// store.
async fn existing_schema(dir: &DataDir, config: &Config) -> Outcome<Option<i64>> {
    if config.store.backend != StoreBackend::Postgres {
        return Ok(None);
    }
    let options = dir.postgres_options(&config.store)?;
    let version = PostgresStore::schema_version(&options)
        .await
        .with_context(|| format!("cannot reach the store at {}", config.store.url))?;
    Ok((version > 0).then_some(version))
}

/// The data directory holds private keys and everyone's mail: owner only.
fn restrict_permissions(path: &Path) -> Outcome {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict the permissions of {}", path.display()))?;
    Ok(())
}
