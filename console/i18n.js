// Vietnamese (default) and English texts, and every API error code as a plain sentence.
import {TEXTS} from './texts.js';
import {localTime} from './format.js';

const LANG_KEY = 'market4.lang';

export function lang() {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
}

export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === 'en' ? 'en' : 'vi');
}

// The text for `key` in the chosen language, with {name} places filled from `vars`;
// the key itself when there is no such text.
export function t(key, vars = {}, language = lang()) {
  const pair = TEXTS[key];
  if (!pair) return key;
  const text = pair[language === 'en' ? 1 : 0];
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
}

// Whether there is a sentence for an error code.
export function knowsError(code) {
  return ('err.' + code) in TEXTS;
}

// An error (an ApiError from api.js, or {code}) as one plain sentence in the chosen language.
export function errorSentence(error, language = lang()) {
  const code = error && error.code;
  let sentence = knowsError(code) ? t('err.' + code, {}, language) : t('err.UNKNOWN', {}, language);
  const details = (error && error.details) || {};
  if (code === 'RATE_LIMITED' && error.retryAfter) {
    sentence += ' ' + t('err.retryAfter', {seconds: error.retryAfter}, language);
  }
  if (code === 'INVALID_ARGUMENT' && details.field) {
    sentence += ' ' + t('err.field', {field: details.field}, language);
  }
  if (code === 'FAILED_PRECONDITION' && details.status) {
    const status = t('status.' + details.status, {}, language);
    sentence += ' ' + t('err.status', {status: status.startsWith('status.') ? details.status : status}, language);
  }
  if (code === 'FAILED_PRECONDITION' && details.next_day) {
    sentence += ' ' + t('err.nextDay', {date: details.next_day}, language);
  }
  if (code === 'FAILED_PRECONDITION' && details.ends_at) {
    sentence += ' ' + t('err.endsAt', {time: localTime(details.ends_at, language)}, language);
  }
  if (code === 'FAILED_PRECONDITION' && details.first_day) {
    sentence += ' ' + t('err.firstDay', {date: details.first_day}, language);
  }
  return sentence;
}
