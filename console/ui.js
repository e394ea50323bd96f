// Pieces every page uses: titles, tables, busy buttons, statuses, QR images.
import {h} from './dom.js';
import {t} from './i18n.js';
import {dong} from './format.js';

export function title(text) {
  return h('h1', {tabindex: '-1'}, text);
}

export function section(heading, ...children) {
  return h('section', {class: 'card'}, h('h2', {}, heading), ...children);
}

// A table with column headers; cells may be text or elements. A class 'num' on a header
// right-aligns that column.
export function table(caption, headers, rows) {
  const head = h('tr', {}, headers.map((x) => h('th', {scope: 'col', class: isNum(x) ? 'num' : ''}, label(x))));
  const body = rows.map((row) => h('tr', {}, row.map((cell, i) => h('td', {class: isNum(headers[i]) ? 'num' : ''}, cell))));
  // A wide table scrolls sideways on a phone; the box takes the keyboard focus to scroll it.
  return h('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption || t('common.table')},
           h('table', {}, caption ? h('caption', {}, caption) : null, h('thead', {}, head), h('tbody', {}, body)));
}

function isNum(header) {
  return Array.isArray(header) && header[1] === 'num';
}

function label(header) {
  return Array.isArray(header) ? header[0] : header;
}

// A form whose submit runs `send` once at a time; errors go to ctx.fail.
export function form(ctx, send, ...children) {
  const element = h('form', {class: 'form', novalidate: false}, ...children);
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    run(ctx, element, () => send(element));
  });
  return element;
}

// A button that runs `action` once at a time; errors go to ctx.fail.
export function button(ctx, text, action, kind = '') {
  const element = h('button', {type: 'button', class: kind}, text);
  element.addEventListener('click', () => run(ctx, element, action));
  return element;
}

async function run(ctx, element, action) {
  if (element.getAttribute('aria-busy') === 'true') return;
  element.setAttribute('aria-busy', 'true');
  ctx.clearNotice();
  try {
    await action();
  } catch (error) {
    ctx.fail(error);
  } finally {
    element.removeAttribute('aria-busy');
  }
}

export function money(value, kind = '') {
  return h('span', {class: 'money ' + kind}, dong(value));
}

// An order, payout or request status in words.
export function status(value) {
  const text = t('status.' + value);
  return h('span', {class: 'status status-' + String(value).toLowerCase()}, text.startsWith('status.') ? value : text);
}

// Lines of `name: value` pairs.
export function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(Boolean).map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
}

export function empty(text) {
  return h('p', {class: 'empty'}, text);
}

// The part of an id people read: "o_3fa8…" -> last 8 characters.
export function shortId(id) {
  return String(id || '').slice(-8).toUpperCase();
}
