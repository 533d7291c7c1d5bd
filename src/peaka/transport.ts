/**
 * One HTTP request to Peaka, done properly: a timeout per attempt, retries with exponential
 * backoff and full jitter for transient failures (honouring Retry-After), the whole thing bounded
 * by the step's deadline, proxies honoured as @actions/http-client honours them.
 */
import type { Agent } from 'node:http';
import { HttpClient } from '@actions/http-client';
import fetch from 'node-fetch';
import { PeakaApiError, messageFromBody, type ApiErrorDetails, type FailureKind } from './errors.js';
import { addSecret, dropPartialSecret, redact } from '../safe-text.js';
import { realClock, type Clock } from '../clock.js';

/** One request per cache at a time (max-parallel is at most 256), and the shared list reads. */
const MAX_SOCKETS = 300;

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  requestTimeoutMs: number;
  /** Aborts every request and backoff wait, e.g. when the workflow run is cancelled. */
  signal?: AbortSignal;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
  /** What the timeouts, backoff waits and deadlines run on (default: the real clock). */
  clock?: Clock;
  /** Told about each retry, for the log. */
  onRetry?: (message: string) => void;
  /** Told about each attempt (method, path, outcome, attempt, ms, bytes): the debug log. The key is never in it. */
  debug?: (line: string) => void;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the base URL, already URL-encoded. */
  path: string;
  body?: unknown;
  /** What is being done, for messages: "reading the status of cache X". */
  action: string;
  /** Whether transient failures are retried here (not for triggers, which are not idempotent). */
  retry: boolean;
  /** Epoch ms after which no attempt starts and no wait extends. */
  deadline: number;
  /** Hint for specific statuses, replacing the generic one. */
  hints?: Partial<Record<number, string>>;
  /** Whether the answer must be a JSON document (default true). Triggers and cancels ignore theirs. */
  expectJson?: boolean;
  /** The most of the JSON answer read (default JSON_BODY_CAP): lists of many caches need more. */
  jsonCap?: number;
}

export interface ApiResponse {
  status: number;
  text: string;
  /** Parsed JSON body; undefined when the body is empty. */
  json: unknown;
}

const USER_AGENT = 'peaka-cache-action/1';

/** The most of a JSON answer that is read (after decompression); a longer one is unreadable. */
export const JSON_BODY_CAP = 1 << 20;
/**
 * The most of a status list read: the lists carry every cache's action logs (the contract gives
 * them no excludeLogs), about 30 KB a cache on a busy project: 16 MiB holds some 500 such caches.
 */
export const LIST_BODY_CAP = 16 << 20;
/** The most of any other body (error pages, answers to triggers) that is read. */
export const OTHER_BODY_CAP = 64 << 10;

export class Transport {
  // @actions/http-client's agents allow 100 sockets: with max-parallel up to 256 a trigger would wait
  // in the agent, unsent, and a cancel of the run would take it for one that may have been sent.
  private readonly proxyClient = new HttpClient(USER_AGENT, [], { maxSockets: MAX_SOCKETS });
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly random: () => number;
  readonly clock: Clock;

  constructor(private readonly options: TransportOptions) {
    this.maxAttempts = options.maxAttempts ?? 6;
    this.backoffBaseMs = options.backoffBaseMs ?? 1_000;
    this.backoffCapMs = options.backoffCapMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? realClock;
    // Whatever the key came from, nothing read with it may show it.
    addSecret(options.apiKey);
  }

  async request(spec: RequestSpec): Promise<ApiResponse> {
    const url = `${this.options.baseUrl}${spec.path}`;
    const maxAttempts = spec.retry ? this.maxAttempts : 1;
    let ambiguousBefore = false;
    for (let attempt = 1; ; attempt++) {
      const sentAt = this.clock.now();
      let failure = await this.attempt(url, spec, attempt);
      this.options.debug?.(describeAttempt(spec, attempt, maxAttempts, failure, this.clock.now() - sentAt));
      if (!(failure instanceof PeakaApiError)) return failure;
      // The retry's answer may be about what the earlier attempt did (a 404 after a cancel that took effect).
      if (ambiguousBefore) failure = new PeakaApiError({ ...failure.details, afterAmbiguous: true });
      ambiguousBefore ||= failure.ambiguous;
      if (!failure.transient || attempt >= maxAttempts) throw failure;
      const backoff = this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (attempt - 1));
      const wait = Math.max(backoff, failure.details.retryAfterMs ?? 0);
      if (this.clock.now() + wait >= spec.deadline) throw failure;
      this.options.onRetry?.(`${failure.short}; retrying in ${(wait / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${maxAttempts}).`);
      try {
        await this.clock.sleep(wait, this.options.signal);
      } catch {
        throw this.error(spec, 'aborted', attempt);
      }
    }
  }

  /** One attempt: the response on 2xx, otherwise the error describing the failure. */
  private async attempt(url: string, spec: RequestSpec, attempt: number): Promise<ApiResponse | PeakaApiError> {
    const remaining = spec.deadline - this.clock.now();
    if (remaining <= 0) return this.error(spec, 'timeout', attempt, { hint: 'The step reached its timeout.', notSent: true });
    if (this.options.signal?.aborted) return this.error(spec, 'aborted', attempt);
    const perAttempt = this.clock.timeout(Math.min(this.options.requestTimeoutMs, remaining));
    try {
      return await this.send(url, spec, attempt, perAttempt.signal);
    } finally {
      perAttempt.clear();
    }
  }

  /** The attempt on the wire, until its answer is read or `perAttempt` (its timeout) or the run's cancel aborts it. */
  private async send(url: string, spec: RequestSpec, attempt: number, perAttempt: AbortSignal): Promise<ApiResponse | PeakaApiError> {
    const signal = this.options.signal ? AbortSignal.any([perAttempt, this.options.signal]) : perAttempt;
    let status: number;
    let body: CappedText;
    let retryAfter: string | null;
    try {
      const response = await fetch(url, {
        method: spec.method,
        headers: {
          Authorization: `Bearer ${this.options.apiKey}`,
          Accept: 'application/json',
          'User-Agent': USER_AGENT,
          ...(spec.body === undefined ? {} : { 'Content-Type': 'application/json' })
        },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        agent: this.agentFor(url),
        redirect: 'manual',
        signal
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      const json = status >= 200 && status < 300 && spec.expectJson !== false;
      body = await readCapped(response.body, json ? (spec.jsonCap ?? JSON_BODY_CAP) : OTHER_BODY_CAP);
    } catch (err) {
      if (this.options.signal?.aborted) return this.error(spec, 'aborted', attempt, { inFlight: true });
      if (perAttempt.aborted) return this.error(spec, 'timeout', attempt);
      return this.error(spec, 'network', attempt, { cause: networkCause(err) });
    }
    const retryAfterMs = parseRetryAfter(retryAfter, this.clock.now());
    if (status >= 300 && status < 400) {
      return this.error(spec, 'http', attempt, {
        status,
        hint: 'The API URL redirects elsewhere; set api-url to the final URL (redirects are not followed so the key is not sent on).'
      });
    }
    // Only the start of a long error body was read: a key cut in two at its end must not show.
    const text = body.complete ? body.text : dropPartialSecret(redact(body.text));
    if (status < 200 || status >= 300) {
      return this.error(spec, 'http', attempt, {
        status,
        peakaMessage: messageFromBody(text),
        hint: spec.hints?.[status],
        retryAfterMs,
        body: jsonOrUndefined(text)
      });
    }
    if (spec.expectJson === false) return { status, text, json: undefined };
    if (!body.complete)
      return this.error(spec, 'invalid-response', attempt, {
        peakaMessage: `an answer larger than ${(spec.jsonCap ?? JSON_BODY_CAP) >> 20} MiB`,
        oversize: true
      });
    if (!text.trim()) return this.error(spec, 'invalid-response', attempt, { peakaMessage: `HTTP ${status} with an empty body` });
    try {
      return { status, text, json: JSON.parse(text) };
    } catch {
      return this.error(spec, 'invalid-response', attempt, { peakaMessage: `HTTP ${status} with a body that is not JSON` });
    }
  }

  private error(
    spec: RequestSpec,
    kind: FailureKind,
    attempts: number,
    extra: Omit<ApiErrorDetails, 'kind' | 'action' | 'attempts'> = {}
  ): PeakaApiError {
    return new PeakaApiError({ kind, action: spec.action, attempts, ...extra });
  }

  /** The agent @actions/http-client would use: a tunnel through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY matches. */
  private agentFor(url: string): Agent {
    return this.proxyClient.getAgent(url);
  }
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface CappedText {
  text: string;
  /** False when the body was longer than the cap and only its start was read. */
  complete: boolean;
}

/**
 * Reads at most `cap` bytes of a (decompressed) body, then stops and closes the stream: an endless
 * body or a gzip bomb costs `cap` bytes of memory, no more.
 */
export async function readCapped(body: AsyncIterable<unknown> | null | undefined, cap: number): Promise<CappedText> {
  if (!body) return { text: '', complete: true };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    if (size + bytes.length > cap) {
      chunks.push(bytes.subarray(0, cap - size));
      // Leaving the loop destroys the stream, and with it the connection and any decompression.
      return { text: Buffer.concat(chunks).toString('utf8'), complete: false };
    }
    chunks.push(bytes);
    size += bytes.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete: true };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function networkCause(err: unknown): string {
  const e = err as { code?: string; errno?: string; cause?: { code?: string }; message?: string };
  const code = e?.code ?? e?.errno ?? e?.cause?.code;
  if (code && code !== 'ERR_STREAM_PREMATURE_CLOSE') return code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') return 'connection closed before the answer was complete';
  const message = e?.message ?? String(err);
  return redact(message.replace(/https?:\/\/\S+/g, '<api-url>')).slice(0, 120);
}

/** One line for the debug log: `GET /data/projects/p/cache/c/status -> 200 (attempt 1 of 6, 42 ms, 1,234 bytes)`. */
export function describeAttempt(
  spec: Pick<RequestSpec, 'method' | 'path'>,
  attempt: number,
  of: number,
  outcome: ApiResponse | PeakaApiError,
  ms: number
): string {
  const result =
    outcome instanceof PeakaApiError
      ? `${outcome.status ?? outcome.kind}${outcome.details.oversize ? ' (over the size cap)' : ''}`
      : `${outcome.status}, ${Buffer.byteLength(outcome.text).toLocaleString('en-US')} bytes`;
  return `${spec.method} ${spec.path} -> ${result} (attempt ${attempt} of ${of}, ${Math.round(ms)} ms)`;
}
