// Money, times and amounts as people at the market read and type them.

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const money = new Intl.NumberFormat('vi-VN', {style: 'currency', currency: 'VND'});

// "25.000 ₫" for 25000, "25000" or 25000n; amounts are whole dong (int64 strings on the wire).
export function dong(value) {
  const text = String(value ?? '0').trim();
  return money.format(/^-?\d+$/.test(text) ? BigInt(text) : 0n);
}

// Reads what a person typed as whole dong: "25000", "25.000", "25,000", "25 000 đ".
// Returns the amount as a string of digits, or null if it is not a positive whole number.
export function parseDong(text) {
  const cleaned = String(text ?? '').replace(/[\s\u00a0]/g, '').replace(/(₫|đồng|đ|vnd)$/i, '');
  if (!/^\d{1,3}([.,]\d{3})*$|^\d+$/.test(cleaned)) return null;
  const digits = cleaned.replace(/[.,]/g, '').replace(/^0+(?=\d)/, '');
  if (digits === '0' || digits.length > 18) return null;
  return digits;
}

// A whole count (stock, quantity): "3" -> "3"; null if not a whole number >= min.
export function parseCount(text, min = 1) {
  const cleaned = String(text ?? '').trim();
  if (!/^\d{1,12}$/.test(cleaned)) return null;
  return Number(cleaned) >= min ? String(Number(cleaned)) : null;
}

function localeOf(lang) {
  return lang === 'en' ? 'en-GB' : 'vi-VN';
}

// A timestamp (RFC 3339 or Date) in the market's local time: "29/11/2026, 17:05".
export function localTime(value, lang = 'vi') {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(localeOf(lang), {
    timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(date);
}

// The market's local date (YYYY-MM-DD) of a moment, `daysAgo` days earlier.
export function localDate(daysAgo = 0, now = new Date()) {
  const moment = new Date(now.getTime() - daysAgo * 86400000);
  return new Intl.DateTimeFormat('en-CA', {timeZone: TIME_ZONE}).format(moment);
}
