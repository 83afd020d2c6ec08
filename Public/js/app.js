// Entry point: sign-in, wiring of the panes, delete flows, keyboard shortcuts.
import * as api from './api.js';
import {
  t, applyTranslations, setLanguage, currentLang, LANGUAGES, onLanguageChange,
} from './i18n.js';
import {
  initNotify, showError, clearError, showToast, confirmAction,
} from './notify.js';
import * as inbox from './inbox.js';
import * as reader from './reader.js';
import { clearDrafts, initCompose, openCompose } from './compose.js';
import { $, el, isTypingTarget } from './util.js';

let selectedCount = 0;
const SEARCH_DEBOUNCE_MS = 400;

function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
}

function showLogin(message = '', kind = 'error') {
  stopLiveUpdates();
  closeDialogs();
  reader.closeReader();
  inbox.resetInbox();
  $('mail-view').hidden = true;
  $('login-view').hidden = false;
  $('signout-button').hidden = true;
  $('user-address').hidden = true;
  $('login-error').hidden = !(message && kind === 'error');
  $('login-error').textContent = kind === 'error' ? message : '';
  $('login-notice').hidden = !(message && kind === 'notice');
  $('login-notice').textContent = kind === 'notice' ? message : '';
  $('login-password').value = '';
  const username = $('login-username');
  (username.value ? $('login-password') : username).focus();
}

async function showMailbox() {
  const session = api.getSession();
  $('login-view').hidden = true;
  $('mail-view').hidden = false;
  $('signout-button').hidden = false;
  $('user-address').hidden = false;
  $('user-address').textContent = session?.address || session?.username || '';
  clearError();
  await inbox.reloadInbox();
  const features = await api.serverFeatures();
  $('search-form').hidden = !features.search;
  startLiveUpdates(features.events);
}

// ---- live updates: GET /events when the server has it, else a periodic refresh ----

const FALLBACK_REFRESH_MS = 60_000;
let live = null;

function stopLiveUpdates() {
  if (!live) return;
  live.abort.abort();
  clearInterval(live.timer);
  clearTimeout(live.retry);
  live = null;
}

function applyFlagEvent(json, fallback) {
  try {
    const { data } = JSON.parse(json);
    const change = {};
    if (typeof data.seen === 'boolean') change.seen = data.seen;
    if (typeof data.flagged === 'boolean') change.flagged = data.flagged;
    if (!Array.isArray(data.ids) || !Object.keys(change).length) throw new Error('unexpected flags.changed');
    // Rows not loaded here: the unread count can only come from the server.
    if (data.ids.filter((id) => !inbox.updateFlags(id, change)).length) fallback();
  } catch {
    fallback();
  }
}

function startLiveUpdates(hasEvents) {
  stopLiveUpdates();
  const state = { abort: new AbortController(), timer: null, retry: null, lastId: null, failures: 0 };
  live = state;
  let pending = null;
  const refreshSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => { if (live === state && !inbox.isFiltered()) inbox.reloadInbox(); }, 300);
  };
  const poll = () => {
    if (state.timer === null) {
      state.timer = setInterval(() => {
        if (live === state && document.visibilityState === 'visible' && !inbox.isFiltered()) inbox.reloadInbox();
      }, FALLBACK_REFRESH_MS);
    }
  };
  if (!hasEvents) {
    poll();
    return;
  }
  const connect = async () => {
    try {
      await api.followEvents((event) => {
        state.failures = 0;
        if (event.id) state.lastId = event.id;
        if (event.type === 'message.new') inbox.noteNewMail(1);
        if (event.type === 'message.new' || event.type === 'message.deleted') refreshSoon();
        // Flags carry their new values: applied to the listed rows, no list request (they are
        // often this page's own changes, e.g. mark read on open).
        if (event.type === 'flags.changed') applyFlagEvent(event.data, refreshSoon);
      }, state.abort.signal, state.lastId);
    } catch (err) {
      if (live !== state || state.abort.signal.aborted) return;
      state.failures += 1;
      if (err?.unauthorized || err?.status === 401) return;
    }
    if (live !== state || state.abort.signal.aborted) return;
    // The stream ended or failed: refresh now and then, and try again with backoff.
    poll();
    state.retry = setTimeout(connect, Math.min(60_000, 2000 * 2 ** Math.min(state.failures, 5)));
  };
  connect();
}

async function onLoginSubmit(event) {
  event.preventDefault();
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  const button = $('login-submit');
  if (!username || !password) {
    (username ? $('login-password') : $('login-username')).focus();
    return;
  }
  $('login-error').hidden = true;
  $('login-notice').hidden = true;
  button.disabled = true;
  button.textContent = t('login.signingIn');
  try {
    await api.login(username, password);
    $('login-password').value = '';
    await showMailbox();
  } catch (err) {
    let message;
    if (err.network) message = `${t('error.network')}: ${t('error.networkDetail')}`;
    else if (err.status === 401) message = t('login.failed');
    else message = [err.title, err.detail].filter(Boolean).join(' — ') || t('error.generic');
    $('login-error').textContent = message;
    $('login-error').hidden = false;
    $('login-password').value = '';
    $('login-password').focus();
  } finally {
    button.disabled = false;
    button.textContent = t('login.submit');
  }
}

async function signOut() {
  try {
    await api.logout();
  } catch (err) {
    if (!err.unauthorized) console.warn('sign-out failed on the server', err);
  }
  clearDrafts();
  showLogin(t('login.signedOut'), 'notice');
}

// ---- deleting ----

async function deleteOne(id) {
  const summary = inbox.summaryFor(id) || reader.currentMessage();
  const ok = await confirmAction({
    title: t('confirm.deleteOne'),
    detail: t('confirm.deleteOneDetail', { subject: summary?.subject || t('list.noSubject') }),
  });
  if (!ok) return;
  try {
    await api.deleteMessage(id);
    showToast(t('deleted.one'));
  } catch (err) {
    showError(err);
    if (err.code !== 'message_not_found') return;
  }
  if (reader.currentMessage()?.id === id) reader.closeReader();
  await inbox.removeIds([id]);
}

async function deleteChecked() {
  const ids = inbox.checkedIds();
  if (!ids.length) return;
  const ok = await confirmAction({
    title: t('confirm.deleteMany', { count: ids.length }),
    detail: t('confirm.deleteManyDetail'),
  });
  if (!ok) return;
  try {
    const result = await api.deleteMessages(ids);
    const deleted = result.deleted || [];
    const notFound = result.notFound || [];
    let message = deleted.length === 1 ? t('deleted.one') : t('deleted.many', { count: deleted.length });
    if (notFound.length) message += ` ${t('deleted.notFound', { count: notFound.length })}`;
    showToast(message);
    const gone = [...deleted, ...notFound];
    if (gone.includes(reader.currentMessage()?.id)) reader.closeReader();
    await inbox.removeIds(gone);
  } catch (err) {
    showError(err);
  }
}

function updateDeleteSelected(count) {
  selectedCount = count;
  const button = $('delete-selected-button');
  button.disabled = count === 0;
  button.textContent = count ? t('toolbar.deleteSelectedCount', { count }) : t('toolbar.deleteSelected');
}

// ---- unread and flagged (only when the server keeps flags) ----

const MARK_READ_KEY = 'postillon.markReadOnOpen';

async function changeFlags(id, flags) {
  const summary = inbox.summaryFor(id);
  if (!summary || !inbox.flagsSupported()) return;
  try {
    await api.setFlags(id, flags);
    inbox.updateFlags(id, flags);
    renderFlagButtons();
  } catch (err) {
    showError(err);
  }
}

function renderFlagButtons() {
  const open = reader.currentMessage();
  const summary = open && inbox.summaryFor(open.id);
  const supported = Boolean(summary) && typeof summary.seen === 'boolean';
  const seenButton = $('toggle-seen-button');
  const flagButton = $('toggle-flag-button');
  seenButton.hidden = !supported;
  flagButton.hidden = !supported;
  if (!supported) return;
  seenButton.textContent = summary.seen ? t('flags.markUnread') : t('flags.markRead');
  flagButton.textContent = summary.flagged ? t('flags.unflag') : t('flags.flag');
}

async function onOpened(id, summary) {
  await reader.openMessage(id, summary);
  const current = inbox.summaryFor(id);
  if (current && current.seen === false && $('mark-read-setting').checked) await changeFlags(id, { seen: true });
  renderFlagButtons();
}

function toggleSeen() {
  const id = reader.currentMessage()?.id || inbox.currentId();
  const summary = id && inbox.summaryFor(id);
  if (summary && typeof summary.seen === 'boolean') changeFlags(id, { seen: !summary.seen });
}

function toggleFlag() {
  const id = reader.currentMessage()?.id || inbox.currentId();
  const summary = id && inbox.summaryFor(id);
  if (summary && typeof summary.flagged === 'boolean') changeFlags(id, { flagged: !summary.flagged });
}

// ---- keyboard ----

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector('dialog[open]')) return; // dialogs handle Escape themselves
  if ($('mail-view').hidden) return;
  if (isTypingTarget(event.target)) return;
  const open = reader.currentMessage();
  switch (event.key) {
    case 'j':
      inbox.moveCurrent(1);
      break;
    case 'k':
      inbox.moveCurrent(-1);
      break;
    case 'Enter':
      // Buttons and links activate themselves on Enter.
      if (event.target.closest?.('button, a, summary, input')) return;
      inbox.openCurrent();
      break;
    case 'Delete':
      if (selectedCount > 0) deleteChecked();
      else if (inbox.currentId() || open) deleteOne(inbox.currentId() || open.id);
      else return;
      break;
    case 'c':
      openCompose({ mode: 'new' });
      break;
    case 'u':
      if (!inbox.flagsSupported()) return;
      toggleSeen();
      break;
    case 's':
      if (!inbox.flagsSupported()) return;
      toggleFlag();
      break;
    case 'r':
      if (!open) return;
      openCompose({ mode: 'reply', message: open });
      break;
    case 'Escape':
      if (!$('error-banner').hidden) clearError();
      else if ($('mail-view').classList.contains('is-reading')) goBack();
      else return;
      break;
    default:
      return;
  }
  event.preventDefault();
}

function goBack() {
  reader.closeReader();
  inbox.setCurrent(inbox.currentId(), { focus: true });
}

// ---- start ----

function initLanguageSelect() {
  const select = $('lang-select');
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => el('option', { value: code, text: name })));
  select.value = currentLang();
  select.addEventListener('change', () => setLanguage(select.value));
}

function initSpinner() {
  let timer = null;
  api.onBusyChange((busy) => {
    clearTimeout(timer);
    document.body.toggleAttribute('aria-busy', busy);
    if (busy) timer = setTimeout(() => { $('spinner').hidden = false; }, 150);
    else $('spinner').hidden = true;
  });
}

function start() {
  applyTranslations();
  initLanguageSelect();
  initNotify();
  initSpinner();
  api.onUnauthorized(() => showLogin(t('login.expired')));

  inbox.initInbox({
    onOpen: (id, summary) => onOpened(id, summary),
    onSelectionChange: updateDeleteSelected,
  });
  reader.initReader({
    onReply: (message) => openCompose({ mode: 'reply', message }),
    onReplyAll: (message) => openCompose({ mode: 'replyAll', message }),
    onForward: (message) => openCompose({ mode: 'forward', message }),
    onDelete: (message) => deleteOne(message.id),
    onBack: goBack,
  });
  initCompose({ getSelfAddress: () => api.getSession()?.address || '' });
  onLanguageChange(() => updateDeleteSelected(selectedCount));

  $('login-form').addEventListener('submit', onLoginSubmit);
  $('signout-button').addEventListener('click', signOut);
  $('compose-button').addEventListener('click', () => openCompose({ mode: 'new' }));
  $('refresh-button').addEventListener('click', () => inbox.reloadInbox());
  $('delete-selected-button').addEventListener('click', deleteChecked);
  $('toggle-seen-button').addEventListener('click', toggleSeen);
  const searchFilters = () => ({ q: $('search-input').value.trim(), hasAttachments: $('search-attachments').checked ? 'true' : '' });
  let searchDebounce = null;
  $('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(searchDebounce);
    inbox.setFilters(searchFilters());
  });
  // Typing searches after a pause, once the text holds a letter or digit (the server ignores the
  // rest); clearing the box (or its x) returns to the inbox.
  $('search-input').addEventListener('input', () => {
    clearTimeout(searchDebounce);
    const filters = searchFilters();
    if (filters.q && !/[\p{L}\p{N}]/u.test(filters.q)) return;
    searchDebounce = setTimeout(() => {
      const now = inbox.currentFilters();
      const same = (now.q || '') === filters.q && (now.hasAttachments || '') === filters.hasAttachments;
      if (!same) inbox.setFilters(filters);
    }, SEARCH_DEBOUNCE_MS);
  });
  $('search-input').addEventListener('search', () => {
    if (!$('search-input').value) {
      clearTimeout(searchDebounce);
      inbox.setFilters(searchFilters());
    }
  });
  $('search-attachments').addEventListener('change', () => inbox.setFilters(searchFilters()));
  window.addEventListener('focus', () => inbox.clearNewMail());
  $('toggle-flag-button').addEventListener('click', toggleFlag);
  $('mark-read-setting').checked = localStorage.getItem(MARK_READ_KEY) !== 'false';
  $('mark-read-setting').addEventListener('change', (event) => {
    localStorage.setItem(MARK_READ_KEY, String(event.target.checked));
  });
  onLanguageChange(renderFlagButtons);
  for (const button of document.querySelectorAll('#source-dialog [data-close]')) {
    button.addEventListener('click', () => $('source-dialog').close());
  }
  document.addEventListener('keydown', onKeyDown);

  const session = api.getSession();
  const expired = session?.expiresAt && new Date(session.expiresAt).getTime() <= Date.now();
  if (session && !expired) {
    showMailbox();
  } else {
    if (expired) api.clearSession();
    showLogin(expired ? t('login.expired') : '');
  }
}

start();
