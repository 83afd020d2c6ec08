// The message list: pages, the current row, checked rows, mailbox totals.
import * as api from './api.js';
import { t, onLanguageChange } from './i18n.js';
import { showError } from './notify.js';
import { $, el, displayName, formatListDate, formatFullDate, formatSize } from './util.js';

const PAGE_SIZE = 50;
const SVG_NS = 'http://www.w3.org/2000/svg';

const state = {
  rows: [],           // summaries in list order (newest first)
  nextCursor: null,
  total: 0,
  mailbox: null,      // {messages, bytes, capabilities}
  currentId: null,    // the highlighted (and usually opened) row
  checked: new Set(),
  loadingMore: false,
  filters: {},        // search: {q, hasAttachments} when the server offers search
  index: null,        // search results: {complete, indexed, total} of the server's summary index
  newMail: 0,         // messages that arrived since the window last had focus
  unread: null,       // unread messages in the whole mailbox, from the last unfiltered list (null: unknown)
};

/** Sets the search filters (empty: the whole mailbox) and reloads the first page. */
export function setFilters(filters) {
  const next = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '' && v !== false && v != null));
  state.filters = next;
  return reloadInbox();
}

// While the server is still indexing, the first page of results is fetched again now and then,
// so results grow as the index does (not after the user paged further: that would reset the list).
const INDEX_POLL_MS = 3000;
let indexPoll = null;

function scheduleIndexPoll() {
  clearTimeout(indexPoll);
  indexPoll = null;
  if (!isFiltered() || !state.index || state.index.complete) return;
  const filters = state.filters;
  indexPoll = setTimeout(() => {
    if (state.filters === filters && state.rows.length <= PAGE_SIZE && !state.loadingMore) reloadInbox();
  }, INDEX_POLL_MS);
}

function renderIndexHint() {
  const hint = $('search-index');
  const index = isFiltered() ? state.index : null;
  hint.hidden = !index || index.complete;
  hint.textContent = hint.hidden ? '' : t('search.indexing', { indexed: index.indexed, total: index.total });
}

export const isFiltered = () => Object.keys(state.filters).length > 0;
/** The filters now in effect (search box contents as sent). */
export const currentFilters = () => ({ ...state.filters });

/** Counts new mail for the title badge until the user looks (window focus). */
export function noteNewMail(count = 1) {
  if (document.hasFocus()) return;
  state.newMail += count;
  renderTitle();
}

export function clearNewMail() {
  state.newMail = 0;
  renderTitle();
}

let options = { onOpen: () => {}, onSelectionChange: () => {} };

/**
 * Unread and flagged state exists only when the server keeps flags: summaries
 * then carry `seen` and `flagged`. Without them no unread UI is shown at all.
 */
export const flagsSupported = () => state.rows.some((r) => typeof r.seen === 'boolean');
export const unreadCount = () => state.rows.filter((r) => r.seen === false).length;

/** Applies a flag change to the listed summary of `id` (after the server accepted it); false when not listed. */
export function updateFlags(id, flags) {
  const row = summaryFor(id);
  if (!row) return false;
  if (typeof state.unread === 'number' && typeof flags.seen === 'boolean' && row.seen !== flags.seen) {
    state.unread = Math.max(0, state.unread + (flags.seen ? -1 : 1));
  }
  Object.assign(row, flags);
  render();
  return true;
}

function renderTitle() {
  // The mailbox's unread count from the server when known, else what the loaded rows show.
  const unread = typeof state.unread === 'number' ? state.unread : (flagsSupported() ? unreadCount() : 0);
  const badge = [unread ? String(unread) : '', state.newMail ? `+${state.newMail}` : ''].filter(Boolean).join(' ');
  document.title = badge ? `(${badge}) Postillon` : 'Postillon';
}

export function initInbox(opts) {
  options = { ...options, ...opts };
  const list = $('message-list');
  list.addEventListener('click', (event) => {
    const row = event.target.closest('.message-row');
    if (!row || event.target.closest('.check')) return;
    openRow(row.dataset.id);
  });
  list.addEventListener('change', (event) => {
    const box = event.target.closest('.message-row input[type=checkbox]');
    if (!box) return;
    const { id } = box.closest('.message-row').dataset;
    if (box.checked) state.checked.add(id); else state.checked.delete(id);
    box.closest('.message-row').classList.toggle('is-checked', box.checked);
    selectionChanged();
  });
  $('select-all').addEventListener('change', (event) => {
    state.checked = event.target.checked ? new Set(state.rows.map((r) => r.id)) : new Set();
    render();
  });
  $('load-more').addEventListener('click', () => loadMore());
  onLanguageChange(() => { render(); renderCount(); });
}

/** Loads the first page and the mailbox totals again. Returns false on error. */
export async function reloadInbox() {
  try {
    const page = await api.listMessages({ limit: PAGE_SIZE, filters: state.filters });
    state.rows = page.messages || [];
    state.nextCursor = page.nextCursor || null;
    state.total = page.total ?? state.rows.length;
    state.index = page.index || null;
    if (!isFiltered() && typeof page.unread === 'number') state.unread = page.unread;
    const ids = new Set(state.rows.map((r) => r.id));
    state.checked = new Set([...state.checked].filter((id) => ids.has(id)));
    render();
  } catch (err) {
    state.index = null;
    renderIndexHint();
    showError(err);
    return false;
  }
  scheduleIndexPoll();
  await refreshMailboxStats();
  return true;
}

export async function loadMore() {
  if (!state.nextCursor || state.loadingMore) return;
  state.loadingMore = true;
  $('load-more').disabled = true;
  try {
    const page = await api.listMessages({ limit: PAGE_SIZE, cursor: state.nextCursor, filters: state.filters });
    const known = new Set(state.rows.map((r) => r.id));
    state.rows.push(...(page.messages || []).filter((m) => !known.has(m.id)));
    state.nextCursor = page.nextCursor || null;
    state.total = page.total ?? state.total;
    state.index = page.index || state.index;
    render();
  } catch (err) {
    showError(err);
  } finally {
    state.loadingMore = false;
    $('load-more').disabled = false;
  }
}

async function refreshMailboxStats() {
  try {
    state.mailbox = await api.getMailbox();
  } catch (err) {
    state.mailbox = null;
    showError(err);
  }
  renderCount();
}

function renderCount() {
  const count = state.mailbox?.messages ?? state.total;
  const size = state.mailbox ? formatSize(state.mailbox.bytes) : '';
  $('mailbox-count').textContent = state.mailbox || state.rows.length
    ? t('mailbox.count', { count, size }).replace(/ · $/, '')
    : '';
}

function clipIcon() {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', 'M16.5 6.5 8.6 14.4a1.5 1.5 0 0 0 2.1 2.1l7.6-7.6a3.5 3.5 0 0 0-5-5L5.6 11.6a5.5 5.5 0 0 0 7.8 7.8l6.1-6.1');
  svg.append(path);
  return el('span', { class: 'clip', title: t('list.attachment'), attrs: { role: 'img', 'aria-label': t('list.attachment') } }, svg);
}

function renderRow(summary) {
  const subject = summary.subject || t('list.noSubject');
  const sender = (summary.from || []).map(displayName).filter(Boolean).join(', ') || t('list.unknownSender');
  const fromTitle = (summary.from || []).map((a) => a.address).join(', ');
  const hasAttachments = /^multipart\/mixed/i.test(summary.contentType || '');
  const checked = state.checked.has(summary.id);
  const current = summary.id === state.currentId;
  const unread = summary.seen === false;
  return el('li', {
    class: `message-row${current ? ' is-current' : ''}${checked ? ' is-checked' : ''}${unread ? ' is-unread' : ''}${summary.flagged ? ' is-flagged' : ''}`,
    dataset: { id: summary.id, testid: 'message-row' },
  },
  el('label', { class: 'check' },
    el('input', { type: 'checkbox', checked, attrs: { 'aria-label': t('list.select', { subject }) } })),
  el('button', {
    type: 'button', class: 'row-main', attrs: current ? { 'aria-current': 'true' } : {},
  },
  el('span', { class: 'row-sender', text: sender, title: fromTitle }),
  el('span', { class: 'row-date', text: formatListDate(summary.date), title: formatFullDate(summary.date) }),
  el('span', { class: 'row-subject' },
    summary.flagged ? el('span', { class: 'flag-mark', text: '★', title: t('flags.flagged'), attrs: { role: 'img', 'aria-label': t('flags.flagged') } }) : null,
    unread ? el('span', { class: 'visually-hidden', text: t('flags.unread') }) : null,
    hasAttachments ? clipIcon() : null, el('span', { class: 'subject', text: subject })),
  el('span', { class: 'row-size', text: formatSize(summary.size) })));
}

function render() {
  const list = $('message-list');
  const focusedId = document.activeElement?.closest?.('.message-row')?.dataset.id;
  list.replaceChildren(...state.rows.map(renderRow));
  $('list-empty').hidden = state.rows.length > 0;
  $('load-more').hidden = !state.nextCursor;
  $('list-showing').textContent = state.rows.length
    ? t(isFiltered() ? 'search.showing' : 'list.showing', { shown: state.rows.length, total: state.total })
    : '';
  $('list-empty').textContent = isFiltered() ? t('search.none') : t('list.empty');
  if (focusedId) rowElement(focusedId)?.querySelector('.row-main')?.focus();
  renderIndexHint();
  renderCount();
  renderTitle();
  $('mark-read-setting-box').hidden = !flagsSupported();
  selectionChanged();
}

function selectionChanged() {
  const all = $('select-all');
  all.checked = state.rows.length > 0 && state.checked.size === state.rows.length;
  all.indeterminate = state.checked.size > 0 && state.checked.size < state.rows.length;
  options.onSelectionChange(state.checked.size);
}

function rowElement(id) {
  return [...$('message-list').children].find((row) => row.dataset.id === id) || null;
}

/** Highlights the row for `id` (without opening it). */
export function setCurrent(id, { focus = false } = {}) {
  state.currentId = id;
  for (const row of $('message-list').children) {
    const current = row.dataset.id === id;
    row.classList.toggle('is-current', current);
    const button = row.querySelector('.row-main');
    if (current) button.setAttribute('aria-current', 'true'); else button.removeAttribute('aria-current');
    if (current) {
      row.scrollIntoView({ block: 'nearest' });
      if (focus) button.focus();
    }
  }
}

function openRow(id) {
  setCurrent(id);
  options.onOpen(id, summaryFor(id));
}

/** j/k: moves the highlight by `delta` rows, loading the next page at the end. */
export async function moveCurrent(delta) {
  if (!state.rows.length) return;
  let index = state.rows.findIndex((r) => r.id === state.currentId);
  if (index === -1) index = delta > 0 ? -1 : state.rows.length;
  let next = index + delta;
  if (next >= state.rows.length && state.nextCursor) {
    await loadMore();
  }
  next = Math.max(0, Math.min(state.rows.length - 1, next));
  setCurrent(state.rows[next].id, { focus: true });
}

export function openCurrent() {
  if (state.currentId) openRow(state.currentId);
}

export const currentId = () => state.currentId;
export const checkedIds = () => state.rows.map((r) => r.id).filter((id) => state.checked.has(id));
export const summaryFor = (id) => state.rows.find((r) => r.id === id) || null;
export const findBySubject = (text) => state.rows.find((r) => (r.subject || '').includes(text)) || null;

/** Drops deleted messages from the list and refreshes the totals. */
export async function removeIds(ids) {
  const gone = new Set(ids);
  const index = state.rows.findIndex((r) => r.id === state.currentId);
  const removed = state.rows.filter((r) => gone.has(r.id)).length;
  state.rows = state.rows.filter((r) => !gone.has(r.id));
  state.total = Math.max(0, state.total - removed);
  for (const id of gone) state.checked.delete(id);
  if (gone.has(state.currentId)) {
    state.currentId = state.rows[Math.min(index, state.rows.length - 1)]?.id ?? null;
  }
  render();
  await refreshMailboxStats();
}

export function resetInbox() {
  Object.assign(state, {
    rows: [], nextCursor: null, total: 0, mailbox: null, currentId: null, checked: new Set(), filters: {}, index: null, newMail: 0, unread: null,
  });
  clearTimeout(indexPoll);
  render();
}
