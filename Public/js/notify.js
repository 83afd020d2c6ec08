// Feedback for the user: the error banner, a short toast, and a confirm dialog.
import { t } from './i18n.js';
import { $ } from './util.js';

let toastTimer = null;

/** Shows an ApiError (or any Error) in the banner: title, detail, request id. */
export function showError(err) {
  if (err?.unauthorized) return; // the app has gone back to sign-in and says why there
  console.error(err);
  let title = err?.title || t('error.generic');
  let detail = err?.detail || (err?.title ? '' : String(err?.message || ''));
  if (err?.network) {
    title = t('error.network');
    detail = t('error.networkDetail');
  }
  $('error-title').textContent = title;
  $('error-detail').textContent = detail;
  $('error-request-id').textContent = err?.requestId ? t('error.requestId', { id: err.requestId }) : '';
  $('error-banner').hidden = false;
}

export function clearError() {
  $('error-banner').hidden = true;
}

/** A short, self-dismissing status message. */
export function showToast(message) {
  const toast = $('toast');
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 4000);
}

/** Asks a yes/no question in a modal dialog; resolves true on "ok". */
export function confirmAction({ title, detail = '', okLabel = t('confirm.ok') }) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-detail').textContent = detail;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    $('confirm-ok').focus();
  });
}

export function initNotify() {
  $('error-dismiss').addEventListener('click', clearError);
}
