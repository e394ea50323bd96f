// The operators' pages: merchants (onboard, login QR), buyers (cash deposits), accounts and the
// ledger's total, the exceptions queue, day close and approval, reconciliation, verification.
import {h, field} from '../dom.js';
import {t, lang} from '../i18n.js';
import {get, post, Once, allPages, download} from '../api.js';
import {dong, parseDong, localTime} from '../format.js';
import {title, section, table, form, button, money, status, facts, empty, shortId} from '../ui.js';
import {tokenCard} from './login.js';
import {daysPage} from './days.js';

function submit(text) {
  return h('button', {type: 'submit', class: 'primary'}, text);
}

// ---- Merchants

function loginCard(name, detail, tokenValue) {
  return h('div', {class: 'print-card'},
    h('h3', {}, t('merchant.loginOf', {name})), detail ? h('p', {}, detail) : null,
    tokenCard(tokenValue, t('merchant.qrLabel', {name})));
}

function onboardForm(ctx, shown, reload) {
  const name = field(t('merchant.name'), {required: true, maxlength: '100'});
  const phone = field(t('merchant.phone'), {required: true, type: 'tel', inputmode: 'tel'});
  const location = field(t('merchant.location'), {required: true, maxlength: '200'}, t('merchant.locationHint'));
  const once = new Once();
  return form(ctx, async (element) => {
    const body = {name: name.input.value.trim(), phone: phone.input.value.trim(), location: location.input.value.trim()};
    const answer = await once.run((key) => post('/v1/merchants', body, {key}));
    element.reset();
    ctx.notify(t('merchant.onboarded', {name: answer.merchant.name}));
    shown(loginCard(answer.merchant.name, answer.merchant.location, answer.token));
    await reload();
  }, name.row, phone.row, location.row, submit(t('merchant.onboard')));
}

function reissueButton(ctx, kind, who, shown) {
  const once = new Once();
  return button(ctx, t('token.reissue'), async () => {
    const answer = await once.run((key) => post(`/v1/${kind}/${who.id}/token`, {}, {key}));
    ctx.notify(t('token.reissued', {name: who.name}));
    shown(loginCard(who.name, who.location, answer.token));
  });
}

async function merchants(ctx) {
  const card = h('div', {class: 'issued', 'aria-live': 'polite'});
  const list = h('div');
  const shown = (element) => card.replaceChildren(element);
  const reload = async () => {
    const all = await allPages('/v1/merchants?limit=200', 'merchants', 5);
    const rows = all.map((m) => [m.name, m.phone, m.location, h('code', {}, m.stall_code), localTime(m.created_at, lang()), reissueButton(ctx, 'merchants', m, shown)]);
    list.replaceChildren(rows.length ? table(null, [t('merchant.name'), t('merchant.phone'), t('merchant.location'), t('merchant.stall'), t('col.time'), t('col.action')], rows) : empty(t('merchant.none')));
  };
  ctx.main.append(title(t('nav.merchants')),
    section(t('merchant.new'), onboardForm(ctx, shown, reload)), card,
    section(t('merchant.list'), list));
  await reload();
}

// ---- Buyers and cash deposits

function depositForm(ctx, buyer, reload) {
  const amount = field(t('deposit.amountOf', {name: buyer.name}), {required: true, inputmode: 'numeric', class: 'amount'});
  const once = new Once();
  return form(ctx, async (element) => {
    const value = parseDong(amount.input.value);
    if (!value) throw {code: 'BAD_AMOUNT'};
    await once.run((key) => post(`/v1/buyers/${buyer.id}/deposits`, {amount: value}, {key}));
    element.reset();
    ctx.notify(t('deposit.done', {amount: dong(value), name: buyer.name}));
    await reload();
  }, h('div', {class: 'inline'}, amount.row, h('button', {type: 'submit'}, t('deposit.submit'))));
}

async function buyers(ctx) {
  const card = h('div', {class: 'issued', 'aria-live': 'polite'});
  const list = h('ul', {class: 'items'});
  const shown = (element) => card.replaceChildren(element);
  const reload = async () => {
    const all = await allPages('/v1/buyers?limit=200', 'buyers', 5);
    const items = await Promise.all(all.map(async (b) => {
      const wallet = await get(`/v1/accounts/${encodeURIComponent(b.id + '.wallet')}`).catch(() => null);
      return h('li', {class: 'item buyer', 'data-id': b.id}, h('h3', {}, b.name),
        h('p', {}, `${b.phone} · `, t('wallet.balance'), ': ', money(wallet ? wallet.available : 0)),
        depositForm(ctx, b, reload), reissueButton(ctx, 'buyers', b, shown));
    }));
    list.replaceChildren(...items);
    if (!items.length) list.append(h('li', {}, empty(t('buyer.none'))));
  };
  ctx.main.append(title(t('nav.buyers')), card, section(t('buyer.list'), list));
  await reload();
}

// ---- Accounts and the ledger's total

export function ledgerTotal(accounts) {
  const totals = {};
  for (const a of accounts) {
    totals[a.currency] = (totals[a.currency] || 0n) + BigInt(a.credits_posted) - BigInt(a.debits_posted);
  }
  return totals;
}

async function accounts(ctx) {
  const all = await allPages('/v1/accounts?limit=200', 'accounts', 100);
  const totals = ledgerTotal(all);
  const balanced = Object.values(totals).every((v) => v === 0n);
  const rows = all.map((a) => [h('code', {}, a.id), money(a.debits_posted), money(a.credits_posted),
    money(BigInt(a.credits_posted) - BigInt(a.debits_posted)), money(BigInt(a.credits_pending) - BigInt(a.debits_pending))]);
  ctx.main.append(title(t('nav.accounts')),
    section(t('accounts.total'),
      facts(Object.entries(totals).map(([currency, sum]) => [t('accounts.sumOf', {currency}), h('span', {class: 'ledger-total'}, dong(sum))])),
      h('p', {class: balanced ? 'ok' : 'bad'}, t(balanced ? 'accounts.balanced' : 'accounts.unbalanced'))),
    section(t('accounts.list', {n: all.length}),
      table(null, [t('col.account'), [t('col.debits'), 'num'], [t('col.credits'), 'num'], [t('col.balance'), 'num'], [t('col.pending'), 'num']], rows)));
}

// ---- Exceptions

function resolveForm(ctx, exception, reload) {
  const action = field(t('exception.action'), {tag: 'select', required: true, options: [
    h('option', {value: 'CREDIT_BUYER'}, t('exception.credit')), h('option', {value: 'DISMISS'}, t('exception.dismiss'))]});
  const buyer = field(t('exception.buyer'), {autocomplete: 'off'}, t('exception.buyerHint'));
  const note = field(t('exception.note'), {required: true, maxlength: '200'});
  return form(ctx, async () => {
    const body = {action: action.input.value, note: note.input.value.trim()};
    if (body.action === 'CREDIT_BUYER') body.buyer_id = buyer.input.value.trim();
    await post(`/v1/exceptions/${exception.id}/resolve`, body);
    ctx.notify(t('exception.resolved', {id: shortId(exception.id)}));
    await reload();
  }, action.row, buyer.row, note.row, submit(t('exception.resolve')));
}

function exceptionItem(ctx, e, reload) {
  const resolution = e.resolution && e.resolution.resolved_by
    ? [t('exception.resolution'), `${t('exception.' + (e.resolution.action === 'CREDIT_BUYER' ? 'credit' : 'dismiss'))} · ${e.resolution.note} · ${e.resolution.resolved_by}`] : null;
  return h('li', {class: 'item exception', 'data-id': e.id},
    h('h3', {}, `${e.reason} · ${e.provider}`),
    facts([[t('col.amount'), money(e.amount)], [t('exception.type'), e.type || '–'],
      [t('exception.reference'), e.reference || '–'], [t('exception.txn'), e.provider_txn_id || '–'],
      [t('col.time'), localTime(e.received_at, lang())], [t('col.status'), status(e.status)], resolution]),
    e.status === 'OPEN' ? resolveForm(ctx, e, reload) : null);
}

async function exceptions(ctx) {
  const which = field(t('exception.show'), {tag: 'select', options: [
    h('option', {value: 'OPEN'}, t('status.OPEN')), h('option', {value: 'RESOLVED'}, t('status.RESOLVED'))]});
  const list = h('ul', {class: 'items', 'aria-live': 'polite'});
  const reload = async () => {
    const answer = await get(`/v1/exceptions?status=${which.input.value}&limit=100`);
    list.replaceChildren(...(answer.exceptions || []).map((e) => exceptionItem(ctx, e, reload)));
    if (!list.children.length) list.append(h('li', {}, empty(t('exception.none'))));
  };
  which.input.addEventListener('change', () => reload().catch(ctx.fail));
  ctx.main.append(title(t('nav.exceptions')), section(t('exception.queue'), which.row, list));
  await reload();
}

// ---- Reconciliation

function differencesTable(name, rows) {
  if (!rows || !rows.length) return null;
  return table(`${t('recon.' + name)} (${rows.length})`,
    [t('recon.txn'), t('recon.line'), t('recon.type'), [t('recon.fileAmount'), 'num'], [t('recon.ledgerAmount'), 'num'], t('recon.note')],
    rows.map((d) => [d.provider_txn_id, d.line || '–', d.type, side(d.file_amount), side(d.ledger_amount), d.note || (d.first_line ? t('recon.firstLine', {n: d.first_line}) : '')]));
}

// An amount one side has, or a dash where that side has no such line.
function side(amount) {
  return String(amount) === '0' ? '–' : money(amount);
}

function reconciliationView(ctx, r) {
  const csv = button(ctx, t('recon.csv'), async () => {
    const text = await get(`/v1/reconciliations/${r.id}?format=csv`, {accept: 'text/csv'});
    download(`doi-soat-${r.provider}-${r.date}.csv`, text);
  });
  const count = ['missing_in_file', 'missing_in_ledger', 'amount_mismatches', 'duplicates'].reduce((n, k) => n + (r[k] || []).length, 0) + (r.malformed || []).length;
  const view = section(t('recon.report', {provider: r.provider, date: r.date}),
    facts([[t('recon.matched'), `${r.matched ? r.matched.count : 0} · ${dong(r.matched ? r.matched.amount : 0)}`],
      [t('recon.fileTotal'), money(r.file_total)], [t('recon.ledgerTotal'), money(r.ledger_total)],
      [t('recon.differences'), h('span', {class: 'diff-count'}, String(count))]]),
    differencesTable('missing_in_file', r.missing_in_file), differencesTable('missing_in_ledger', r.missing_in_ledger),
    differencesTable('amount_mismatches', r.amount_mismatches), differencesTable('duplicates', r.duplicates),
    r.malformed && r.malformed.length ? table(t('recon.malformed'), [t('recon.line'), t('recon.error')], r.malformed.map((m) => [m.line, m.error])) : null,
    csv);
  view.classList.add('reconciliation');
  view.dataset.id = r.id;
  return view;
}

async function reconcile(ctx) {
  const provider = field(t('recon.provider'), {required: true, autocomplete: 'off'});
  const date = field(t('recon.date'), {type: 'date', required: true});
  const file = field(t('recon.file'), {type: 'file', required: true, accept: '.csv,text/csv'}, t('recon.fileHint'));
  const out = h('div', {'aria-live': 'polite'});
  const send = async () => {
    const chosen = file.input.files[0];
    if (!chosen) throw {code: 'NO_FILE'};
    const text = await chosen.text();
    const r = await post(`/v1/providers/${encodeURIComponent(provider.input.value.trim())}/settlements/${date.input.value}`, text, {type: 'text/csv'});
    out.replaceChildren(reconciliationView(ctx, r));
  };
  ctx.main.append(title(t('nav.reconcile')),
    section(t('recon.upload'), form(ctx, send, provider.row, date.row, file.row, submit(t('recon.submit')))), out);
}

// ---- Verification

async function verify(ctx) {
  const out = h('div', {'aria-live': 'polite'});
  const run = async () => {
    const v = await get('/v1/ledger/verify');
    out.replaceChildren(h('p', {class: v.ok ? 'ok verdict' : 'bad verdict'}, t(v.ok ? 'verify.ok' : 'verify.bad')),
      facts([[t('verify.entries'), String(v.entries)], [t('verify.head'), h('code', {class: 'hash'}, v.head)],
        v.ok ? null : [t('verify.firstBad'), String(v.first_bad_entry)],
        v.problem ? [t('verify.problem'), v.problem] : null, v.account_id ? [t('col.account'), v.account_id] : null]));
  };
  ctx.main.append(title(t('nav.verify')),
    section(t('verify.title'), h('p', {}, t('verify.text')), button(ctx, t('verify.run'), run, 'primary'), out));
}

// ---- Operators (created by the admin token only)

async function operators(ctx) {
  const card = h('div', {class: 'issued', 'aria-live': 'polite'});
  const list = h('div');
  const name = field(t('operator.name'), {required: true, maxlength: '100'});
  const reload = async () => {
    const all = await allPages('/v1/operators?limit=200', 'operators', 5);
    list.replaceChildren(table(null, [t('operator.name'), 'ID', t('col.status')],
      all.map((o) => [o.name, h('code', {}, o.id), o.disabled ? t('operator.disabled') : t('operator.active')])));
  };
  const create = form(ctx, async (element) => {
    const answer = await post('/v1/operators', {name: name.input.value.trim()});
    element.reset();
    ctx.notify(t('operator.created', {name: answer.operator.name}));
    card.replaceChildren(loginCard(answer.operator.name, '', answer.token));
    await reload();
  }, name.row, submit(t('operator.create')));
  ctx.main.append(title(t('nav.operators')), section(t('operator.new'), h('p', {class: 'hint'}, t('operator.adminOnly')), create), card,
    section(t('operator.list'), list));
  await reload();
}

export const operatorPages = [
  {path: 'merchants', label: 'nav.merchants', render: merchants},
  {path: 'buyers', label: 'nav.buyers', render: buyers},
  {path: 'accounts', label: 'nav.accounts', render: accounts},
  {path: 'exceptions', label: 'nav.exceptions', render: exceptions},
  {path: 'days', label: 'nav.days', render: daysPage},
  {path: 'reconcile', label: 'nav.reconcile', render: reconcile},
  {path: 'verify', label: 'nav.verify', render: verify},
  {path: 'operators', label: 'nav.operators', render: operators},
];
