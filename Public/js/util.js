// Small helpers shared by the UI modules. No module here touches the network.
import { currentLang } from './i18n.js';

/** Shorthand for document.getElementById. */
export const $ = (id) => document.getElementById(id);

/**
 * Creates an element. `props` may hold `class`, `text` (set as textContent,
 * never as HTML), `dataset`, `attrs`, and event handlers named `onX`.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'attrs') for (const [a, v] of Object.entries(value)) node.setAttribute(a, v);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A random v4 UUID; falls back to getRandomValues outside secure contexts. */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** "1.2 MB" style sizes, in the UI language's number format. */
export function formatSize(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  const number = new Intl.NumberFormat(currentLang(), { maximumFractionDigits: digits }).format(value);
  return `${number} ${units[unit]}`;
}

/** Time only when the date is today, else a short date. */
export function formatListDate(iso) {
  const date = parseDate(iso);
  if (!date) return '';
  const now = new Date();
  const lang = currentLang();
  if (date.toDateString() === now.toDateString()) {
    return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(date);
  }
  if (date.getFullYear() === now.getFullYear()) {
    return new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short' }).format(date);
  }
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short' }).format(date);
}

/** A full, readable date and time. */
export function formatFullDate(iso) {
  const date = parseDate(iso);
  if (!date) return '';
  return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'full', timeStyle: 'short' }).format(date);
}

function parseDate(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The display form of one address object: its name, else the address. */
export function displayName(addr) {
  if (!addr) return '';
  return trustedName(addr) || addr.address || '';
}

const ADDRESS_LIKE = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;

/**
 * The display name when it can be shown, else ''. A name that contains an
 * address other than the real one ("boss@mail.test" <carol@mail.test>) would
 * pass for the sender's address, so it is not shown: the real address is.
 */
export function trustedName(addr) {
  const name = (addr?.name || '').trim();
  if (!name) return '';
  const real = (addr.address || '').toLowerCase();
  const named = name.match(ADDRESS_LIKE) || [];
  if (named.some((a) => a.toLowerCase() !== real)) return '';
  // A name that is just the address itself adds nothing.
  return name.toLowerCase() === real ? '' : name;
}

/** "Name <a@b>" for one address object (the name quoted when it needs it). */
export function formatAddress(addr) {
  if (!addr) return '';
  const name = trustedName(addr);
  if (!name) return addr.address || '';
  const needsQuotes = /[(),.:;<>@[\\\]"]/.test(name);
  const shown = needsQuotes ? `"${name.replace(/(["\\])/g, '\\$1')}"` : name;
  return `${shown} <${addr.address}>`;
}

export function formatAddressList(list) {
  return (list || []).map(formatAddress).join(', ');
}

/**
 * Splits "a@b, \"Doe, Jane\" <j@d>; c@d" into its addresses. Commas and
 * semicolons inside quotes or angle brackets do not split.
 */
export function splitAddresses(input) {
  const out = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < input.length; i += 1) {
    const ch = input[i];
    if (ch === '\\' && quoted && i + 1 < input.length) {
      current += ch + input[i + 1];
      i += 1;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** The base64 content of a Blob or File (without the data: prefix). */
export function blobToBase64(blob) {
  return blobToDataURL(blob).then((url) => url.slice(url.indexOf(',') + 1));
}

export function blobToDataURL(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Lets the browser save a Blob under `filename`. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename || 'download' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Appends `text` to `parent` as text nodes, turning http(s) URLs into links
 * that open in a new tab. Never parses the text as HTML.
 */
export function appendLinkified(parent, text) {
  const pattern = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    parent.append(el('a', {
      href: match[0], text: match[0], target: '_blank', rel: 'noopener noreferrer',
    }));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** True when a key event comes from a place where the user types. */
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
}
