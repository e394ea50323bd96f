// The stall screen: a big QR for the amount the merchant types, and a live feed of payments
// (Server-Sent Events), each announced aloud in Vietnamese; the screen stays awake meanwhile.
import {h, field} from '../dom.js';
import {t, lang} from '../i18n.js';
import {post, imageUrl, Once} from '../api.js';
import {dong, parseDong, localTime} from '../format.js';
import {title, section, form, button, facts, status} from '../ui.js';
import {receivedSentence} from '../words.js';

// Says `text` in Vietnamese with the Web Speech API, where the browser has it.
export function speak(text) {
  if (!('speechSynthesis' in window)) return false;
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = 'vi-VN';
  const voice = speechSynthesis.getVoices().find((v) => v.lang.toLowerCase().startsWith('vi'));
  if (voice) utterance.voice = voice;
  speechSynthesis.speak(utterance);
  return true;
}

// Keeps the screen on while the page is open; asks again when the page becomes visible.
function keepAwake(ctx, show) {
  let lock = null;
  let open = true;
  const request = async () => {
    if (!('wakeLock' in navigator)) return show(t('stall.awakeUnsupported'));
    try {
      lock = await navigator.wakeLock.request('screen');
      if (!open) return lock.release();
      show(t('stall.awakeOn'));
      lock.addEventListener('release', () => show(t('stall.awakeOff')));
    } catch {
      show(t('stall.awakeFailed'));
    }
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible' && (!lock || lock.released)) request();
  };
  document.addEventListener('visibilitychange', onVisible);
  ctx.leave(() => {
    open = false;
    document.removeEventListener('visibilitychange', onVisible);
    if (lock && !lock.released) lock.release();
  });
  request();
}

// The merchant's event stream: a ticket, then EventSource; a fresh ticket on every reconnect,
// resuming after the last event seen.
function listen(ctx, onPayment, showState) {
  let source = null;
  let timer = null;
  let lastId = '';
  let open = true;
  const retry = () => {
    if (open) timer = setTimeout(connect, 3000);
  };
  async function connect() {
    if (!open) return;
    let ticket;
    try {
      ticket = (await post('/v1/merchant/events/tickets', {})).ticket;
    } catch {
      showState(t('stall.offline'));
      return retry();
    }
    const resume = lastId ? `&last_event_id=${encodeURIComponent(lastId)}` : '';
    source = new EventSource(`/v1/merchant/events?ticket=${encodeURIComponent(ticket)}${resume}`);
    source.addEventListener('open', () => showState(t('stall.live')));
    source.addEventListener('payment.received', (event) => {
      lastId = event.lastEventId || lastId;
      onPayment(JSON.parse(event.data));
    });
    source.addEventListener('error', () => {
      showState(t('stall.offline'));
      source.close();
      retry();
    });
  }
  ctx.leave(() => {
    open = false;
    clearTimeout(timer);
    if (source) source.close();
  });
  connect();
}

function feedItem(event) {
  const who = event.buyer_name ? ` – ${event.buyer_name}` : '';
  const what = event.kind === 'order' ? t('stall.kindOrder') : t('stall.kindStall');
  return h('li', {class: 'payment', 'data-amount': event.amount},
    h('strong', {class: 'money big'}, dong(event.amount)),
    h('span', {}, `${what}${who}`),
    h('time', {datetime: event.at || ''}, localTime(event.at || new Date(), lang())));
}

function requestView(request) {
  const alt = t('stall.qrAlt', {amount: request.amount !== '0' ? dong(request.amount) : t('stall.openAmount')});
  return h('div', {class: 'stall-request', 'data-code': request.code},
    h('img', {class: 'qr big-qr', src: `/v1/payment-requests/${encodeURIComponent(request.code)}/qr.svg`, alt}),
    h('p', {class: 'amount-now'}, request.amount !== '0' ? dong(request.amount) : t('stall.openAmount')),
    facts([[t('stall.code'), h('code', {}, request.code)],
           [t('col.status'), h('span', {class: 'request-status'}, status(request.status))],
           request.note ? [t('stall.note'), request.note] : null]));
}

function requestForm(ctx, shown) {
  const amount = field(t('stall.amount'), {required: true, inputmode: 'numeric', autocomplete: 'off'}, t('amount.hint'));
  const note = field(t('stall.note'), {maxlength: '100'});
  const once = new Once();
  const send = async () => {
    const value = parseDong(amount.input.value);
    if (!value) throw {code: 'BAD_AMOUNT'};
    const body = {amount: value, note: note.input.value.trim(), expires_in_seconds: 600};
    shown(await once.run((key) => post('/v1/payment-requests', body, {key})));
  };
  // A changed amount or note is a new request, not a retry of the last one.
  amount.input.addEventListener('input', () => once.reset());
  note.input.addEventListener('input', () => once.reset());
  return form(ctx, send, h('div', {class: 'inline'}, amount.row, note.row),
              h('button', {type: 'submit', class: 'primary'}, t('stall.show')));
}

function fixedQr(ctx, place) {
  return button(ctx, t('stall.fixed'), async () => {
    const url = await imageUrl('/v1/merchant/qr.svg');
    ctx.leave(() => URL.revokeObjectURL(url));
    place.replaceChildren(h('img', {class: 'qr big-qr', src: url, alt: t('stall.fixedAlt')}));
  });
}

export async function stallPage(ctx) {
  let current = null;
  const qrPlace = h('div', {class: 'qr-place', 'aria-live': 'polite'});
  const feed = h('ol', {class: 'feed', 'aria-live': 'polite', 'aria-label': t('stall.feed')});
  const state = h('p', {class: 'stream-state'}, t('stall.connecting'));
  const awake = h('p', {class: 'hint awake'});
  const voice = field(t('stall.speak'), {type: 'checkbox', checked: true});
  const shown = (request) => {
    current = request;
    qrPlace.replaceChildren(requestView(request));
  };
  const onPayment = (event) => {
    feed.prepend(feedItem(event));
    if (voice.input.checked) speak(receivedSentence(event.amount));
    if (current && event.request_code === current.code) {
      qrPlace.querySelector('.request-status').replaceChildren(status('PAID'));
    }
  };
  ctx.main.append(title(t('nav.stall')),
    h('div', {class: 'stall'},
      section(t('stall.collect'), requestForm(ctx, shown), qrPlace, fixedQr(ctx, qrPlace)),
      section(t('stall.feed'), state, h('div', {class: 'check'}, voice.row), awake, feed)));
  keepAwake(ctx, (text) => {
    awake.textContent = text;
  });
  listen(ctx, onPayment, (text) => {
    state.textContent = text;
  });
}
