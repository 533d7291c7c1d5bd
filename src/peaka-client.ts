/**
 * The Peaka cache endpoints the action uses, with answers normalised into small typed records.
 * Everything HTTP (timeouts, retries, proxies, error messages) lives in http-helper.ts.
 */
import { PeakaApiError } from './api-error.js';
import { Transport, type TransportOptions } from './http-helper.js';

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
}

export interface CacheStatus {
  id: string;
  /** The cache's top-level status: RUNNING, COMPLETED, FAILED, CANCELLED, DELETED, NOT_INITIALIZED. */
  status?: string;
  catalogId?: string;
  schemaName?: string;
  tableName?: string;
  executions: Partial<Record<ExecutionKind, Execution>>;
}

export interface CreateRequest {
  catalogId: string;
  schemaName: string;
  tableName: string;
  fullRefreshSchedule?: string;
  incrementalSchedule?: string;
}

const SLOT: Record<ExecutionKind, string> = {
  'full-refresh': 'lastFullRefreshCacheExecution',
  incremental: 'lastIncrementalCacheExecution'
};
const TRIGGER_PATH: Record<ExecutionKind, string> = { 'full-refresh': 'fullRefreshUpdate', incremental: 'incrementalUpdate' };
const CANCEL_PATH: Record<ExecutionKind, string> = {
  'full-refresh': 'cancelFullRefreshUpdate',
  incremental: 'cancelIncrementalUpdate'
};
export const KIND_LABEL: Record<ExecutionKind, string> = { 'full-refresh': 'full refresh', incremental: 'incremental sync' };

export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'CANCELED'];
export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && TERMINAL_STATUSES.includes(status.toUpperCase());
}

export class PeakaClient {
  readonly transport: Transport;

  constructor(
    options: TransportOptions,
    readonly projectId: string
  ) {
    this.transport = new Transport(options);
  }

  private cachePath(cacheId: string, suffix = ''): string {
    return `/data/projects/${encodeURIComponent(this.projectId)}/cache/${encodeURIComponent(cacheId)}${suffix}`;
  }

  async getStatus(cacheId: string, deadline: number): Promise<CacheStatus> {
    const response = await this.transport.request({
      method: 'GET',
      path: this.cachePath(cacheId, '/status?excludeLogs=true'),
      action: `reading the status of cache ${cacheId}`,
      retry: true,
      deadline
    });
    const status = toCacheStatus(response.json);
    if (!status) throw invalid(`reading the status of cache ${cacheId}`, 'the status has no cache id');
    return status;
  }

  /** Starts an execution. Not idempotent, so never retried here: see operations.ts for the recovery. */
  async trigger(kind: ExecutionKind, cacheId: string, deadline: number): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: this.cachePath(cacheId, `/${TRIGGER_PATH[kind]}`),
      action: `starting a ${KIND_LABEL[kind]} of cache ${cacheId}`,
      retry: false,
      expectJson: false,
      deadline
    });
  }

  /** Sends a cancel. Resolves false when Peaka answers 404 (the cache exists but nothing of that kind runs). */
  async cancel(kind: ExecutionKind, cacheId: string, deadline: number): Promise<boolean> {
    try {
      await this.transport.request({
        method: 'POST',
        path: this.cachePath(cacheId, `/${CANCEL_PATH[kind]}`),
        action: `cancelling the ${KIND_LABEL[kind]} of cache ${cacheId}`,
        retry: true,
        expectJson: false,
        deadline
      });
      return true;
    } catch (err) {
      if (err instanceof PeakaApiError && err.status === 404) return false;
      throw err;
    }
  }

  /** The status of every cache of the project (used to find a cache by its table). */
  async listStatuses(deadline: number): Promise<CacheStatus[]> {
    const response = await this.transport.request({
      method: 'GET',
      path: `/data/projects/${encodeURIComponent(this.projectId)}/cache/status`,
      action: `listing the caches of project ${this.projectId}`,
      retry: true,
      deadline
    });
    if (!Array.isArray(response.json)) throw invalid(`listing the caches of project ${this.projectId}`, 'the answer is not a list');
    return response.json.map(toCacheStatus).filter((s): s is CacheStatus => s !== undefined);
  }

  /** Not idempotent, so never retried here: see operations.ts for the recovery. */
  async createCache(request: CreateRequest, deadline: number): Promise<{ id: string; raw: Record<string, unknown> }> {
    const schedule = (expression?: string) => (expression ? { type: 'BASIC', expression } : undefined);
    const table = `${request.schemaName}.${request.tableName}`;
    const response = await this.transport.request({
      method: 'POST',
      path: `/data/projects/${encodeURIComponent(this.projectId)}/cache`,
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
    return { id: raw.id, raw };
  }
}

function invalid(action: string, why: string): PeakaApiError {
  return new PeakaApiError({ kind: 'invalid-response', action, peakaMessage: why });
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function toCacheStatus(json: unknown): CacheStatus | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const raw = json as Record<string, unknown>;
  const id = str(raw.id);
  if (!id) return undefined;
  const executions: CacheStatus['executions'] = {};
  for (const kind of Object.keys(SLOT) as ExecutionKind[]) {
    const execution = toExecution(raw[SLOT[kind]], kind);
    if (execution) executions[kind] = execution;
  }
  return {
    id,
    status: str(raw.status),
    catalogId: str(raw.catalogId),
    schemaName: str(raw.schemaName),
    tableName: str(raw.tableName),
    executions
  };
}

export function toExecution(json: unknown, kind: ExecutionKind): Execution | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const raw = json as Record<string, unknown>;
  const id = str(raw.id);
  if (!id) return undefined;
  const progress = (raw.progress && typeof raw.progress === 'object' ? raw.progress : {}) as Record<string, unknown>;
  return {
    id,
    kind,
    status: (str(raw.status) ?? 'UNKNOWN').toUpperCase(),
    cachedRecords: num(progress.numberOfCachedRecords),
    insertedRecords: num(progress.numberOfInsertedRecords),
    updatedRecords: num(progress.numberOfUpdatedRecords),
    deletedRecords: num(progress.numberOfDeletedRecords),
    createdAt: str(raw.createdAt),
    updatedAt: str(raw.updatedAt),
    finishedAt: str(raw.finishedAt),
    error: errorText(raw.error)
  };
}

function errorText(error: unknown): string | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === 'string') return error.trim() || undefined;
  if (typeof error !== 'object') return String(error);
  const e = error as Record<string, unknown>;
  if (Object.keys(e).length === 0) return undefined;
  const text = str(e.message) ?? str(e.error) ?? str(e.reason) ?? JSON.stringify(e);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
