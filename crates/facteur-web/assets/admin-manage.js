// The Accounts, Aliases and Domains tabs: lists, forms to add, and the changes on each row. Every rule
// (password length, alias loops, quota syntax) is the server's: the page shows its refusal as it comes.

import { el } from './dom.js';
import { change, get, post } from './admin-api.js';
import { button, fillTable, size } from './admin-table.js';

function byId(id) {
  return document.getElementById(id);
}

/** A password field and Save in place of a row's actions, for one account. */
function passwordEditor(account, cell) {
  const input = el('input', { type: 'password', autocomplete: 'new-password', placeholder: 'new password', dataset: { testid: 'account-new-password' } });
  const save = button('Save', 'account-password-save', async () => {
    if (await change(() => post('accounts/password', { address: account.address, password: input.value }), `Changed the password of ${account.address}.`)) {
      await showAccounts();
    }
  }, 'primary');
  cell.replaceChildren(el('div', { class: 'actions' }, input, save, button('Cancel', 'account-password-cancel', () => showAccounts())));
  input.focus();
}

function accountActions(account) {
  const cell = el('div', { class: 'actions' });
  cell.append(
    button('Password', 'account-password-change', () => passwordEditor(account, cell)),
    button('Quota', 'account-quota', async () => {
      const quota = prompt(`Quota of ${account.address} (e.g. 500M, 2G, or unlimited):`, account.quotaBytes === null ? 'unlimited' : String(account.quotaBytes));
      if (quota === null) return;
      if (await change(() => post('accounts/quota', { address: account.address, quota }), `Quota of ${account.address} changed.`)) await showAccounts();
    }),
    button(account.admin ? 'Remove admin' : 'Make admin', 'account-toggle-admin', async () => {
      const admin = !account.admin;
      if (await change(() => post('accounts/admin', { address: account.address, admin }), `${account.address} ${admin ? 'is now' : 'is no longer'} an administrator.`)) await showAccounts();
    }),
    button('Remove', 'account-remove', async () => {
      if (!confirm(`Remove ${account.address} and all its mail? This cannot be undone.`)) return;
      if (await change(() => post('accounts/remove', { address: account.address }), `Removed ${account.address}.`)) await showAccounts();
    }, 'danger'),
  );
  return cell;
}

export async function showAccounts() {
  const accounts = await get('accounts');
  fillTable(byId('accounts'), ['address', { label: 'messages', number: true }, { label: 'used', number: true }, { label: 'quota', number: true }, '', ''], accounts, (account) => ({
    attrs: { dataset: { testid: 'account-row', address: account.address, admin: String(account.admin) } },
    cells: [account.address, account.messages, size(account.usedBytes), size(account.quotaBytes), account.admin ? 'admin' : '', accountActions(account)],
  }), 'No accounts yet.');
}

export async function showAliases() {
  const aliases = await get('aliases');
  fillTable(byId('aliases'), ['alias', 'delivers to', ''], aliases, (alias) => ({
    attrs: { dataset: { testid: 'alias-row', alias: alias.alias } },
    cells: [alias.alias, alias.targets.join(', '), button('Remove', 'alias-remove', async () => {
      if (await change(() => post('aliases/remove', { alias: alias.alias }), `Removed ${alias.alias}.`)) await showAliases();
    }, 'danger')],
  }), 'No aliases.');
}

async function checkDns(domain) {
  const rows = await get('dns', { domain });
  fillTable(byId('dns'), [`DNS of ${domain}`, 'verdict', ''], rows, (row) => ({
    attrs: { dataset: { testid: 'dns-row', verdict: row.verdict } },
    cells: [el('code', {}, row.record), el('span', { class: `verdict-${row.verdict}` }, row.verdict), el('span', { class: 'reply' }, row.detail)],
  }));
}

export async function showDomains() {
  const domains = await get('domains');
  fillTable(byId('domains'), ['domain', ''], domains, (domain) => ({
    attrs: { dataset: { testid: 'domain-row', domain } },
    cells: [domain, el('div', { class: 'actions' },
      button('Check DNS', 'domain-check', () => change(() => checkDns(domain), `Checked the DNS records of ${domain}.`)),
      button('Remove', 'domain-remove', async () => {
        if (!confirm(`Remove ${domain}? It must have no accounts or aliases left.`)) return;
        if (await change(() => post('domains/remove', { domain }), `Removed ${domain}.`)) await showDomains();
      }, 'danger'))],
  }), 'No domains.');
}

export function bindForms() {
  byId('account-add-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const address = byId('account-address').value.trim();
    const body = { address, password: byId('account-password').value, admin: byId('account-admin').checked };
    if (await change(() => post('accounts', body), `Added ${address}, with folders INBOX, Drafts, Sent, Archive, Junk, Trash.`)) {
      event.target.reset();
      await showAccounts();
    }
  });
  byId('alias-add-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const alias = byId('alias-name').value.trim();
    const targets = byId('alias-targets').value.split(',').map((target) => target.trim()).filter(Boolean);
    if (await change(() => post('aliases', { alias, targets }), `${alias} now delivers to ${targets.join(', ')}.`)) {
      event.target.reset();
      await showAliases();
    }
  });
  byId('domain-add-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const domain = byId('domain-name').value.trim();
    let records = [];
    if (await change(async () => { records = (await post('domains', { domain })).records; }, `Added ${domain}; publish its DKIM records below.`)) {
      event.target.reset();
      const shown = byId('domain-records');
      shown.textContent = records.join('\n');
      shown.hidden = records.length === 0;
      await showDomains();
    }
  });
}
