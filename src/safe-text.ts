/**
 * Every text that came from the network is untrusted: in the log it can become a workflow command,
 * in HTML an element, in a pull request comment a mention, and it can carry the API key. This is
 * the one place where such text is made safe for where it goes.
 *
 * The key (and its JSON-escaped and URL-encoded forms) is redacted first, on the whole text, and
 * only then is the text cut or encoded, so a key is never left in part.
 */
import * as core from '@actions/core';

const secrets = new Set<string>();
/** Built once per set of secrets (and per extra one a caller passes). */
const patterns = new Map<string, RegExp | null>();

/** Shorter values are not redacted: they would blot out ordinary words. */
const MIN_SECRET_LENGTH = 4;
export const REDACTED = '***';

/** Registers a value (the API key) to be removed from every text the action writes. */
export function addSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
  secrets.add(value);
  patterns.clear();
}

/** The forms a secret can take in text that travelled: as it is, JSON-escaped, URL-encoded. */
function forms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const bytes = Buffer.from(secret, 'utf8');
  const codes = [...secret].map((c) => c.codePointAt(0) ?? 0);
  return [
    secret,
    json,
    json.replace(/\//g, '\\/'),
    encodeURIComponent(secret),
    encodeURI(secret),
    // Every byte escaped, form encoding (+ for a space, !'()~ escaped), and encoded twice.
    bytes.toString('hex').toUpperCase().replace(/../g, '%$&'),
    new URLSearchParams({ k: secret }).toString().slice(2),
    encodeURIComponent(encodeURIComponent(secret)),
    // Base64 (with and without padding), base64url, hex.
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    bytes.toString('hex'),
    // Every character as a JSON \u escape, or as a decimal or hex character reference.
    codes
      .map((c) => (c > 0xffff ? JSON.stringify(String.fromCodePoint(c)).slice(1, -1) : `\\u${c.toString(16).padStart(4, '0')}`))
      .join(''),
    codes.map((c) => `&#${c};`).join(''),
    codes.map((c) => `&#x${c.toString(16)};`).join('')
  ];
}

const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** %2F and %2f are the same byte: percent-escapes match in either case. */
const hexInsensitive = (source: string) =>
  source.replace(/%([0-9A-F])([0-9A-F])/g, (_, a: string, b: string) => `%[${a}${a.toLowerCase()}][${b}${b.toLowerCase()}]`);

function secretPattern(extra: string | undefined): RegExp | undefined {
  const cacheKey = extra ?? '';
  if (!patterns.has(cacheKey)) {
    const all = [...secrets, ...(extra && extra.length >= MIN_SECRET_LENGTH ? [extra] : [])];
    const variants = [...new Set(all.flatMap(forms))].sort((a, b) => b.length - a.length);
    // Case-insensitive: the key in upper or lower case, and hex in either case, are the key too.
    patterns.set(cacheKey, variants.length ? new RegExp(variants.map((v) => hexInsensitive(regexEscape(v))).join('|'), 'gi') : null);
  }
  return patterns.get(cacheKey) ?? undefined;
}

/** Removes every registered secret (and `extra`), in all its forms, from `text`. */
export function redact(text: string, extra?: string): string {
  const re = secretPattern(extra);
  if (!re) return text;
  re.lastIndex = 0;
  return text.replace(re, REDACTED);
}

/**
 * For a text that is the start of a longer one (a body read up to a cap): drops a trailing part
 * that could be the beginning of a secret cut in two, which redaction cannot recognise.
 */
export function dropPartialSecret(text: string, extra?: string): string {
  const all = [...secrets, ...(extra && extra.length >= MIN_SECRET_LENGTH ? [extra] : [])].flatMap(forms);
  let end = text.length;
  for (const form of all) {
    for (let n = Math.min(form.length - 1, end); n > 0; n--) {
      if (text.slice(end - n, end) === form.slice(0, n)) {
        end -= n;
        break;
      }
    }
  }
  return text.slice(0, end);
}

/** At most `max` characters (an ellipsis marks the cut), never splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 3;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}...`;
}

/** Redacted first, then cut: the only safe order. */
export const redactAndCut = (text: string, max: number, extra?: string) => cut(redact(text, extra), max);

/** The longest line the log gets; anything longer came from a hostile or broken answer. */
export const LOG_LINE_MAX = 4_000;
/** The longest annotation or failure message. */
export const ANNOTATION_MAX = 8_000;

// eslint-disable-next-line no-control-regex -- control characters are exactly what this replaces
const LINE_BREAKS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g;
/**
 * C0 and C1 control characters (but tab, and the line breaks each writer handles its own way), and
 * the bidi overrides and isolates, which make a text read differently from what it holds.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What every writer puts where CONTROLS were. */
const REPLACEMENT = '\ufffd';
/** The runner runs a line as a command when, after leading white space, it starts with `::`. */
const LEADING_COMMAND = /^(\s*)::/;
/** ... and the old form `##[command]` wherever it is in the line. */
const OLD_COMMAND = /##\[/g;
/** Between the two characters of a command marker: invisible, not white space, so the runner sees no command. */
const ZWSP = '\u200b';

/**
 * One line for the log (core.info): the key redacted, line breaks and control characters
 * replaced, and anything the runner would take for a workflow command broken.
 */
export function forLog(text: string, extra?: string): string {
  const line = cut(redact(text, extra), LOG_LINE_MAX).replace(LINE_BREAKS, ' ').replace(CONTROLS, REPLACEMENT);
  return line.replace(OLD_COMMAND, `##${ZWSP}[`).replace(LEADING_COMMAND, `$1:${ZWSP}:`);
}

/**
 * For annotations and failure messages: the toolkit escapes CR, LF and `%` itself (an annotation may
 * have many lines); the line breaks it does not know (VT, FF, U+0085, U+2028, U+2029), which other
 * readers of the log honour, become spaces, and the other control characters are replaced as in the log.
 */
export function forAnnotation(text: string, extra?: string): string {
  return (
    cut(redact(text, extra), ANNOTATION_MAX)
      // eslint-disable-next-line no-control-regex -- the line breaks the runner would split an annotation at
      .replace(/[\u000b\u000c\u0085\u2028\u2029]/g, ' ')
      .replace(CONTROLS, REPLACEMENT)
  );
}

/**
 * Outputs are kept whole (the `result` output is the full record): redacted, and control
 * characters replaced as in the log (tab, CR and LF stay: an output may have many lines).
 */
export function forOutput(text: string, extra?: string): string {
  return redact(text, extra).replace(CONTROLS, REPLACEMENT);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"'`|\\[\]]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(LINE_BREAKS, ' ')
    .replace(CONTROLS, REPLACEMENT);
}

/** The longest text of one cell or list item in the summary and the comment. */
export const HTML_TEXT_MAX = 300;
export const HTML_MESSAGE_MAX = 1_000;

/** For the job summary: redacted, cut, HTML-escaped. */
export function forHtml(text: string, max = HTML_TEXT_MAX, extra?: string): string {
  return escapeHtml(redactAndCut(text, max, extra));
}

/**
 * For the pull request comment: as for the summary, and `@mentions` and `#references` broken by an
 * invisible space, so that text from the API notifies no one and links nothing.
 */
export function forComment(text: string, max = HTML_TEXT_MAX, extra?: string): string {
  return escapeHtml(redactAndCut(text, max, extra).replace(/[@#]/g, `$&${ZWSP}`));
}

/**
 * HTML as text, in one pass: tags dropped (an unclosed one ends the text), a few entities decoded.
 * A regular expression such as /<[^>]*>/g takes quadratic time on a page of many '<'.
 */
export function htmlToText(html: string): string {
  let text = '';
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf('<', at);
    if (open < 0) {
      text += html.slice(at);
      break;
    }
    text += `${html.slice(at, open)} `;
    const close = html.indexOf('>', open + 1);
    if (close < 0) break;
    at = close + 1;
  }
  return decodeCharacterReferences(text);
}

/**
 * The named references of every printable ASCII character that has one (a key is ASCII), and the
 * no-break space. HTML decodes the first five even without their `;`.
 */
const ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  AMP: '&',
  lt: '<',
  LT: '<',
  gt: '>',
  GT: '>',
  quot: '"',
  QUOT: '"',
  Tab: '\t',
  NewLine: '\n',
  excl: '!',
  num: '#',
  dollar: '$',
  percnt: '%',
  apos: "'",
  lpar: '(',
  rpar: ')',
  ast: '*',
  midast: '*',
  plus: '+',
  comma: ',',
  period: '.',
  sol: '/',
  colon: ':',
  semi: ';',
  equals: '=',
  quest: '?',
  commat: '@',
  lsqb: '[',
  lbrack: '[',
  bsol: '\\',
  rsqb: ']',
  rbrack: ']',
  Hat: '^',
  lowbar: '_',
  UnderBar: '_',
  grave: '`',
  DiacriticalGrave: '`',
  lcub: '{',
  lbrace: '{',
  verbar: '|',
  vert: '|',
  VerticalLine: '|',
  rcub: '}',
  rbrace: '}'
};
const REFERENCE = /&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|([A-Za-z]+));?/g;
const WITHOUT_SEMICOLON = new Set(['nbsp', 'amp', 'AMP', 'lt', 'LT', 'gt', 'GT', 'quot', 'QUOT']);

/**
 * Character references decoded as a browser shows them, in one linear pass: numeric ones (decimal
 * and hex, with or without `;`) and the named ones above, so that text from a page holds the key
 * as the key whatever way the page spelled it, and redaction finds it.
 */
export function decodeCharacterReferences(text: string): string {
  return text.replace(REFERENCE, (whole: string, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name !== undefined) {
      if (whole.endsWith(';') && Object.hasOwn(ENTITIES, name)) return ENTITIES[name];
      // `&ampx` is `&x`: the longest of the five that starts the name, as HTML reads it.
      const legacy = [...WITHOUT_SEMICOLON].filter((n) => name.startsWith(n)).sort((a, b) => b.length - a.length)[0];
      return legacy ? ENTITIES[legacy] + whole.slice(legacy.length + 1) : whole;
    }
    // Leading zeros do not count; a number of more digits than 0x10FFFF has is past Unicode.
    const digits = (hex ?? dec ?? '').replace(/^0+/, '');
    const code = digits.length > 8 ? Infinity : hex !== undefined ? parseInt(digits || '0', 16) : Number(digits || '0');
    // What HTML puts for NUL, surrogates and numbers past Unicode.
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(code);
  });
}

/**
 * The contents of the first `<tag ...>...</tag>` of a page, found in linear time; undefined when
 * the page has no such element.
 */
export function firstElementText(html: string, tag: string): string | undefined {
  const open = new RegExp(`<${tag}\\b`, 'i').exec(html);
  if (!open) return undefined;
  const start = html.indexOf('>', open.index);
  if (start < 0) return undefined;
  const end = new RegExp(`</${tag}\\s*>`, 'ig');
  end.lastIndex = start + 1;
  const close = end.exec(html);
  return close ? html.slice(start + 1, close.index) : undefined;
}

/** Where the operations write their log: `say` in the action, a list in the tests. */
export interface Logger {
  info(line: string): void;
  notice(line: string): void;
  warning(line: string): void;
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** Shown only when the run has debug logging on (ACTIONS_STEP_DEBUG, or "re-run with debug logging"). */
  debug?(line: string): void;
}

/**
 * The action's log and annotations, with every text made safe on its way out. Everything the
 * action prints goes through here.
 */
export const say = {
  info: (text: string) => core.info(forLog(text)),
  debug: (text: string) => core.debug(forLog(text)),
  notice: (text: string, title?: string) => core.notice(forAnnotation(text), title ? { title } : {}),
  warning: (text: string, title?: string) => core.warning(forAnnotation(text), title ? { title } : {}),
  error: (text: string, title?: string) => core.error(forAnnotation(text), title ? { title } : {}),
  fail: (text: string) => core.setFailed(forAnnotation(text)),
  output: (name: string, value: string) => core.setOutput(name, forOutput(value)),
  group: <T>(title: string, work: () => Promise<T>) => core.group(forAnnotation(title), work)
};
