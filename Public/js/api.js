// The only module that talks to the Postillon HTTP API (/api/v1).
// The session (token, username, address, expiresAt) lives in sessionStorage;
// the password is never stored.
import { uuid } from './util.js';

const BASE = '/api/v1';
const SESSION_KEY = 'postillon.session';

/** An API failure: the fields of the RFC 9457 problem, or `network: true`. */
export class ApiError extends Error {
  constructor(problem = {}, { status = 0, network = false, retryAfter = null } = {}) {
    super(problem.detail || problem.title || 'Request failed');
    this.name = 'ApiError';
    this.status = problem.status || status;
    this.title = problem.title || '';
    this.detail = problem.detail || '';
    this.code = problem.code || (network ? 'network' : '');
    this.type = problem.type || '';
    this.requestId = problem.requestId || '';
    this.network = network;
    this.retryAfter = retryAfter;
    this.unauthorized = false; // set when the session ended and the app went back to sign-in
  }
}

let unauthorizedHandler = () => {};
let busyHandler = () => {};
let inFlight = 0;

/** Called (with the ApiError) when an authenticated request gets 401. */
export function onUnauthorized(fn) { unauthorizedHandler = fn; }
/** Called with true/false when requests start/all finish (for a spinner). */
export function onBusyChange(fn) { busyHandler = fn; }

export function getSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return session && session.token ? session : null;
  } catch {
    return null;
  }
}

function setSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function problemFrom(response) {
  const type = response.headers.get('Content-Type') || '';
  let problem = {};
  try {
    if (type.includes('json')) problem = await response.json();
    else {
      const text = (await response.text()).trim();
      problem = { detail: text.slice(0, 300) };
    }
  } catch { /* an unreadable body: keep the status line only */ }
  if (!problem || typeof problem !== 'object') problem = {};
  if (!problem.title) problem.title = `${response.status} ${response.statusText}`.trim();
  if (!problem.status) problem.status = response.status;
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return new ApiError(problem, { status: response.status, retryAfter: Number.isNaN(retryAfter) ? null : retryAfter });
}

/**
 * One API call. `expect` is 'json', 'text', 'blob' or 'none'. GET requests that
 * meet a briefly busy or locked mailbox (503/409 with a short Retry-After) are
 * retried once.
 */
async function request(method, path, { body, headers = {}, expect = 'json', auth = true } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
  if (auth) {
    const session = getSession();
    if (session) init.headers.Authorization = `Bearer ${session.token}`;
  }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (expect === 'blob' || expect === 'text') init.headers.Accept = '*/*';

  inFlight += 1;
  if (inFlight === 1) busyHandler(true);
  try {
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await fetch(BASE + path, init);
      } catch (cause) {
        const err = new ApiError({ detail: String(cause?.message || cause) }, { network: true });
        throw err;
      }
      if (response.ok) {
        if (expect === 'none' || response.status === 204) return null;
        if (expect === 'blob') return await response.blob();
        if (expect === 'text') return await response.text();
        return await response.json();
      }
      const err = await problemFrom(response);
      const transient = (response.status === 503 || response.status === 409)
        && err.retryAfter !== null && err.retryAfter <= 5;
      if (method === 'GET' && transient && attempt === 0) {
        await sleep(Math.max(err.retryAfter, 1) * 1000);
        continue;
      }
      if (response.status === 401 && auth) {
        clearSession();
        err.unauthorized = true;
        unauthorizedHandler(err);
      }
      throw err;
    }
  } finally {
    inFlight -= 1;
    if (inFlight === 0) busyHandler(false);
  }
}

const enc = encodeURIComponent;

/** POST /sessions; keeps token, username, address and expiry for this tab. */
export async function login(username, password) {
  const result = await request('POST', '/sessions', { body: { username, password }, auth: false });
  setSession({
    token: result.token,
    expiresAt: result.expiresAt || null,
    username: result.username || username,
    address: result.address || '',
  });
  return getSession();
}

/** DELETE /sessions/current; the local session is cleared even if that fails. */
export async function logout() {
  try {
    if (getSession()) await request('DELETE', '/sessions/current', { expect: 'none', auth: true });
  } finally {
    clearSession();
  }
}

export const getMailbox = () => request('GET', '/mailbox');

export function listMessages({ limit = 50, cursor = null, filters = {} } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  for (const [key, value] of Object.entries(filters)) if (value !== '' && value !== undefined) query.set(key, String(value));
  return request('GET', `/messages?${query}`);
}

let features = null;

/**
 * What this server offers beyond the base API, read once from its own OpenAPI
 * document: `search` (the q parameter of GET /messages) and `events`
 * (GET /events). Features built on other branches appear when the server has them.
 */
export async function serverFeatures() {
  if (!features) {
    features = (async () => {
      try {
        const doc = await request('GET', '/openapi.json', { auth: false });
        const list = doc?.paths?.['/api/v1/messages']?.get?.parameters || [];
        return {
          search: list.some((p) => p && p.name === 'q' && p.in === 'query'),
          events: Boolean(doc?.paths?.['/api/v1/events']?.get),
        };
      } catch {
        return { search: false, events: false };
      }
    })();
  }
  return features;
}

/**
 * Follows GET /events (text/event-stream) with the bearer token until `signal`
 * aborts; calls onEvent({type, data, id}) per event. fetch, not EventSource:
 * EventSource cannot send an Authorization header. Resolves when the stream ends.
 */
export async function followEvents(onEvent, signal, lastEventId = null) {
  const session = getSession();
  const headers = { Accept: 'text/event-stream' };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  const response = await fetch(`${BASE}/events`, { headers, signal, cache: 'no-store' });
  if (!response.ok || !response.body) throw await problemFrom(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { type: 'message', data: [], id: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (event.data.length) onEvent({ type: event.type, data: event.data.join('\n'), id: event.id });
        event = { type: 'message', data: [], id: null };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = text;
      else if (field === 'data') event.data.push(text);
      else if (field === 'id') event.id = text;
    }
    if (buffer.length > 1 << 20) throw new Error('event stream line too long');
  }
}

export const getMessage = (id) => request('GET', `/messages/${enc(id)}`);

/** PATCH /messages/{id} {seen?, flagged?}: Postillon's own flags (POP3 has none). */
export const setFlags = (id, flags) => request('PATCH', `/messages/${enc(id)}`, { body: flags });

export const getRawMessage = (id) => request('GET', `/messages/${enc(id)}/raw`, { expect: 'text' });

/** The decoded bytes of one attachment as a Blob. */
export function getAttachment(id, partId, { inline = false } = {}) {
  const query = inline ? '?inline=1' : '';
  return request('GET', `/messages/${enc(id)}/attachments/${enc(partId)}${query}`, { expect: 'blob' });
}

export const deleteMessage = (id) => request('DELETE', `/messages/${enc(id)}`, { expect: 'none' });

/** POST /messages/delete -> {deleted, notFound}. */
export function deleteMessages(ids) {
  return request('POST', '/messages/delete', { body: { ids }, headers: { 'Idempotency-Key': uuid() } });
}

/** POST /send (JSON) -> {messageId, accepted, rejected}. */
export function sendMessage(payload, idempotencyKey = uuid()) {
  return request('POST', '/send', { body: payload, headers: { 'Idempotency-Key': idempotencyKey } });
}
