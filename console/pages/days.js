// The operators' day: close a business day, have another operator approve it, and read its
// report (a table, and CSV for a spreadsheet).
import {h, field} from '../dom.js';
import {t, lang} from '../i18n.js';
import {get, post, download} from '../api.js';
import {localDate, localTime} from '../format.js';
import {title, section, table, form, button, money, status, facts, empty} from '../ui.js';

function accountsTable(report) {
  const rows = (report.accounts || []).map((a) => [h('code', {}, a.account_id), money(a.opening), money(a.debits), money(a.credits), money(a.closing)]);
  const sum = (report.accounts || []).reduce((s, a) => s + BigInt(a.closing), 0n);
  rows.push([h('strong', {}, t('day.sum')), '', money(report.totals ? report.totals.debits : 0), money(report.totals ? report.totals.credits : 0), h('strong', {class: 'closing-sum'}, money(sum))]);
  return table(t('day.accounts'), [t('col.account'), [t('day.opening'), 'num'], [t('col.debits'), 'num'], [t('col.credits'), 'num'], [t('day.closing'), 'num']], rows);
}

// "order_settlement" -> "Thanh toán đơn cho người bán"; a name without a text stays as it is.
function kindName(name) {
  const text = t('kind.' + name);
  return text.startsWith('kind.') ? name : text;
}

function codesTable(report) {
  const rows = (report.by_code || []).map((c) => [String(c.code), kindName(c.name), String(c.count), money(c.amount)]);
  return rows.length ? table(t('day.byCode'), [t('day.code'), t('day.kind'), [t('day.count'), 'num'], [t('col.amount'), 'num']], rows) : null;
}

function reportView(close, report) {
  return section(t('day.report', {date: report.date}),
    facts([[t('col.status'), h('span', {class: 'day-status'}, status(report.status))],
      close && close.closed_by ? [t('day.closedBy'), `${close.closed_by} · ${localTime(close.closed_at, lang())}`] : null,
      close && close.approved_by ? [t('day.approvedBy'), `${close.approved_by} · ${localTime(close.approved_at, lang())}`] : null,
      [t('day.entries'), String(report.entries)], [t('day.offset'), report.utc_offset],
      [t('day.chainHead'), h('code', {class: 'hash'}, report.chain_head)]]),
    accountsTable(report), codesTable(report));
}

async function daysList(list) {
  const answer = await get('/v1/days?limit=50');
  const rows = (answer.days || []).map((d) => [d.date, status(d.status), d.closed_by, d.approved_by || '–']);
  list.replaceChildren(rows.length ? table(null, [t('day.date'), t('col.status'), t('day.closedBy'), t('day.approvedBy')], rows) : empty(t('day.none')));
}

export async function daysPage(ctx) {
  const date = field(t('day.date'), {type: 'date', value: localDate(1), required: true}, t('day.dateHint'));
  const out = h('div', {'aria-live': 'polite'});
  const list = h('div');
  const day = () => date.input.value;
  const after = async (close, message) => {
    ctx.notify(message);
    out.replaceChildren(reportView(close, close.report));
    await daysList(list);
  };
  const close = async () => {
    const answer = await post(`/v1/days/${day()}/close`, {});
    await after(answer, t('day.closed', {date: day()}));
  };
  const approve = async () => {
    const answer = await post(`/v1/days/${day()}/approve`, {});
    await after(answer, t('day.approved', {date: day()}));
  };
  const show = async () => {
    const report = await get(`/v1/days/${day()}/report`);
    out.replaceChildren(reportView(null, report));
  };
  const csv = async () => {
    download(`ngay-${day()}.csv`, await get(`/v1/days/${day()}/report?format=csv`, {accept: 'text/csv'}));
  };
  ctx.main.append(title(t('nav.days')),
    section(t('day.title'), h('p', {class: 'hint'}, t('day.fourEyes')),
      form(ctx, show, date.row, h('div', {class: 'actions'},
        button(ctx, t('day.close'), close, 'primary'), button(ctx, t('day.approve'), approve),
        h('button', {type: 'submit'}, t('day.show')), button(ctx, t('day.csv'), csv)))),
    out, section(t('day.list'), list));
  await daysList(list);
}
