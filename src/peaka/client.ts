/**
 * The Peaka cache endpoints the action uses, with answers normalised into small typed records.
 * Everything HTTP (timeouts, retries, proxies, error messages) lives in transport.ts.
 */
import { ActionError } from '../errors.js';
import { PeakaApiError } from './errors.js';
import { parseInstant } from '../duration.js';
import { LIST_BODY_CAP, Transport, type TransportOptions } from './transport.js';
import { cut, redactAndCut } from '../safe-text.js';
import type { Clock } from '../clock.js';

export type ExecutionKind = 'full-refresh' | 'incremental';
export const EXECUTION_KINDS: readonly ExecutionKind[] = ['full-refresh', 'incremental'];

export interface Execution {
  id: string;
  kind: ExecutionKind;
  /** RUNNING, COMPLETED, FAILED, CANCELLED (a free string in the API). */
  status: string;
  cachedRecords?: number;
  insertedRecords?: number;
  updatedRecords?: number;
  deletedRecords?: number;
  createdAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  /** The execution's error, reduced to one line. */
  error?: string;
  /** Fields whose value could not be read (left out above), with the value: `finishedAt "soon"`. */
  unreadable?: string[];
}

/** An execution from the history, whose `executionMode` may be missing or one we do not know. */
export type HistoryExecution = Omit<Execution, 'kind'> & { kind?: ExecutionKind };

export interface CacheStatus {
  id: string;
  /** The cache's top-level status: RUNNING, COMPLETED, FAILED, CANCELLED, DELETED, NOT_INITIALIZED. */
  status?: string;
  catalogId?: string;
  schemaName?: string;
  tableName?: string;
  executions: Partial<Record<ExecutionKind, Execution>>;
}

/** A status list: the caches, and the entries Peaka listed without an id (their tables), which no step can act on. */
export interface CacheList {
  caches: CacheStatus[];
  unidentified: string[];
}

export interface CreateRequest {
  catalogId: string;
  schemaName: string;
  tableName: string;
  fullRefreshSchedule?: string;
  incrementalSchedule?: string;
}

export interface Schedule {
  type: string;
  expression?: string;
}

export interface CacheSettings {
  id?: string;
  fullRefreshSchedule?: Schedule;
  incrementalSchedule?: Schedule;
}

/** One schedule as the API takes it: an ISO-8601 duration, or 'none' to turn it off. */
export type ScheduleSetting = { expression: string } | 'none';
/** The schedules an update sets; one left out is kept as it is. */
export type ScheduleUpdate = { fullRefresh?: ScheduleSetting; incremental?: ScheduleSetting };

export interface TableCacheInfo {
  isCached?: boolean;
  /** Absent when Peaka could not tell. */
  isCacheable?: boolean;
  supportedCacheTypes?: string[];
}

const scheduleBody = (s: { expression: string } | 'none') =>
  s === 'none' ? { type: 'NONE' } : { type: 'BASIC', expression: s.expression };

export function toSettings(json: unknown): CacheSettings {
  const raw = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const schedule = (v: unknown): Schedule | undefined => {
    if (!v || typeof v !== 'object') return undefined;
    const r = v as Record<string, unknown>;
    return typeof r.type === 'string'
      ? { type: r.type, expression: typeof r.expression === 'string' ? r.expression : undefined }
      : undefined;
  };
  return {
    id: typeof raw.id === 'string' ? raw.id : undefined,
    fullRefreshSchedule: schedule(raw.fullRefreshCacheSchedule),
    incrementalSchedule: schedule(raw.incrementalCacheSchedule)
  };
}

/** The history's executionMode values. */
const EXECUTION_MODES: Record<string, ExecutionKind | undefined> = { FULL_REFRESH: 'full-refresh', INCREMENTAL: 'incremental' };

const SLOT: Record<ExecutionKind, string> = {
  'full-refresh': 'lastFullRefreshCacheExecution',
  incremental: 'lastIncrementalCacheExecution'
};
const TRIGGER_PATH: Record<ExecutionKind, string> = { 'full-refresh': 'fullRefreshUpdate', incremental: 'incrementalUpdate' };
/** What a trigger or cancel request does, in its error messages (the report's words live in format.ts). */
/** How a kind of execution is named in words (format.ts builds the rest of the wording on it). */
export const KIND_LABEL: Record<ExecutionKind, string> = { 'full-refresh': 'full refresh', incremental: 'incremental sync' };
const CANCEL_PATH: Record<ExecutionKind, string> = {
  'full-refresh': 'cancelFullRefreshUpdate',
  incremental: 'cancelIncrementalUpdate'
};

/**
 * The statuses that end an execution, in any letter case. Every other status (RUNNING, QUEUED,
 * PENDING, one Peaka adds later) means the execution has not ended.
 */
export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'CANCELED'];
export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.includes(status.toUpperCase());
}
/** Whether a cache is the one of this table (a create's table: Peaka allows one cache per table). */
export const isCacheOf =
  (table: Pick<CreateRequest, 'catalogId' | 'schemaName' | 'tableName'>) =>
  (cache: CacheStatus): boolean =>
    cache.catalogId === table.catalogId && cache.schemaName === table.schemaName && cache.tableName === table.tableName;
/** CANCELLED, in either spelling and any letter case. */
export const isCancelled = (status: string): boolean => /^CANCELL?ED$/i.test(status);
/** Statuses of an execution waiting its turn (queued behind another): it has not started, so it makes no progress. */
export const WAITING_ITS_TURN = /^(QUEUED|PENDING|WAITING|SCHEDULED)$/i;
/** Not ended and not yet started: waiting its turn. */
export const isQueued = (execution: Pick<Execution, 'status'> | undefined): boolean =>
  execution !== undefined && WAITING_ITS_TURN.test(execution.status);
/** Not ended: running, queued, pending, or any status that is not an end. */
export const isActive = (execution: Pick<Execution, 'status'> | undefined): boolean =>
  execution !== undefined && !isTerminal(execution.status);

export class PeakaClient {
  readonly transport: Transport;

  constructor(
    options: TransportOptions,
    readonly projectId: string
  ) {
    this.transport = new Transport(options);
  }

  /** The step's clock: its requests' timeouts and retries run on it, and so does everything else the step waits for. */
  get clock(): Clock {
    return this.transport.clock;
  }

  private cachePath(cacheId: string, suffix = ''): string {
    return `/data/projects/${segment(this.projectId, 'project id')}/cache/${segment(cacheId, 'cache id')}${suffix}`;
  }

  async getStatus(cacheId: string, deadline: number): Promise<CacheStatus> {
    const response = await this.transport.request({
      method: 'GET',
      path: this.cachePath(cacheId, '/status?excludeLogs=true'),
      action: `reading the status of cache ${cacheId}`,
      retry: true,
      deadline
    });
    // Every field is optional in the contract: a status without an id is the one that was asked for.
    const status = toCacheStatus(response.json, cacheId);
    if (!status) throw invalid(`reading the status of cache ${cacheId}`, 'the answer is not a status object');
    return status;
  }

  /** Starts an execution. Not idempotent, so never retried here: send-once.ts is where it is. */
  async trigger(kind: ExecutionKind, cacheId: string, deadline: number): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: this.cachePath(cacheId, `/${TRIGGER_PATH[kind]}`),
      action: `starting ${kind === 'incremental' ? 'an' : 'a'} ${KIND_LABEL[kind]} of cache ${cacheId}`,
      retry: false,
      expectJson: false,
      deadline
    });
  }

  /**
   * Sends a cancel. Not retried here: a 404 (nothing of that kind runs) after a lost answer may be the
   * first attempt's doing, so send-once.ts (cancelOnce) retries it and reads what happened.
   */
  async cancel(kind: ExecutionKind, cacheId: string, deadline: number): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: this.cachePath(cacheId, `/${CANCEL_PATH[kind]}`),
      action: `cancelling the ${KIND_LABEL[kind]} of cache ${cacheId}`,
      retry: false,
      expectJson: false,
      deadline
    });
  }

  /**
   * The status of every cache of the project, or of one catalog of it (to find a cache by its
   * table, or to read many caches' statuses at once). The schema-level list is not used: the live
   * API answered it with 500.
   */
  async listStatuses(deadline: number, catalogId?: string): Promise<CacheList> {
    const project = `/data/projects/${segment(this.projectId, 'project id')}`;
    const action = `listing the caches of ${catalogId ? `catalog ${catalogId} of ` : ''}project ${this.projectId}`;
    const path = catalogId ? `${project}/catalog/${segment(catalogId, 'catalog id')}/cache/status` : `${project}/cache/status`;
    const response = await this.transport.request({ method: 'GET', path, action, retry: true, deadline, jsonCap: LIST_BODY_CAP });
    if (!Array.isArray(response.json)) throw invalid(action, 'the answer is not a list');
    const list: CacheList = { caches: [], unidentified: [] };
    for (const raw of response.json) {
      const status = toCacheStatus(raw);
      if (status) list.caches.push(status);
      else list.unidentified.push(tableOf(raw) ?? 'an entry without a table name');
    }
    return list;
  }

  /** Past executions, most recent first; `kind` is left out where `executionMode` is missing or unknown. */
  async executionHistory(cacheId: string, limit: number, deadline: number, offset = 0): Promise<HistoryExecution[]> {
    const response = await this.transport.request({
      method: 'GET',
      path: this.cachePath(cacheId, `/executionHistory?limit=${limit}&offset=${offset}`),
      action: `reading the execution history of cache ${cacheId}`,
      retry: true,
      // Each execution may carry a long error (a stack trace): as big as the status lists.
      jsonCap: LIST_BODY_CAP,
      deadline
    });
    if (!Array.isArray(response.json)) throw invalid(`reading the execution history of cache ${cacheId}`, 'the answer is not a list');
    return response.json
      .map((raw: unknown): HistoryExecution | undefined => {
        const kind = EXECUTION_MODES[String((raw as Record<string, unknown>)?.executionMode ?? '').toUpperCase()];
        const execution = toExecution(raw, kind ?? 'full-refresh');
        return execution && { ...execution, kind };
      })
      .filter((e): e is HistoryExecution => e !== undefined)
      .sort(newestFirst)
      .slice(0, limit);
  }

  /** The cache's settings: its table and schedules. */
  async getSettings(cacheId: string, deadline: number): Promise<CacheSettings> {
    const response = await this.transport.request({
      method: 'GET',
      path: this.cachePath(cacheId),
      action: `reading the settings of cache ${cacheId}`,
      retry: true,
      deadline
    });
    return toSettings(response.json);
  }

  /** Changes either schedule; `none` turns one off. Sent through send-once.ts like every write (PUT: sending it again is harmless). */
  async updateSchedules(cacheId: string, schedules: ScheduleUpdate, deadline: number): Promise<CacheSettings> {
    const body: Record<string, unknown> = {};
    if (schedules.fullRefresh) body.fullRefreshCacheSchedule = scheduleBody(schedules.fullRefresh);
    if (schedules.incremental) body.incrementalCacheSchedule = scheduleBody(schedules.incremental);
    const response = await this.transport.request({
      method: 'PUT',
      path: this.cachePath(cacheId),
      body,
      action: `updating the schedules of cache ${cacheId}`,
      retry: false,
      deadline,
      hints: { 400: 'Check full-refresh-schedule and incremental-schedule: ISO-8601 durations such as PT6H, or none.' }
    });
    return toSettings(response.json);
  }

  /** Deletes the cache (a 404: it does not exist). Not retried here, for the reason given at cancel (send-once.ts: deleteOnce). */
  async deleteCache(cacheId: string, deadline: number): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: this.cachePath(cacheId),
      action: `deleting cache ${cacheId}`,
      retry: false,
      expectJson: false,
      deadline
    });
  }

  /** Whether a table can be cached and already is. */
  async isCached(request: Pick<CreateRequest, 'catalogId' | 'schemaName' | 'tableName'>, deadline: number): Promise<TableCacheInfo> {
    const response = await this.transport.request({
      method: 'GET',
      path: `/data/projects/${segment(this.projectId, 'project id')}/catalogs/${segment(request.catalogId, 'catalog id')}/schemas/${segment(request.schemaName, 'schema name')}/tables/${segment(request.tableName, 'table name')}/isCached`,
      action: `checking whether table ${request.schemaName}.${request.tableName} can be cached`,
      retry: true,
      deadline,
      hints: { 404: 'Check catalog-id, schema-name and table-name: the table was not found.' }
    });
    const raw = (response.json ?? {}) as Record<string, unknown>;
    return {
      isCached: typeof raw.isCached === 'boolean' ? raw.isCached : undefined,
      isCacheable: typeof raw.isCacheable === 'boolean' ? raw.isCacheable : undefined,
      supportedCacheTypes: Array.isArray(raw.supportedCacheTypes) ? raw.supportedCacheTypes.map(String) : undefined
    };
  }

  /** Not idempotent, so never retried here: send-once.ts is where it is. */
  async createCache(request: CreateRequest, deadline: number): Promise<{ id: string }> {
    const schedule = (expression?: string) => (expression ? { type: 'BASIC', expression } : undefined);
    const table = `${request.schemaName}.${request.tableName}`;
    const response = await this.transport.request({
      method: 'POST',
      path: `/data/projects/${segment(this.projectId, 'project id')}/cache`,
      body: {
        catalogId: request.catalogId,
        schemaName: request.schemaName,
        tableName: request.tableName,
        fullRefreshCacheSchedule: schedule(request.fullRefreshSchedule),
        incrementalCacheSchedule: schedule(request.incrementalSchedule)
      },
      action: `creating a cache for table ${table}`,
      retry: false,
      deadline,
      hints: {
        400: 'Check catalog-id, schema-name and table-name (the table must exist in that catalog) and the schedule inputs.',
        404: 'Check project-id and catalog-id.',
        409: `Table ${table} already has a cache; use its cache-id with operation full-refresh or incremental instead.`
      }
    });
    const raw = (response.json ?? {}) as Record<string, unknown>;
    if (typeof raw.id !== 'string' || !raw.id) throw invalid(`creating a cache for table ${table}`, 'the answer has no cache id');
    return { id: raw.id };
  }
}

/**
 * One path segment, encoded. Ids that come back from the API reach here unchecked: an empty one or
 * a dot segment would address another endpoint (the URL parser resolves '..' even when encoded).
 */
export function segment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new ActionError(
      `The ${what} ${JSON.stringify(value)} cannot be used in a request: as a path segment it would address another endpoint. Check the caches in Peaka.`
    );
  }
  return encodeURIComponent(value);
}

function invalid(action: string, why: string): PeakaApiError {
  return new PeakaApiError({ kind: 'invalid-response', action, peakaMessage: why });
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
/**
 * An id from the network: one word of printable characters. One with white space or control
 * characters is no id (it would put lines of its own into outputs a later step may echo).
 */
const idOf = (v: unknown) =>
  // eslint-disable-next-line no-control-regex -- control characters are exactly what ids may not hold
  typeof v === 'string' && v !== '' && v.length <= 200 && !/[\s\u0000-\u001f\u007f-\u009f]/.test(v) ? v : undefined;

/** A status object; `askedFor` is its id when the answer leaves the id out (it is optional). */
export function toCacheStatus(json: unknown, askedFor?: string): CacheStatus | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const raw = json as Record<string, unknown>;
  const id = idOf(raw.id) ?? askedFor;
  if (!id) return undefined;
  const executions: CacheStatus['executions'] = {};
  for (const kind of Object.keys(SLOT) as ExecutionKind[]) {
    const execution = toExecution(raw[SLOT[kind]], kind);
    if (execution) executions[kind] = execution;
  }
  return {
    id,
    status: str(raw.status)
      ?.toUpperCase()
      .replace(/^CANCELED$/, 'CANCELLED'),
    catalogId: str(raw.catalogId),
    schemaName: str(raw.schemaName),
    tableName: str(raw.tableName),
    executions
  };
}

/** Most recent first by creation time (the contract says so of the history; a server may not); undated last, in their order. */
function newestFirst(a: { createdAt?: string }, b: { createdAt?: string }): number {
  const [x, y] = [parseInstant(a.createdAt ?? ''), parseInstant(b.createdAt ?? '')];
  if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0);
  return y - x;
}

function tableOf(json: unknown): string | undefined {
  const raw = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const parts = [str(raw.schemaName), str(raw.tableName)].filter(Boolean);
  return parts.length ? parts.join('.') : undefined;
}

export function toExecution(json: unknown, kind: ExecutionKind): Execution | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const raw = json as Record<string, unknown>;
  const id = idOf(raw.id);
  if (!id) return undefined;
  // progress is null on a RUNNING execution that has none yet (seen live): no counts yet.
  const progress = (raw.progress && typeof raw.progress === 'object' ? raw.progress : {}) as Record<string, unknown>;
  // A value that cannot be read is left out and named, never turned into NaN or a wrong total.
  const unreadable: string[] = [];
  const show = (v: unknown) => cut(JSON.stringify(v) ?? String(v), 40);
  const count = (field: string) => {
    const v = progress[field];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    // A count of records is a whole number, 0 or more, exact in a double: anything else is not a count.
    if (Number.isSafeInteger(n) && n >= 0) return n;
    unreadable.push(`${field} ${show(v)}`);
    return undefined;
  };
  const instant = (field: string) => {
    const v = raw[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string' && parseInstant(v) !== undefined) return v;
    unreadable.push(`${field} ${show(v)}`);
    return undefined;
  };
  return {
    id,
    kind,
    // One spelling for the outputs and gates: Peaka's CANCELED (or any case) is CANCELLED.
    status: (str(raw.status) ?? 'UNKNOWN').toUpperCase().replace(/^CANCELED$/, 'CANCELLED'),
    cachedRecords: count('numberOfCachedRecords'),
    insertedRecords: count('numberOfInsertedRecords'),
    updatedRecords: count('numberOfUpdatedRecords'),
    deletedRecords: count('numberOfDeletedRecords'),
    createdAt: instant('createdAt'),
    updatedAt: instant('updatedAt'),
    finishedAt: instant('finishedAt'),
    error: errorText(raw.error),
    ...(unreadable.length ? { unreadable } : {})
  };
}

function errorText(error: unknown): string | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === 'string') return redactAndCut(error.trim(), 500) || undefined;
  if (typeof error !== 'object') return String(error);
  const e = error as Record<string, unknown>;
  if (Object.keys(e).length === 0) return undefined;
  // The key is redacted on the whole text before it is cut, so no part of it is left.
  return redactAndCut(str(e.message) ?? str(e.error) ?? str(e.reason) ?? shallowJson(e), 500);
}

/**
 * An object as JSON, nested at most a few levels (deeper parts as "..."): an error object from the
 * network may be nested thousands of levels deep, and JSON.stringify would overflow the stack.
 */
function shallowJson(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  if (depth >= 4) return '"..."';
  const entries = Array.isArray(value)
    ? value.slice(0, 20).map((v) => shallowJson(v, depth + 1))
    : Object.entries(value)
        .slice(0, 20)
        .map(([k, v]) => `${JSON.stringify(k)}:${shallowJson(v, depth + 1)}`);
  return Array.isArray(value) ? `[${entries.join(',')}]` : `{${entries.join(',')}}`;
}
