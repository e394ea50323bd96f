// Signing in with a token (typed, pasted or scanned from the operator's printed QR) and
// buyers registering themselves.
import {h, field} from '../dom.js';
import {t} from '../i18n.js';
import {post, Once, remember} from '../api.js';
import {title, section, form, button} from '../ui.js';
import {canScan, startScan} from '../scan.js';
import {qrSvg} from '../qr.js';

function scanButton(ctx, input, submit) {
  if (!canScan()) return h('p', {class: 'hint'}, t('login.noCamera'));
  const view = h('div', {class: 'scan-view'});
  const start = button(ctx, t('login.scan'), async () => {
    const stop = await startScan(view, (code) => {
      input.value = code.trim();
      submit.requestSubmit();
    }, t('login.camera'));
    ctx.leave(stop);
  });
  return h('div', {}, start, view);
}

export async function loginPage(ctx) {
  const tokenField = field(t('login.token'), {
    type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    autocapitalize: 'off',
  }, t('login.tokenHint'));
  const submit = form(ctx, () => ctx.login(tokenField.input.value),
                      tokenField.row, h('button', {type: 'submit', class: 'primary'}, t('login.submit')));
  ctx.main.append(
    title(t('login.title')),
    section(t('login.withToken'), submit, scanButton(ctx, tokenField.input, submit)),
    section(t('login.newBuyer'), h('p', {}, t('login.newBuyerText')),
            h('a', {class: 'button', href: '#/register'}, t('login.register'))));
}

// The token shown once, as text and as a QR code to print or photograph.
export function tokenCard(tokenValue, label) {
  return h('div', {class: 'token-card'},
    h('p', {class: 'warning'}, t('token.once')),
    qrSvg(tokenValue, label),
    h('p', {class: 'token'}, h('code', {}, tokenValue)),
    h('button', {type: 'button', class: 'no-print', onclick: () => window.print()}, t('token.print')));
}

export async function registerPage(ctx) {
  const once = new Once();
  const name = field(t('register.name'), {required: true, autocomplete: 'name', maxlength: '100'});
  const phone = field(t('register.phone'), {required: true, type: 'tel', autocomplete: 'tel', inputmode: 'tel'});
  const result = h('div', {class: 'issued', 'aria-live': 'polite'});
  const send = async () => {
    const answer = await once.run((key) => post('/v1/buyers', {
      name: name.input.value.trim(), phone: phone.input.value.trim(),
    }, {key}));
    remember(answer.token);
    result.replaceChildren(section(t('register.done'), tokenCard(answer.token, t('token.qrLabel')),
      h('a', {class: 'button primary', href: '#/buyer/shop'}, t('register.continue'))));
    ctx.notify(t('register.welcome', {name: answer.buyer.name}));
  };
  ctx.main.append(
    title(t('register.title')),
    section(t('register.title'), form(ctx, send, name.row, phone.row,
      h('button', {type: 'submit', class: 'primary'}, t('register.submit')))),
    result,
    h('p', {}, h('a', {href: '#/login'}, t('register.haveToken'))));
}
