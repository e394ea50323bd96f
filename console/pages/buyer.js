// A buyer's pages: shop (search), cart, orders and paying them, wallet, paying at a stall.
import {h, field} from '../dom.js';
import {t, lang} from '../i18n.js';
import {get, post, Once, imageUrl} from '../api.js';
import {dong, parseDong, parseCount, localTime} from '../format.js';
import {title, section, table, form, button, money, status, facts, empty, shortId} from '../ui.js';
import {itemsText, statementSection} from './merchant.js';
import {payAtStall} from './pay.js';
import {paymentMethods, wallets, banks, methodField} from '../methods.js';

// ---- The cart: items of one merchant, kept in sessionStorage.

const CART = 'market4.cart';

export function cart() {
  try {
    return JSON.parse(sessionStorage.getItem(CART)) || {merchant_id: '', items: []};
  } catch {
    return {merchant_id: '', items: []};
  }
}

function saveCart(value) {
  sessionStorage.setItem(CART, JSON.stringify(value));
}

export function cartTotal(value) {
  return value.items.reduce((sum, i) => sum + BigInt(i.price) * BigInt(i.quantity), 0n);
}

// Adds `quantity` of a listing; a listing of another merchant starts a new cart.
// Returns true when the old cart was replaced.
function addToCart(listing, quantity) {
  let value = cart();
  const replaced = value.items.length > 0 && value.merchant_id !== listing.merchant_id;
  if (replaced || !value.merchant_id) value = {merchant_id: listing.merchant_id, items: []};
  const found = value.items.find((i) => i.listing_id === listing.id);
  if (found) found.quantity = String(Number(found.quantity) + Number(quantity));
  else value.items.push({listing_id: listing.id, title: listing.title, unit: listing.unit, price: String(listing.price), quantity});
  saveCart(value);
  return replaced;
}

function cartLine() {
  const value = cart();
  const count = value.items.length;
  return h('p', {class: 'cart-line'}, h('a', {href: '#/buyer/cart'},
    t('cart.summary', {n: count, total: dong(cartTotal(value))})));
}

// ---- Shop

function listingItem(ctx, listing, onAdd) {
  const quantity = field(t('shop.quantityOf', {title: listing.title}), {value: '1', inputmode: 'numeric', required: true, class: 'qty'});
  const add = (element) => {
    const n = parseCount(quantity.input.value, 1);
    if (!n) throw {code: 'BAD_COUNT'};
    const replaced = addToCart(listing, n);
    ctx.notify(t(replaced ? 'shop.newCart' : 'shop.added', {n, unit: listing.unit, title: listing.title}));
    onAdd();
  };
  return h('li', {class: 'item listing', 'data-id': listing.id},
    h('h3', {}, listing.title),
    listing.description ? h('p', {class: 'hint'}, listing.description) : null,
    h('p', {}, money(listing.price), ` / ${listing.unit} · ${t('listing.inStock', {n: listing.stock})}`),
    form(ctx, add, h('div', {class: 'inline'}, quantity.row,
      h('button', {type: 'submit', class: 'primary'}, t('shop.add')))));
}

async function shop(ctx) {
  const search = field(t('shop.search'), {type: 'search', autocomplete: 'off'}, t('shop.searchHint'));
  const results = h('ul', {class: 'items', 'aria-live': 'polite'});
  const summary = h('div', {}, cartLine());
  const onAdd = () => summary.replaceChildren(cartLine());
  const find = async () => {
    const q = search.input.value.trim();
    const answer = await get(`/v1/listings?in_stock=true&limit=50${q ? '&q=' + encodeURIComponent(q) : ''}`);
    const found = answer.listings || [];
    results.replaceChildren(...found.map((l) => listingItem(ctx, l, onAdd)));
    if (!found.length) results.append(h('li', {}, empty(t('shop.nothing'))));
  };
  ctx.main.append(title(t('nav.shop')), summary,
    h('div', {role: 'search'}, form(ctx, find, h('div', {class: 'inline'}, search.row,
      h('button', {type: 'submit', class: 'primary'}, t('shop.find'))))),
    section(t('shop.results'), results));
  await find();
}

// ---- Cart and placing the order

async function cartPage(ctx) {
  const once = new Once();
  const body = h('div', {'aria-live': 'polite'});
  const draw = () => {
    const value = cart();
    if (!value.items.length) return body.replaceChildren(empty(t('cart.empty')), h('a', {href: '#/buyer/shop', class: 'button'}, t('nav.shop')));
    const rows = value.items.map((i) => [i.title, `${i.quantity} ${i.unit}`, money(i.price),
      money(BigInt(i.price) * BigInt(i.quantity)), removeButton(i)]);
    body.replaceChildren(table(null, [t('col.item'), t('col.quantity'), [t('col.price'), 'num'], [t('col.amount'), 'num'], t('col.action')], rows),
      h('p', {class: 'total'}, t('cart.total'), ' ', money(cartTotal(value), 'big')),
      button(ctx, t('cart.order'), place, 'primary'));
  };
  const removeButton = (item) => h('button', {type: 'button', 'aria-label': t('cart.removeOf', {title: item.title}), onclick: () => {
    const value = cart();
    value.items = value.items.filter((i) => i.listing_id !== item.listing_id);
    saveCart(value);
    once.reset();
    draw();
  }}, t('cart.remove'));
  const place = async () => {
    const items = cart().items.map((i) => ({listing_id: i.listing_id, quantity: i.quantity}));
    const order = await once.run((key) => post('/v1/orders', {items}, {key}));
    saveCart({merchant_id: '', items: []});
    ctx.go(`#/buyer/order/${encodeURIComponent(order.id)}`);
  };
  ctx.main.append(title(t('nav.cart')), section(t('cart.title'), body));
  draw();
}

// ---- One order: pay (wallet, provider, VietQR), cancel, confirm delivery

function payChoices(ctx, order, methods, redraw, watch) {
  const payOnce = new Once();
  const wallet = button(ctx, t('pay.wallet'), async () => {
    const paid = await payOnce.run((key) => post(`/v1/orders/${order.id}/pay`, {}, {key}));
    ctx.notify(t('pay.done', {amount: dong(paid.total)}));
    redraw(paid);
  }, 'primary');
  const provider = methodField(t('pay.provider'), wallets(methods), t('methods.noWallet'));
  const viaProvider = form(ctx, async () => {
    const pending = await post(`/v1/orders/${order.id}/pay`, {provider: provider.input.value});
    ctx.notify(t('pay.waiting', {provider: provider.input.value}));
    redraw(pending);
    watch();
  }, provider.row, h('button', {type: 'submit', disabled: provider.none}, t('pay.viaProvider')));
  const bank = methodField(t('pay.bank'), banks(methods), t('methods.noBank'));
  const qrPlace = h('div', {class: 'qr-place', 'aria-live': 'polite'});
  const viaQr = form(ctx, async () => {
    const id = bank.input.value;
    const url = await imageUrl(`/v1/orders/${order.id}/vietqr.svg?provider=${encodeURIComponent(id)}`);
    ctx.leave(() => URL.revokeObjectURL(url));
    qrPlace.replaceChildren(h('img', {class: 'qr big-qr', src: url, alt: t('pay.qrAlt', {amount: dong(order.total)})}),
      h('p', {}, t('pay.qrText', {code: order.payment_code, amount: dong(order.total)})));
    watch();
  }, bank.row, h('button', {type: 'submit', disabled: bank.none}, t('pay.showQr')));
  return [section(t('pay.fromWallet'), wallet), section(t('pay.throughProvider'), viaProvider),
          section(t('pay.byVietQr'), viaQr, qrPlace)];
}

function orderActions(ctx, order, redraw) {
  const act = (what) => async () => {
    const next = await post(`/v1/orders/${order.id}/${what}`, {});
    ctx.notify(t(`order.done.${what}`, {code: order.payment_code || shortId(order.id)}));
    redraw(next);
  };
  const buttons = [];
  if (order.status === 'SHIPPED') buttons.push(button(ctx, t('order.confirm'), act('confirm'), 'primary'));
  if (order.status === 'PENDING_PAYMENT' || order.status === 'PAID') buttons.push(button(ctx, t('order.cancel'), act('cancel'), 'danger'));
  return buttons.length ? h('div', {class: 'actions'}, buttons) : null;
}

function orderFacts(order) {
  const payment = order.payment && order.payment.id ? `${order.payment.provider}: ${t('status.' + order.payment.status)}` : null;
  return facts([[t('order.code'), h('code', {}, order.payment_code || shortId(order.id))],
    [t('col.status'), h('span', {class: 'order-status'}, status(order.status))],
    [t('order.items'), itemsText(order)],
    [t('cart.total'), money(order.total, 'big')],
    [t('order.placed'), localTime(order.created_at, lang())],
    order.status === 'PENDING_PAYMENT' ? [t('order.payBy'), localTime(order.pay_by, lang())] : null,
    payment ? [t('order.payment'), payment] : null]);
}

async function orderPage(ctx, id) {
  const view = h('div', {});
  let timer = null;
  ctx.leave(() => clearInterval(timer));
  const watch = () => {
    clearInterval(timer);
    timer = setInterval(async () => {
      const now = await get(`/v1/orders/${encodeURIComponent(id)}`).catch(() => null);
      if (now && now.status !== 'PENDING_PAYMENT') {
        clearInterval(timer);
        ctx.notify(t('pay.received', {amount: dong(now.total)}));
        draw(now);
      }
    }, 2000);
  };
  let methods = [];
  const draw = (order) => {
    view.replaceChildren(section(t('order.title'), orderFacts(order), orderActions(ctx, order, draw)),
      ...(order.status === 'PENDING_PAYMENT' && !(order.payment && order.payment.status === 'PENDING')
        ? payChoices(ctx, order, methods, draw, watch) : []));
  };
  ctx.main.append(title(t('order.title')), view, h('p', {}, h('a', {href: '#/buyer/orders'}, t('order.all'))));
  const [order, all] = await Promise.all([get(`/v1/orders/${encodeURIComponent(id)}`), paymentMethods()]);
  methods = all;
  draw(order);
  if (order.payment && order.payment.status === 'PENDING') watch();
}

async function ordersPage(ctx) {
  const answer = await get('/v1/orders?limit=50');
  const rows = (answer.orders || []).map((o) => [
    h('a', {href: `#/buyer/order/${encodeURIComponent(o.id)}`}, `#${o.payment_code || shortId(o.id)}`),
    itemsText(o), money(o.total), status(o.status), localTime(o.created_at, lang())]);
  ctx.main.append(title(t('nav.orders')), section(t('order.mine'),
    rows.length ? table(null, [t('order.code'), t('order.items'), [t('cart.total'), 'num'], t('col.status'), t('col.time')], rows) : empty(t('order.none'))));
}

// ---- Wallet: balance, movements, top-ups, statement

function topUpForm(ctx, methods, reload) {
  const provider = methodField(t('topup.provider'), wallets(methods), t('methods.noWallet'));
  const amount = field(t('topup.amount'), {required: true, inputmode: 'numeric'}, t('amount.hint'));
  const once = new Once();
  return form(ctx, async (element) => {
    const value = parseDong(amount.input.value);
    if (!value) throw {code: 'BAD_AMOUNT'};
    const topUp = await once.run((key) => post('/v1/wallet/topups', {provider: provider.input.value, amount: value}, {key}));
    element.reset();
    ctx.notify(t('topup.sent', {amount: dong(topUp.amount), provider: topUp.provider}));
    await reload();
  }, provider.row, amount.row, h('button', {type: 'submit', class: 'primary', disabled: provider.none}, t('topup.submit')));
}

async function walletPage(ctx) {
  const figures = h('div', {'aria-live': 'polite'});
  const moves = h('div');
  const topUps = h('div');
  const reload = async () => {
    const w = await get('/v1/wallet');
    figures.replaceChildren(facts([[t('wallet.balance'), money(w.balance, 'big')], [t('wallet.held'), money(w.held)]]));
    const rows = (w.movements || []).map((m) => [localTime(m.at, lang()), t('kind.' + m.kind).startsWith('kind.') ? m.kind : t('kind.' + m.kind), money(m.amount)]);
    moves.replaceChildren(rows.length ? table(null, [t('col.time'), t('col.description'), [t('col.amount'), 'num']], rows) : empty(t('wallet.noMoves')));
    const list = await get('/v1/wallet/topups?limit=20');
    const tu = (list.top_ups || []).map((x) => [localTime(x.created_at, lang()), x.provider, money(x.amount), status(x.status)]);
    topUps.replaceChildren(tu.length ? table(null, [t('col.time'), t('col.provider'), [t('col.amount'), 'num'], t('col.status')], tu) : empty(t('topup.none')));
  };
  const s = statementSection(ctx, '/v1/wallet/statement', 'vi');
  const methods = await paymentMethods();
  ctx.main.append(title(t('nav.wallet')),
    section(t('wallet.title'), figures, button(ctx, t('common.reload'), reload)),
    section(t('wallet.movements'), moves),
    section(t('topup.new'), topUpForm(ctx, methods, reload), topUps),
    section(t('statement.title'), s.element, s.out));
  await reload();
}

export const buyerPages = [
  {path: 'shop', label: 'nav.shop', render: shop},
  {path: 'cart', label: 'nav.cart', render: cartPage},
  {path: 'orders', label: 'nav.orders', render: ordersPage},
  {path: 'wallet', label: 'nav.wallet', render: walletPage},
  {path: 'pay', label: 'nav.payStall', render: payAtStall},
  {path: 'order', label: 'order.title', render: orderPage, hidden: true},
];
