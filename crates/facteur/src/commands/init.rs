//! `facteur init`: a new data directory with a commented configuration, a self-signed certificate, the store,
//! the first domain and its DKIM key. `serve` uses the same steps for its quickstart.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use facteur_config::{CONFIG_FILE, Config, HIGHEST_STANDARD_PORT};

use crate::cli::InitArgs;
use crate::data_dir::{Contents, DataDir, store_failure};
use crate::failure::{Failure, Outcome, usage};

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
    };
    let config = create(data_dir, &setup).await?;
    let dir = data_dir.root().display();
    println!("Created the data directory {dir} for {} (host name {}):", setup.domain, setup.hostname);
    println!("  configuration  {dir}/{CONFIG_FILE} (every setting is there, commented)");
    if setup.acme {
        println!("  certificate    {dir}/tls/cert.pem, self-signed, until Let's Encrypt issues one into {dir}/acme/");
        println!("                 (the names `facteur dns-records {}` lists must point at this server)", setup.domain);
    } else {
        println!("  certificate    {dir}/tls/cert.pem, self-signed: replace it with a CA-issued one for real clients");
    }
    println!("  store          {dir}/store");
    println!("  DKIM key       {dir}/dkim/{} (publish it: `facteur dns-records {}`)", setup.domain, setup.domain);
    println!("Next:");
    println!("  facteur --data-dir {dir} account add alice@{} --password-stdin", setup.domain);
    println!("  facteur --data-dir {dir} serve");
    if let Some(url) = crate::http::webmail_url(&config) {
        println!("Then people read and send mail in a browser at {url} (the webmail; their mail password).");
    }
    Ok(())
}

/// Creates the data directory for `setup`. Refuses to touch an existing one. Everything is built in a sibling
/// temporary directory and renamed into place at the end, so a failure halfway leaves nothing behind.
pub async fn create(data_dir: &DataDir, setup: &Setup) -> Outcome<Config> {
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
    let text = facteur_config::template::render(&config);
    // Reading the text back runs every check the server will run (host name syntax, listeners).
    facteur_config::parse(&text).map_err(|error| match setup.hostname_from_domain {
        true => {
            usage!("--domain {:?}: the host name made from it, {}, is not valid: {error}", setup.domain, setup.hostname)
        }
        false => usage!("--hostname: {error}"),
    })?;

    let root = data_dir.root();
    let parent = root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".facteur-init-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a temporary directory in {}", parent.display()))?;
    let staged = DataDir::new(staging.path().to_owned());
    populate(&staged, &config, &text, setup).await?;
    let staging = staging.keep();
    if let Err(error) = std::fs::rename(&staging, root) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Failure::Runtime(
            anyhow::Error::new(error).context(format!("cannot move the new data directory to {}", root.display())),
        ));
    }
    sync_dir(parent)?;
    Ok(config)
}

async fn populate(dir: &DataDir, config: &Config, text: &str, setup: &Setup) -> Outcome {
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
    // Before the store, so an invalid --domain is reported by the store's own check below.
    let keys = facteur_mailauth::KeyStore::new(&dkim_dir);
    let dkim_made = crate::commands::dkim::ensure_domain_keys(&keys, &setup.domain, config.mail_auth.ed25519_signature);
    let store = dir.open_store(config).await?;
    let added = store.add_domain(&setup.domain).await;
    let closed = store.close().await;
    added.map_err(|error| match error {
        facteur_store::StoreError::InvalidAddress(..) => usage!("--domain {:?} is not a valid domain", setup.domain),
        other => store_failure(other),
    })?;
    closed.map_err(store_failure)?;
    dkim_made?;
    sync_dir(&tls_dir)?;
    sync_dir(dir.root())
}

/// The data directory holds private keys and everyone's mail: owner only.
fn restrict_permissions(path: &Path) -> Outcome {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict the permissions of {}", path.display()))?;
    Ok(())
}

fn write_synced(path: &Path, content: &[u8]) -> Outcome {
    use std::io::Write;
    let mut file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn sync_dir(path: &Path) -> Outcome {
    std::fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("cannot sync the directory {}", path.display()))?;
    Ok(())
}
