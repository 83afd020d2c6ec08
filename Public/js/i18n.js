// English and German UI strings. Every visible string goes through t().
// Static markup uses data-i18n="key" (text) and data-i18n-attr="attr=key,attr=key".

const STORAGE_KEY = 'postillon.lang';
export const LANGUAGES = { en: 'English', de: 'Deutsch' };

const STRINGS = {
  en: {
    'app.tagline': 'Webmail',
    'lang.label': 'Language',
    'busy': 'Loading…',
    'login.heading': 'Sign in',
    'login.intro': 'Use the username and password of your mail account.',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.signingIn': 'Signing in…',
    'login.failed': 'Wrong username or password.',
    'login.expired': 'Your session has ended. Please sign in again.',
    'login.signedOut': 'You have been signed out.',
    'header.signout': 'Sign out',
    'toolbar.label': 'Mailbox actions',
    'toolbar.compose': 'Compose',
    'toolbar.refresh': 'Refresh',
    'toolbar.deleteSelected': 'Delete selected',
    'toolbar.deleteSelectedCount': 'Delete selected ({count})',
    'toolbar.selectAll': 'Select all',
    'mailbox.count.one': '1 message · {size}',
    'mailbox.count.other': '{count} messages · {size}',
    'list.label': 'Inbox',
    'list.empty': 'Your inbox is empty.',
    'list.loadMore': 'Load more',
    'list.showing': 'Showing {shown} of {total}',
    'list.noSubject': '(no subject)',
    'list.unknownSender': '(unknown sender)',
    'list.attachment': 'Has attachments',
    'list.select': 'Select message: {subject}',
    'list.shortcuts': 'Keys: j/k move · Enter open · c compose · r reply · Del delete · Esc close',
    'reader.empty': 'Select a message to read it.',
    'reader.back': 'Back to inbox',
    'reader.actions': 'Message actions',
    'reader.reply': 'Reply',
    'reader.replyAll': 'Reply all',
    'reader.forward': 'Forward',
    'reader.delete': 'Delete',
    'reader.source': 'View source',
    'reader.from': 'From',
    'reader.to': 'To',
    'reader.cc': 'Cc',
    'reader.replyTo': 'Reply-To',
    'reader.date': 'Date',
    'reader.subject': 'Subject',
    'reader.attachments': 'Attachments',
    'reader.download': 'Download {name}',
    'reader.preview': 'Preview',
    'search.placeholder': 'Search subject, from, to',
    'search.hasAttachments': 'With attachments',
    'search.submit': 'Search',
    'search.showing': '{shown} of {total} found',
    'search.none': 'No messages match.',
    'search.indexing': 'Still indexing: {indexed} of {total} messages searchable so far…',
    'flags.unread': 'Unread',
    'flags.flagged': 'Flagged',
    'flags.markRead': 'Mark read',
    'flags.markUnread': 'Mark unread',
    'flags.flag': 'Flag',
    'flags.unflag': 'Remove flag',
    'flags.markReadOnOpen': 'Mark messages as read when opened',
    'reader.previewOf': 'Preview {name}',
    'reader.closePreview': 'Close preview',
    'reader.showImages': 'Show images',
    'reader.imagesBlocked': 'Remote images are blocked to protect your privacy.',
    'reader.showText': 'Show plain text',
    'reader.showHtml': 'Show HTML',
    'reader.noBody': 'This message has no readable text.',
    'reader.warnings': 'Notes about this message',
    'reader.allHeaders': 'All headers',
    'reader.htmlTitle': 'Message content (HTML)',
    'source.title': 'Message source',
    'dialog.close': 'Close',
    'confirm.deleteOne': 'Delete this message?',
    'confirm.deleteOneDetail': '“{subject}” will be removed from the server. This cannot be undone.',
    'confirm.deleteMany': 'Delete {count} messages?',
    'confirm.deleteManyDetail': 'They will be removed from the server. This cannot be undone.',
    'confirm.ok': 'Delete',
    'confirm.cancel': 'Cancel',
    'deleted.one': 'Message deleted.',
    'deleted.many': '{count} messages deleted.',
    'deleted.notFound': '{count} were already gone.',
    'compose.title': 'New message',
    'compose.replyTitle': 'Reply',
    'compose.forwardTitle': 'Forward',
    'compose.to': 'To',
    'compose.cc': 'Cc',
    'compose.bcc': 'Bcc',
    'compose.subject': 'Subject',
    'compose.text': 'Message',
    'compose.files': 'Attach files',
    'compose.addressHint': 'Separate several addresses with commas.',
    'compose.remove': 'Remove {name}',
    'compose.send': 'Send',
    'compose.sending': 'Sending…',
    'compose.discard': 'Discard',
    'compose.noRecipients': 'Add at least one recipient.',
    'compose.from': 'From',
    'compose.draftRestored': 'Your unsent draft was restored.',
    'compose.originalAttachments': 'Attachments of the original message',
    'compose.badAddress': '“{address}” is not an email address. Write it as name@example.org or Name <name@example.org>.',
    'compose.badAddressServer': 'The server did not accept one of the addresses: {detail}',
    'send.title': 'Message sent',
    'send.partial': 'Sent, but some recipients were rejected.',
    'send.accepted': 'Accepted',
    'send.rejected': 'Rejected',
    'send.messageId': 'Message-ID: {id}',
    'send.close': 'Close',
    'quote.attribution': 'On {date}, {sender} wrote:',
    'quote.attributionNoDate': '{sender} wrote:',
    'forward.header': '---------- Forwarded message ----------',
    'error.network': 'Network error',
    'error.networkDetail': 'The server could not be reached. Check your connection and try again.',
    'error.generic': 'Something went wrong',
    'error.requestId': 'Request ID: {id}',
    'error.dismiss': 'Dismiss',
  },
  de: {
    'app.tagline': 'Webmail',
    'lang.label': 'Sprache',
    'busy': 'Wird geladen …',
    'login.heading': 'Anmelden',
    'login.intro': 'Mit Benutzername und Passwort Ihres E-Mail-Kontos.',
    'login.username': 'Benutzername',
    'login.password': 'Passwort',
    'login.submit': 'Anmelden',
    'login.signingIn': 'Anmeldung …',
    'login.failed': 'Benutzername oder Passwort ist falsch.',
    'login.expired': 'Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.',
    'login.signedOut': 'Sie wurden abgemeldet.',
    'header.signout': 'Abmelden',
    'toolbar.label': 'Postfach-Aktionen',
    'toolbar.compose': 'Verfassen',
    'toolbar.refresh': 'Aktualisieren',
    'toolbar.deleteSelected': 'Auswahl löschen',
    'toolbar.deleteSelectedCount': 'Auswahl löschen ({count})',
    'toolbar.selectAll': 'Alle auswählen',
    'mailbox.count.one': '1 Nachricht · {size}',
    'mailbox.count.other': '{count} Nachrichten · {size}',
    'list.label': 'Posteingang',
    'list.empty': 'Ihr Posteingang ist leer.',
    'list.loadMore': 'Mehr laden',
    'list.showing': '{shown} von {total}',
    'list.noSubject': '(kein Betreff)',
    'list.unknownSender': '(unbekannter Absender)',
    'list.attachment': 'Mit Anhängen',
    'list.select': 'Nachricht auswählen: {subject}',
    'list.shortcuts': 'Tasten: j/k bewegen · Enter öffnen · c verfassen · r antworten · Entf löschen · Esc schließen',
    'reader.empty': 'Wählen Sie eine Nachricht aus, um sie zu lesen.',
    'reader.back': 'Zurück zum Posteingang',
    'reader.actions': 'Nachrichten-Aktionen',
    'reader.reply': 'Antworten',
    'reader.replyAll': 'Allen antworten',
    'reader.forward': 'Weiterleiten',
    'reader.delete': 'Löschen',
    'reader.source': 'Quelltext anzeigen',
    'reader.from': 'Von',
    'reader.to': 'An',
    'reader.cc': 'Cc',
    'reader.replyTo': 'Antwort an',
    'reader.date': 'Datum',
    'reader.subject': 'Betreff',
    'reader.attachments': 'Anhänge',
    'reader.download': '{name} herunterladen',
    'reader.preview': 'Vorschau',
    'search.placeholder': 'Betreff, Absender, Empfänger durchsuchen',
    'search.hasAttachments': 'Mit Anhängen',
    'search.submit': 'Suchen',
    'search.showing': '{shown} von {total} gefunden',
    'search.none': 'Keine Nachricht passt.',
    'search.indexing': 'Index wird erstellt: bisher {indexed} von {total} Nachrichten durchsuchbar…',
    'flags.unread': 'Ungelesen',
    'flags.flagged': 'Markiert',
    'flags.markRead': 'Als gelesen markieren',
    'flags.markUnread': 'Als ungelesen markieren',
    'flags.flag': 'Markieren',
    'flags.unflag': 'Markierung entfernen',
    'flags.markReadOnOpen': 'Nachrichten beim Öffnen als gelesen markieren',
    'reader.previewOf': 'Vorschau von {name}',
    'reader.closePreview': 'Vorschau schließen',
    'reader.showImages': 'Bilder anzeigen',
    'reader.imagesBlocked': 'Externe Bilder sind zum Schutz Ihrer Privatsphäre blockiert.',
    'reader.showText': 'Als Text anzeigen',
    'reader.showHtml': 'Als HTML anzeigen',
    'reader.noBody': 'Diese Nachricht enthält keinen lesbaren Text.',
    'reader.warnings': 'Hinweise zu dieser Nachricht',
    'reader.allHeaders': 'Alle Kopfzeilen',
    'reader.htmlTitle': 'Nachrichteninhalt (HTML)',
    'source.title': 'Quelltext der Nachricht',
    'dialog.close': 'Schließen',
    'confirm.deleteOne': 'Diese Nachricht löschen?',
    'confirm.deleteOneDetail': '„{subject}“ wird vom Server entfernt. Das kann nicht rückgängig gemacht werden.',
    'confirm.deleteMany': '{count} Nachrichten löschen?',
    'confirm.deleteManyDetail': 'Sie werden vom Server entfernt. Das kann nicht rückgängig gemacht werden.',
    'confirm.ok': 'Löschen',
    'confirm.cancel': 'Abbrechen',
    'deleted.one': 'Nachricht gelöscht.',
    'deleted.many': '{count} Nachrichten gelöscht.',
    'deleted.notFound': '{count} waren bereits entfernt.',
    'compose.title': 'Neue Nachricht',
    'compose.replyTitle': 'Antworten',
    'compose.forwardTitle': 'Weiterleiten',
    'compose.to': 'An',
    'compose.cc': 'Cc',
    'compose.bcc': 'Bcc',
    'compose.subject': 'Betreff',
    'compose.text': 'Nachricht',
    'compose.files': 'Dateien anhängen',
    'compose.addressHint': 'Mehrere Adressen mit Kommas trennen.',
    'compose.remove': '{name} entfernen',
    'compose.send': 'Senden',
    'compose.sending': 'Wird gesendet …',
    'compose.discard': 'Verwerfen',
    'compose.noRecipients': 'Bitte mindestens einen Empfänger angeben.',
    'compose.from': 'Von',
    'compose.draftRestored': 'Ihr nicht gesendeter Entwurf wurde wiederhergestellt.',
    'compose.originalAttachments': 'Anhänge der ursprünglichen Nachricht',
    'compose.badAddress': '„{address}“ ist keine E-Mail-Adresse. Schreiben Sie name@example.org oder Name <name@example.org>.',
    'compose.badAddressServer': 'Der Server hat eine der Adressen nicht angenommen: {detail}',
    'send.title': 'Nachricht gesendet',
    'send.partial': 'Gesendet, aber einige Empfänger wurden abgelehnt.',
    'send.accepted': 'Angenommen',
    'send.rejected': 'Abgelehnt',
    'send.messageId': 'Message-ID: {id}',
    'send.close': 'Schließen',
    'quote.attribution': 'Am {date} schrieb {sender}:',
    'quote.attributionNoDate': '{sender} schrieb:',
    'forward.header': '---------- Weitergeleitete Nachricht ----------',
    'error.network': 'Netzwerkfehler',
    'error.networkDetail': 'Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung und versuchen Sie es erneut.',
    'error.generic': 'Etwas ist schiefgegangen',
    'error.requestId': 'Anfrage-ID: {id}',
    'error.dismiss': 'Schließen',
  },
};

let lang = pickInitialLanguage();
const listeners = new Set();

function pickInitialLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch { /* storage may be off */ }
  if (stored && STRINGS[stored]) return stored;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (STRINGS[primary]) return primary;
  }
  return 'en';
}

export function currentLang() {
  return lang;
}

/** Translates `key`, filling {placeholders} from `vars`; `count` picks .one/.other. */
export function t(key, vars = {}) {
  let fullKey = key;
  if (typeof vars.count === 'number' && STRINGS.en[`${key}.one`]) {
    fullKey = `${key}.${vars.count === 1 ? 'one' : 'other'}`;
  }
  const template = STRINGS[lang][fullKey] ?? STRINGS.en[fullKey] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** Fills every data-i18n / data-i18n-attr element below `root`. */
export function applyTranslations(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split('=').map((s) => s.trim());
      if (attr && key) node.setAttribute(attr, t(key));
    }
  }
}

export function setLanguage(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* ignore */ }
  document.documentElement.lang = lang;
  applyTranslations();
  for (const fn of listeners) fn(lang);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
}

document.documentElement.lang = lang;
