//! The generated script in the store: reading the settings back, saving them (which rewrites and activates
//! the script), and carrying over out-of-office settings kept before they were Sieve.

use facteur_store::{AccountId, SieveLimits, Store, StoreError, Vacation};
use tracing::{info, warn};

use crate::settings::{Filters, InvalidFilters, OutOfOffice};
use crate::{SCRIPT_NAME, generate, read};

/// An account's settings as the store holds them, and how they stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub filters: Filters,
    /// The generated script is the active one: its rules and reply run at delivery.
    pub active: bool,
    /// The script was changed by hand since it was generated (over ManageSieve): saving replaces the change.
    pub edited_by_hand: bool,
    /// Another script of the account is active: the person's own. Saving settings that do something turns it
    /// off (one active script, RFC 5804 §1.1).
    pub other_active: Option<String>,
}

impl Stored {
    /// Whether out-of-office replies go out at `now`: set, in their dates, and the script running.
    pub fn replying_at(&self, now: i64) -> bool {
        self.active && self.filters.out_of_office.active_at(now)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FiltersError {
    #[error(transparent)]
    Invalid(#[from] InvalidFilters),
    /// Over the account's `[sieve]` limits (too many scripts, or a script too large).
    #[error("{0}")]
    Quota(StoreError),
    #[error(transparent)]
    Store(StoreError),
    /// The generated Sieve did not compile: a fault of ours, never of the user's input.
    #[error("the filters could not be written as Sieve: {0}")]
    Generated(String),
}

impl From<StoreError> for FiltersError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::SieveQuota { .. } => FiltersError::Quota(error),
            error => FiltersError::Store(error),
        }
    }
}

/// The account's settings, from its generated script (the defaults when it has none).
pub async fn load(store: &dyn Store, account: AccountId) -> Result<Stored, FiltersError> {
    let active = store.active_sieve_script(account).await?.map(|(name, _)| name);
    let Some(text) = store.sieve_script(account, SCRIPT_NAME).await? else {
        return Ok(Stored { other_active: active, ..Stored::default() });
    };
    let (filters, edited_by_hand) = read::settings(&text);
    let active_is_ours = active.as_deref() == Some(SCRIPT_NAME);
    Ok(Stored { filters, active: active_is_ours, edited_by_hand, other_active: active.filter(|_| !active_is_ours) })
}

/// Writes `filters` as the account's generated script, and makes it the active one when it does something
/// (settings that do nothing leave another active script alone).
pub async fn save(
    store: &dyn Store,
    account: AccountId,
    filters: &Filters,
    limits: SieveLimits,
) -> Result<Stored, FiltersError> {
    filters.check()?;
    write(store, account, filters, limits, filters.has_effect()).await?;
    load(store, account).await
}

/// Out-of-office settings kept in the store's own table before they were Sieve (JMAP's VacationResponse, up
/// to this version) become each account's generated script, once, at start-up; the table row is then reset.
/// An account whose own script is active keeps it: its old reply is saved but not turned on, and the log says
/// so. Settings are carried as they were, unchecked: they were accepted once.
pub async fn adopt_legacy_out_of_office(store: &dyn Store, limits: SieveLimits) -> Result<usize, FiltersError> {
    let accounts = store.vacation_accounts().await?;
    for &account in &accounts {
        let legacy = store.vacation(account).await?;
        let mut stored = load(store, account).await?;
        stored.filters.out_of_office = out_of_office(&legacy);
        let activate = stored.other_active.is_none() && stored.filters.has_effect();
        write(store, account, &stored.filters, limits, activate).await?;
        if let Some(own) = stored.other_active.as_deref().filter(|_| legacy.enabled) {
            warn!(account = account.0, script = %own, "out-of-office reply carried into the generated Sieve script but not turned on: the account's own script is active");
        }
        store.set_vacation(account, Vacation::default()).await?;
    }
    if !accounts.is_empty() {
        info!(accounts = accounts.len(), "out-of-office settings moved into Sieve scripts");
    }
    Ok(accounts.len())
}

/// Stores the script for `filters` (checked to compile) and activates it if asked.
async fn write(
    store: &dyn Store,
    account: AccountId,
    filters: &Filters,
    limits: SieveLimits,
    activate: bool,
) -> Result<(), FiltersError> {
    let text = generate::script(filters);
    if text.len() as u64 > limits.max_script_bytes {
        return Err(FiltersError::Quota(StoreError::SieveQuota {
            max_scripts: limits.max_scripts,
            max_script_bytes: limits.max_script_bytes,
        }));
    }
    if let Err(error) = facteur_sieve::compile(&text, &facteur_sieve::Limits::default()) {
        return Err(FiltersError::Generated(error.to_string()));
    }
    store.put_sieve_script(account, SCRIPT_NAME, &text, limits).await?;
    let before = store.active_sieve_script(account).await?.map(|(name, _)| name);
    if !activate || before.as_deref() == Some(SCRIPT_NAME) {
        info!(account = account.0, "filters saved");
        return Ok(());
    }
    store.activate_sieve_script(account, Some(SCRIPT_NAME)).await?;
    match before {
        Some(other) => {
            info!(account = account.0, replaced = %other, "filters saved and activated in place of the account's own script");
        }
        None => info!(account = account.0, "filters saved and activated"),
    }
    Ok(())
}

fn out_of_office(legacy: &Vacation) -> OutOfOffice {
    OutOfOffice {
        enabled: legacy.enabled,
        from_date: legacy.from_date,
        to_date: legacy.to_date,
        subject: legacy.subject.clone(),
        text_body: legacy.text_body.clone(),
        html_body: legacy.html_body.clone(),
    }
}
