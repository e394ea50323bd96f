// Calls to the market4 API on the same origin, with the token kept in sessionStorage only.

const TOKEN_KEY = 'market4.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function remember(value) {
  sessionStorage.setItem(TOKEN_KEY, value.trim());
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// An API error: the server's stable code, its message and details, and the HTTP status.
export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryAfter = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.retryAfter = retryAfter;
  }
}

// A random UUID, also where crypto.randomUUID is missing (pages served over plain HTTP).
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function errorOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const code = body.code || (response.status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN');
  return new ApiError(response.status, code, body.message, body.details,
                      response.headers.get('Retry-After'));
}

function headersFor(options) {
  const headers = {Accept: options.accept || 'application/json'};
  if (token()) headers.Authorization = 'Bearer ' + token();
  if (options.type) headers['Content-Type'] = options.type;
  if (options.key) headers['Idempotency-Key'] = options.key;
  return headers;
}

// One request. `body` is JSON (or raw text with options.type); options.key sets the
// Idempotency-Key; options.accept 'text/csv' returns text; options.blob returns a Blob.
export async function api(method, path, body, options = {}) {
  const raw = typeof body === 'string';
  const type = body === undefined ? undefined : options.type || 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headersFor({...options, type}),
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', String(error));
  }
  if (!response.ok) throw await errorOf(response);
  if (options.blob) return response.blob();
  if (options.accept && options.accept !== 'application/json') return response.text();
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path, options) => api('GET', path, undefined, options);
export const post = (path, body = {}, options) => api('POST', path, body, options);
export const patch = (path, body, options) => api('PATCH', path, body, options);
export const del = (path, options) => api('DELETE', path, undefined, options);

// An action sent under one Idempotency-Key until it succeeds: a retry after a failure or a
// lost answer reuses the key, so the server applies it once. reset() starts a new action.
export class Once {
  constructor() {
    this.key = null;
  }

  async run(send) {
    this.key = this.key || uuid();
    const answer = await send(this.key);
    this.key = null;
    return answer;
  }

  reset() {
    this.key = null;
  }
}

// A URL of an image fetched with the token (for QR codes behind a Bearer token).
export async function imageUrl(path) {
  const blob = await get(path, {blob: true, accept: 'image/svg+xml'});
  return URL.createObjectURL(blob);
}

// Every page of a paged list: fetches `path` with page_token until the end (at most `max`).
export async function allPages(path, field, max = 50) {
  const items = [];
  let pageToken = '';
  for (let page = 0; page < max; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const answer = await get(pageToken ? `${path}${sep}page_token=${encodeURIComponent(pageToken)}` : path);
    items.push(...(answer[field] || []));
    pageToken = answer.next_page_token;
    if (!pageToken) break;
  }
  return items;
}

// Saves text as a file the browser downloads.
export function download(name, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], {type}));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
