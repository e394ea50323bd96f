// A merchant's pages: listings, orders to ship, balance and payouts, statement, the stall.
import {h, field} from '../dom.js';
import {t, lang} from '../i18n.js';
import {get, post, patch, del, Once, download} from '../api.js';
import {dong, parseDong, parseCount, localTime, localDate} from '../format.js';
import {title, section, table, form, button, money, status, facts, empty, shortId} from '../ui.js';
import {stallPage} from './stall.js';
import {paymentMethods, wallets, methodField} from '../methods.js';

function amountOf(input) {
  const amount = parseDong(input.value);
  if (!amount) throw {code: 'BAD_AMOUNT'};
  return amount;
}

function countOf(input, min = 0) {
  const count = parseCount(input.value, min);
  if (count === null) throw {code: 'BAD_COUNT'};
  return count;
}

// ---- Listings

function listingForm(ctx, reload) {
  const fields = {
    title: field(t('listing.title'), {required: true, maxlength: '120'}),
    description: field(t('listing.description'), {tag: 'textarea', rows: '2', maxlength: '500'}),
    category: field(t('listing.category'), {required: true, maxlength: '40'}, t('listing.categoryHint')),
    unit: field(t('listing.unit'), {required: true, maxlength: '20'}, t('listing.unitHint')),
    price: field(t('listing.price'), {required: true, inputmode: 'numeric'}, t('amount.hint')),
    stock: field(t('listing.stock'), {required: true, inputmode: 'numeric'}),
  };
  const once = new Once();
  const send = async (element) => {
    const body = {
      title: fields.title.input.value.trim(), description: fields.description.input.value.trim(),
      category: fields.category.input.value.trim(), unit: fields.unit.input.value.trim(),
      price: amountOf(fields.price.input), stock: countOf(fields.stock.input),
    };
    const listing = await once.run((key) => post('/v1/listings', body, {key}));
    element.reset();
    ctx.notify(t('listing.created', {title: listing.title}));
    await reload();
  };
  return form(ctx, send, Object.values(fields).map((f) => f.row),
              h('button', {type: 'submit', class: 'primary'}, t('listing.create')));
}

function listingCard(ctx, listing, reload) {
  const price = field(t('listing.priceOf', {title: listing.title}), {value: String(listing.price), inputmode: 'numeric', required: true});
  const stock = field(t('listing.stockOf', {title: listing.title}), {value: String(listing.stock), inputmode: 'numeric', required: true});
  const save = async () => {
    await patch(`/v1/listings/${listing.id}`, {price: amountOf(price.input), stock: countOf(stock.input)});
    ctx.notify(t('listing.saved', {title: listing.title}));
    await reload();
  };
  const delist = async () => {
    await del(`/v1/listings/${listing.id}`);
    ctx.notify(t('listing.delisted', {title: listing.title}));
    await reload();
  };
  return h('li', {class: 'item listing', 'data-id': listing.id},
    h('h3', {}, listing.title),
    h('p', {}, money(listing.price), ` / ${listing.unit} · ${t('listing.inStock', {n: listing.stock})}`),
    form(ctx, save, h('div', {class: 'inline'}, price.row, stock.row),
         h('div', {class: 'actions'}, h('button', {type: 'submit'}, t('listing.save')),
           button(ctx, t('listing.delist'), delist, 'danger'))));
}

async function listings(ctx) {
  const list = h('ul', {class: 'items', 'aria-live': 'polite'});
  const reload = async () => {
    const answer = await get(`/v1/listings?merchant_id=${encodeURIComponent(ctx.me.merchant.id)}&limit=100`);
    const mine = (answer.listings || []).filter((l) => l.active !== false);
    list.replaceChildren(...mine.map((l) => listingCard(ctx, l, reload)));
    if (!mine.length) list.append(h('li', {}, empty(t('listing.none'))));
  };
  ctx.main.append(title(t('nav.listings')),
    section(t('listing.new'), listingForm(ctx, reload)),
    section(t('listing.mine'), list));
  await reload();
}

// ---- Orders

export function itemsText(order) {
  return (order.items || []).map((i) => `${i.quantity} ${i.unit} ${i.title}`).join(', ');
}

function orderRow(ctx, order, reload) {
  const act = (what) => async () => {
    await post(`/v1/orders/${order.id}/${what}`, {});
    ctx.notify(t(`order.done.${what}`, {code: order.payment_code || shortId(order.id)}));
    await reload();
  };
  return h('li', {class: 'item order', 'data-id': order.id},
    h('h3', {}, `#${order.payment_code || shortId(order.id)}`),
    h('p', {}, itemsText(order)),
    h('p', {}, money(order.total), ' · ', status(order.status), ' · ', localTime(order.created_at, lang())),
    order.status === 'PAID' ? h('div', {class: 'actions'},
      button(ctx, t('order.ship'), act('ship'), 'primary'),
      button(ctx, t('order.cancel'), act('cancel'), 'danger')) : null);
}

async function orders(ctx) {
  const toShip = h('ul', {class: 'items'});
  const recent = h('ul', {class: 'items'});
  const reload = async () => {
    const paid = await get('/v1/orders?status=PAID&limit=100');
    toShip.replaceChildren(...(paid.orders || []).map((o) => orderRow(ctx, o, reload)));
    if (!toShip.children.length) toShip.append(h('li', {}, empty(t('order.noneToShip'))));
    const all = await get('/v1/orders?limit=20');
    recent.replaceChildren(...(all.orders || []).filter((o) => o.status !== 'PAID').map((o) => orderRow(ctx, o, reload)));
  };
  ctx.main.append(title(t('nav.orders')),
    section(t('order.toShip'), toShip),
    section(t('order.recent'), recent, button(ctx, t('common.reload'), reload)));
  await reload();
}

// ---- Balance and payouts

// Payouts go through an e-wallet: a bank provider (BANK_TRANSFER) only tells of money coming in.
function payoutForm(ctx, methods, reload) {
  const provider = methodField(t('payout.provider'), wallets(methods), t('methods.noWallet'));
  const amount = field(t('payout.amount'), {required: true, inputmode: 'numeric'}, t('amount.hint'));
  const destination = field(t('payout.destination'), {required: true}, t('payout.destinationHint'));
  const once = new Once();
  const send = async (element) => {
    const body = {provider: provider.input.value, amount: amountOf(amount.input),
                  destination: destination.input.value.trim()};
    const payout = await once.run((key) => post('/v1/merchant/payouts', body, {key}));
    element.reset();
    ctx.notify(t('payout.sent', {amount: dong(payout.amount)}));
    await reload();
  };
  return form(ctx, send, provider.row, amount.row, destination.row,
              h('button', {type: 'submit', class: 'primary', disabled: provider.none}, t('payout.submit')));
}

async function balance(ctx) {
  const figures = h('div', {'aria-live': 'polite'});
  const payouts = h('div');
  const reload = async () => {
    const b = await get('/v1/merchant/balance');
    figures.replaceChildren(facts([[t('balance.available'), money(b.available, 'big')],
                                   [t('balance.escrow'), money(b.escrow)]]));
    const list = await get('/v1/merchant/payouts?limit=50');
    const rows = (list.payouts || []).map((p) => [localTime(p.created_at, lang()), p.provider, p.destination, money(p.amount), status(p.status)]);
    payouts.replaceChildren(rows.length ? table(null, [t('col.time'), t('col.provider'), t('col.destination'), [t('col.amount'), 'num'], t('col.status')], rows) : empty(t('payout.none')));
  };
  const methods = await paymentMethods();
  ctx.main.append(title(t('nav.balance')),
    section(t('balance.title'), figures, button(ctx, t('common.reload'), reload)),
    section(t('payout.new'), payoutForm(ctx, methods, reload)),
    section(t('payout.list'), payouts));
  await reload();
}

// ---- Statement

export function statementSection(ctx, path, name) {
  const from = field(t('statement.from'), {type: 'date', value: localDate(), required: true});
  const to = field(t('statement.to'), {type: 'date', value: localDate(), required: true});
  const out = h('div', {'aria-live': 'polite'});
  const range = () => `from=${from.input.value}&to=${to.input.value}`;
  const show = async () => {
    const s = await get(`${path}?${range()}&limit=1000`);
    const rows = (s.lines || []).map((l) => [localTime(l.time, lang()), l.description, money(l.amount), money(l.balance)]);
    out.replaceChildren(facts([[t('statement.opening'), money(s.opening)], [t('statement.closing'), money(s.closing)]]),
      rows.length ? table(null, [t('col.time'), t('col.description'), [t('col.amount'), 'num'], [t('col.balance'), 'num']], rows) : empty(t('statement.none')));
  };
  const csv = async () => {
    const text = await get(`${path}?${range()}&format=csv`, {accept: 'text/csv'});
    download(`${name}-${from.input.value}-${to.input.value}.csv`, text);
  };
  const element = form(ctx, show, h('div', {class: 'inline'}, from.row, to.row),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, t('statement.show')),
      button(ctx, t('statement.csv'), csv)));
  return {element, out, show};
}

async function statement(ctx) {
  const s = statementSection(ctx, '/v1/merchant/statement', 'sao-ke');
  ctx.main.append(title(t('nav.statement')), section(t('statement.title'), s.element, s.out));
  await s.show();
}

export const merchantPages = [
  {path: 'stall', label: 'nav.stall', render: stallPage},
  {path: 'orders', label: 'nav.orders', render: orders},
  {path: 'listings', label: 'nav.listings', render: listings},
  {path: 'balance', label: 'nav.balance', render: balance},
  {path: 'statement', label: 'nav.statement', render: statement},
];
