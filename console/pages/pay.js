// A buyer pays at a stall: scan the stall's QR (or type its code), check who and how much,
// then pay from the wallet under one Idempotency-Key.
import {h, field} from '../dom.js';
import {t} from '../i18n.js';
import {get, post, Once} from '../api.js';
import {dong, parseDong} from '../format.js';
import {title, section, form, button, facts, status} from '../ui.js';
import {canScan, startScan, stallCode} from '../scan.js';

function requestFacts(request) {
  return facts([[t('pay.merchant'), request.merchant_name],
    [t('col.amount'), request.amount !== '0' ? h('span', {class: 'money big'}, dong(request.amount)) : t('stall.openAmount')],
    request.note ? [t('stall.note'), request.note] : null,
    [t('col.status'), status(request.status)]]);
}

function payForm(ctx, request, done) {
  const once = new Once();
  const open = request.amount === '0';
  const amount = open ? field(t('pay.amountToPay'), {required: true, inputmode: 'numeric'}, t('amount.hint')) : null;
  return form(ctx, async () => {
    const body = {};
    if (open) {
      body.amount = parseDong(amount.input.value);
      if (!body.amount) throw {code: 'BAD_AMOUNT'};
    }
    const payment = await once.run((key) => post(`/v1/payment-requests/${encodeURIComponent(request.code)}/pay`, body, {key}));
    done(payment);
  }, amount ? amount.row : null,
  h('button', {type: 'submit', class: 'primary'}, t('pay.payNow')));
}

export async function payAtStall(ctx) {
  const code = field(t('pay.code'), {required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false'}, t('pay.codeHint'));
  const found = h('div', {'aria-live': 'polite'});
  const camera = h('div', {class: 'scan-view'});
  const lookup = async () => {
    const value = stallCode(code.input.value);
    code.input.value = value;
    const request = await get(`/v1/payment-requests/${encodeURIComponent(value)}`);
    const done = (payment) => {
      ctx.notify(t('pay.paidStall', {amount: dong(payment.amount), merchant: request.merchant_name}));
      found.replaceChildren(section(t('pay.paidTitle'), facts([[t('pay.merchant'), request.merchant_name], [t('col.amount'), h('span', {class: 'money big'}, dong(payment.amount))]])));
    };
    found.replaceChildren(section(t('pay.check'), requestFacts(request),
      request.status === 'OPEN' ? payForm(ctx, request, done) : null));
  };
  const lookupForm = form(ctx, lookup, code.row, h('button', {type: 'submit', class: 'primary'}, t('pay.lookup')));
  const scan = canScan() ? button(ctx, t('login.scan'), async () => {
    const stop = await startScan(camera, (text) => {
      code.input.value = stallCode(text);
      lookupForm.requestSubmit();
    }, t('login.camera'));
    ctx.leave(stop);
  }) : h('p', {class: 'hint'}, t('pay.noCamera'));
  ctx.main.append(title(t('nav.payStall')), section(t('pay.findStall'), lookupForm, scan, camera), found);
}
