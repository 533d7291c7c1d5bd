/**
 * Failures of the Peaka API, turned into one line a user can act on:
 * what was being done, what happened, Peaka's own message if any, and what to check.
 */

import { firstElementText, htmlToText, redact, redactAndCut } from '../safe-text.js';

export type FailureKind = 'http' | 'network' | 'timeout' | 'invalid-response' | 'aborted';

export interface ApiErrorDetails {
  kind: FailureKind;
  /** What the action was doing, e.g. "reading the status of cache 960b…". */
  action: string;
  status?: number;
  /** Peaka's message from the error body, already reduced to one short line. */
  peakaMessage?: string;
  /** Low-level cause for network failures, e.g. ECONNREFUSED. */
  cause?: string;
  attempts?: number;
  hint?: string;
  /** How long the server asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** The error answer's body as JSON, when it was JSON (a 409 on create carries the existing cache). */
  body?: unknown;
  /** For 'aborted': the request was already on its way, so it may have reached Peaka. */
  inFlight?: boolean;
  /** The request never left: the step's time was up (or the run cancelled) before it was sent. */
  notSent?: boolean;
  /** The answer was larger than the action reads: asking again gets the same answer. */
  oversize?: boolean;
  /** An earlier attempt of this request failed in a way that may have taken effect (its answer was lost, or a 5xx). */
  afterAmbiguous?: boolean;
}

export class PeakaApiError extends Error {
  /** The message's first part: what failed and how, without the advice (no full stop). */
  readonly short: string;
  readonly kind: FailureKind;
  readonly status?: number;
  readonly peakaMessage?: string;
  readonly attempts: number;

  constructor(readonly details: ApiErrorDetails) {
    super(formatApiError(details));
    this.short = shortApiError(details);
    this.name = 'PeakaApiError';
    this.kind = details.kind;
    this.status = details.status;
    this.peakaMessage = details.peakaMessage;
    this.attempts = details.attempts ?? 1;
  }

  /** A failure that may pass if the request is sent again: no answer, an unreadable one, 408, 429 or 5xx. */
  get transient(): boolean {
    if (this.details.oversize) return false;
    return this.kind !== 'aborted' && (this.status === undefined || isRetryableStatus(this.status));
  }

  /**
   * A read that may answer on a later tick of a wait: a transient failure, or an answer over the
   * size cap (not asked for again at once, but a later status may be smaller).
   */
  get mayPassLater(): boolean {
    return this.transient || this.details.oversize === true;
  }

  /**
   * The request may have taken effect on the server (matters for triggers and creates): the answer
   * was lost, was a 5xx, or was a 2xx that could not be read, or the request was stopped (the run
   * was cancelled) after it was sent.
   */
  get ambiguous(): boolean {
    if (this.details.notSent) return false;
    if (this.kind === 'aborted') return this.details.inFlight === true;
    return (
      this.kind === 'network' ||
      this.kind === 'timeout' ||
      this.kind === 'invalid-response' ||
      (this.status !== undefined && this.status >= 500)
    );
  }
}

/** Retried: network errors, timeouts, 408, 429, 5xx and unreadable answers. Never: 400, 401, 403, 404, 409. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function formatApiError(d: ApiErrorDetails): string {
  const hint = d.hint ?? defaultHint(d);
  return `${shortApiError(d)}.${hint ? ` ${hint}` : ''}`;
}

/** What failed and how, without the advice: for a line that says what the step does about it. */
function shortApiError(d: ApiErrorDetails): string {
  const what =
    d.kind === 'http'
      ? `Peaka answered HTTP ${d.status}${d.peakaMessage ? `: ${d.peakaMessage}` : ''}`
      : d.kind === 'timeout'
        ? 'Peaka did not answer in time'
        : d.kind === 'invalid-response'
          ? `Peaka's answer could not be read${d.peakaMessage ? ` (${d.peakaMessage})` : ''}`
          : d.kind === 'aborted'
            ? 'the request was stopped because the step is ending'
            : `Peaka could not be reached${d.cause ? ` (${d.cause})` : ''}`;
  const tries = d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : '';
  return `Failed ${d.action}: ${what}${tries}`;
}

function defaultHint(d: ApiErrorDetails): string {
  if (d.kind === 'network') return 'Check api-url or region, and on self-hosted runners HTTPS_PROXY/NO_PROXY; then re-run the job.';
  if (d.kind === 'timeout') return 'Peaka may be overloaded; re-run the job, or raise request-timeout if this repeats.';
  if (d.kind === 'invalid-response' && d.oversize)
    return 'It was not asked for again (the same answer would come back): check the cache in Peaka, or report it if the answer should be that large.';
  if (d.kind === 'invalid-response') return 'This is usually a passing fault in Peaka or a proxy; re-run the job.';
  if (d.kind === 'aborted') return '';
  switch (d.status) {
    case 400:
      return 'Peaka rejected the request; check the inputs the message names.';
    case 401:
    case 403:
      return 'Check that api-key holds a valid Peaka Partner API key, or a Project API key of this very project (a Project key reaches only its own project).';
    case 404:
      return 'Check cache-id and project-id: Peaka found no such cache in that project.';
    case 409:
      return 'A cache already exists for this table.';
    case 429:
      return 'Peaka is rate-limiting this key; space out the jobs that use it, or re-run later.';
    default:
      return d.status !== undefined && d.status >= 500
        ? 'Peaka had an internal error; re-run the job later, and contact Peaka support if it persists.'
        : '';
  }
}

/** The longest message taken from an error body. */
export const PEAKA_MESSAGE_MAX = 200;

/**
 * Peaka's message from an error body of any shape: JSON with message/error/errorCode,
 * an HTML error page, plain text, or nothing. One line, at most 200 characters, with the key
 * redacted before anything is cut. Linear in the body's length, whatever it holds.
 */
export function messageFromBody(body: string): string | undefined {
  const text = redact(body).trim();
  if (!text) return undefined;
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const parts = [json.message, json.error, json.detail, json.title]
        .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
        .filter((v, i, all) => all.indexOf(v) === i);
      const code = json.errorCode ?? json.code;
      const message = parts.join(' - ');
      if (message || (code !== undefined && code !== null))
        return oneLine(`${message}${code !== undefined && code !== null ? ` (error code ${String(code)})` : ''}`);
      return undefined;
    } catch {
      // not JSON after all: fall through to text handling
    }
  }
  if (/^<(!doctype|html|\?xml)|<body|<title/i.test(text)) {
    const title = oneLine(htmlToText(firstElementText(text, 'title') ?? firstElementText(text, 'h1') ?? ''));
    return title ? `${title} (HTML error page)` : 'an HTML error page';
  }
  return oneLine(text);
}

/** White space collapsed, the key redacted (again: JSON may have spelled it with escapes), then cut. */
function oneLine(text: string): string {
  return redactAndCut(text.replace(/\s+/g, ' ').trim(), PEAKA_MESSAGE_MAX);
}
