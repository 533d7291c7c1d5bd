/**
 * A local Peaka: the cache endpoints of the partner API as a state machine on 127.0.0.1.
 *
 * - Bearer auth with partner keys (every project) and project keys (their own project only).
 * - A trigger answers without an execution id; the execution record appears `appearDelayMs` later,
 *   and until then the slot still shows the previous execution. A trigger while one of the same kind
 *   runs is queued behind it.
 * - Executions make progress linearly and end COMPLETED, FAILED or CANCELLED.
 * - Faults on request: status codes with JSON, HTML, text or empty bodies and Retry-After, dropped
 *   connections, hanging requests, slow answers, malformed or empty 200s, optionally after the
 *   request took effect (an ambiguous trigger).
 * Used by the tests, the demo and the benchmarks; not part of the action's bundle.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Kind = 'full-refresh' | 'incremental';

export interface RunPlan {
  /** Delay between the trigger's answer and the execution record's appearance. */
  appearDelayMs: number;
  durationMs: number;
  records: number;
  outcome: 'COMPLETED' | 'FAILED';
  error?: string;
}

export interface SimExecution {
  id: string;
  kind: Kind;
  appearAt: number;
  startAt: number;
  durationMs: number;
  records: number;
  outcome: 'COMPLETED' | 'FAILED';
  error?: string;
  cancelledAt?: number;
  scheduled: boolean;
}

export interface SimCache {
  id: string;
  projectId: string;
  catalogId: string;
  schemaName: string;
  tableName: string;
  fullRefreshCacheSchedule?: { type: string; expression?: string };
  incrementalCacheSchedule?: { type: string; expression?: string };
  executions: SimExecution[];
  deleted: boolean;
}

export interface Fault {
  method?: string;
  /** Substring (or pattern) the request path must contain. */
  path?: string | RegExp;
  type: 'status' | 'drop' | 'hang' | 'slow' | 'malformed' | 'empty';
  status?: number;
  body?: 'json' | 'html' | 'text' | 'empty';
  retryAfter?: string;
  delayMs?: number;
  /** How many requests it hits; default 1. */
  times?: number;
  /** Let the request take effect first, then fail its answer (always so for malformed and empty). */
  afterEffect?: boolean;
}

export interface RequestRecord {
  method: string;
  path: string;
  at: number;
  /** HTTP status sent, or 'dropped' / 'hung'. */
  outcome: number | 'dropped' | 'hung';
  auth?: string;
}

export interface SimulatorOptions {
  partnerKeys?: string[];
  /** key -> project id */
  projectKeys?: Record<string, string>;
  /** The plan for executions that are not given one with planNext(). */
  defaultPlan?: Partial<RunPlan>;
  /** Delay between a cancel and the CANCELLED status. */
  cancelDelayMs?: number;
}

/** The durations the simulator accepts: whole numbers only, as a stricter server might. */
const ISO = /^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$/;

const DEFAULT_PLAN: RunPlan = { appearDelayMs: 300, durationMs: 1_500, records: 10_000, outcome: 'COMPLETED' };

export class PeakaSimulator {
  url = '';
  readonly requests: RequestRecord[] = [];
  readonly caches = new Map<string, SimCache>();
  /** schema.table names that isCached reports as not cacheable. */
  readonly uncacheableTables = new Set<string>();
  /** Called with each cache created through the API (tests use it to aim faults at a new cache). */
  readonly createListeners: ((cache: SimCache) => void)[] = [];
  private readonly faults: Fault[] = [];
  private readonly plans = new Map<string, RunPlan[]>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly partnerKeys: string[];
  private readonly projectKeys: Record<string, string>;
  private readonly defaultPlan: RunPlan;
  private readonly cancelDelayMs: number;

  constructor(options: SimulatorOptions = {}) {
    this.partnerKeys = options.partnerKeys ?? ['partner-key-0123456789'];
    this.projectKeys = options.projectKeys ?? {};
    this.defaultPlan = { ...DEFAULT_PLAN, ...options.defaultPlan };
    this.cancelDelayMs = options.cancelDelayMs ?? 200;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a cache; `previous` gives it finished executions to start from. */
  addCache(init: Partial<Omit<SimCache, 'executions'>> & { previous?: Partial<Record<Kind, Partial<RunPlan> & { endedAgoMs?: number }>> } = {}): SimCache {
    const cache: SimCache = {
      id: init.id ?? randomUUID(),
      projectId: init.projectId ?? 'mtKDhe1U',
      catalogId: init.catalogId ?? '627249916703408649',
      schemaName: init.schemaName ?? 'payment',
      tableName: init.tableName ?? `customers_${this.caches.size + 1}`,
      fullRefreshCacheSchedule: init.fullRefreshCacheSchedule,
      incrementalCacheSchedule: init.incrementalCacheSchedule,
      executions: [],
      deleted: false
    };
    for (const [kind, prev] of Object.entries(init.previous ?? {}) as [Kind, Partial<RunPlan> & { endedAgoMs?: number }][]) {
      const plan = { ...this.defaultPlan, ...prev };
      const startAt = Date.now() - (prev.endedAgoMs ?? 60_000) - plan.durationMs;
      cache.executions.push(this.execution(kind, plan, startAt, true));
    }
    this.caches.set(cache.id, cache);
    return cache;
  }

  /** The plan for the next execution of `kind` on `cacheId` (queued: one per execution). */
  planNext(cacheId: string, kind: Kind, plan: Partial<RunPlan>): void {
    const key = `${cacheId}:${kind}`;
    this.plans.set(key, [...(this.plans.get(key) ?? []), { ...this.defaultPlan, ...plan }]);
  }

  fault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Executions created by triggers or creation (not the seeded previous ones). */
  startedExecutions(cacheId: string, kind?: Kind): SimExecution[] {
    const cache = this.caches.get(cacheId);
    return (cache?.executions ?? []).filter((e) => !e.scheduled && (!kind || e.kind === kind));
  }

  /** Starts an execution as Peaka's scheduler would (not through the API). */
  startScheduled(cacheId: string, kind: Kind, plan: Partial<RunPlan> = {}): SimExecution {
    const cache = this.caches.get(cacheId)!;
    const execution = this.execution(kind, { ...this.defaultPlan, ...plan, appearDelayMs: 0 }, Date.now(), true);
    cache.executions.push(execution);
    return execution;
  }

  // ---- request handling -------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RequestRecord = { method: req.method ?? 'GET', path: url.pathname + url.search, at: Date.now(), outcome: 0, auth: req.headers.authorization };
    this.requests.push(record);
    const body = await readBody(req);
    const fault = this.takeFault(record.method, record.path);

    if (fault?.type === 'drop' && !fault.afterEffect) return this.drop(req, record);
    if (fault?.type === 'hang') {
      record.outcome = 'hung';
      return;
    }
    if (fault?.type === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1_000));
    // A 200 with a broken body comes from a server that did the work: those faults always follow the effect.
    const afterEffect = fault?.afterEffect || fault?.type === 'malformed' || fault?.type === 'empty';
    if (fault && fault.type !== 'slow' && !afterEffect) return this.sendFault(res, record, fault);

    const answer = this.route(req.method ?? 'GET', url, req.headers.authorization, body);
    if (fault && afterEffect) {
      if (fault.type === 'drop') return this.drop(req, record);
      return this.sendFault(res, record, fault);
    }
    record.outcome = answer.status;
    if (answer.html) {
      res.writeHead(answer.status, { 'Content-Type': 'text/html' }).end(answer.html);
      return;
    }
    res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.json === undefined ? '' : JSON.stringify(answer.json));
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)))
    );
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private drop(req: IncomingMessage, record: RequestRecord): void {
    record.outcome = 'dropped';
    req.socket.destroy();
  }

  private sendFault(res: ServerResponse, record: RequestRecord, fault: Fault): void {
    const status = fault.type === 'status' ? (fault.status ?? 500) : 200;
    record.outcome = status;
    const headers: Record<string, string> = {};
    if (fault.retryAfter) headers['Retry-After'] = fault.retryAfter;
    if (fault.type === 'malformed') {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/json' }).end('{"id": "abc", "status": ');
      return;
    }
    if (fault.type === 'empty' || fault.body === 'empty') {
      res.writeHead(status, headers).end();
      return;
    }
    if (fault.body === 'html') {
      res
        .writeHead(status, { ...headers, 'Content-Type': 'text/html' })
        .end(`<!doctype html><html><head><title>HTTP Status ${status} – Internal Server Error</title></head><body><h1>HTTP Status ${status}</h1><p>java.lang.NullPointerException</p></body></html>`);
      return;
    }
    if (fault.body === 'text') {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain' }).end(`upstream error ${status}`);
      return;
    }
    res
      .writeHead(status, { ...headers, 'Content-Type': 'application/json' })
      .end(JSON.stringify({ error: 'Simulated fault', message: `Simulated ${status} from the Peaka simulator`, errorCode: null }));
  }

  private route(method: string, url: URL, authorization: string | undefined, body: string): Answer {
    const m = /^\/api\/v1\/data\/projects\/([^/]+)\/(.*)$/.exec(url.pathname);
    if (!m) return notFound('No such endpoint');
    const projectId = decodeURIComponent(m[1]);
    const auth = this.authorize(authorization, projectId);
    if (auth) return auth;
    const rest = m[2];
    const parts = rest.split('/').map(decodeURIComponent);
    const now = Date.now();

    if (rest === 'cache' && method === 'POST') return this.create(projectId, body, now);
    if (rest === 'cache/status' && method === 'GET')
      return ok([...this.caches.values()].filter((c) => c.projectId === projectId && !c.deleted).map((c) => this.statusOf(c, now, true)));
    if (parts[0] === 'catalogs' && parts[2] === 'schemas' && parts[4] === 'tables' && parts[6] === 'isCached' && method === 'GET') {
      const cached = [...this.caches.values()].some(
        (c) => c.projectId === projectId && !c.deleted && c.catalogId === parts[1] && c.schemaName === parts[3] && c.tableName === parts[5]
      );
      const cacheable = !this.uncacheableTables.has(`${parts[3]}.${parts[5]}`);
      return ok({ supportedCacheTypes: cacheable ? ['FULL_REFRESH', 'INCREMENTAL'] : [], isCached: cached, isCacheable: cacheable });
    }
    if (parts[0] !== 'cache' || parts.length < 2) return notFound('No such endpoint');
    const cache = this.caches.get(parts[1]);
    if (!cache || cache.projectId !== projectId || cache.deleted)
      return { status: 404, json: { error: 'Not Found', message: `Cache not found: ${parts[1]}`, errorCode: null } };
    const action = parts[2];

    if (action === 'status' && method === 'GET') return ok(this.statusOf(cache, now, url.searchParams.get('excludeLogs') === 'true'));
    if (action === 'fullRefreshUpdate' && method === 'POST') return this.trigger(cache, 'full-refresh', now);
    if (action === 'incrementalUpdate' && method === 'POST') return this.trigger(cache, 'incremental', now);
    if (action === 'cancelFullRefreshUpdate' && method === 'POST') return this.cancel(cache, 'full-refresh', now);
    if (action === 'cancelIncrementalUpdate' && method === 'POST') return this.cancel(cache, 'incremental', now);
    if (action === 'executionHistory' && method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const visible = cache.executions.filter((e) => e.appearAt <= now).sort((a, b) => b.appearAt - a.appearAt);
      return ok(visible.slice(offset, offset + limit).map((e) => ({ ...this.executionInfo(e, now), executionMode: e.kind === 'full-refresh' ? 'FULL_REFRESH' : 'INCREMENTAL' })));
    }
    if (action === undefined && method === 'GET') return ok(this.settingsOf(cache));
    if (action === undefined && method === 'DELETE') {
      cache.deleted = true;
      return { status: 200 };
    }
    if (action === undefined && method === 'PUT') {
      const update = parseJson(body) as Partial<SimCache> | undefined;
      if (!update) return badRequest('Body is not JSON');
      for (const key of ['fullRefreshCacheSchedule', 'incrementalCacheSchedule'] as const) {
        const schedule = update[key];
        // As the live API was seen to do: an expression it cannot parse is dropped, and it still answers 200.
        if (schedule && (schedule.type === 'NONE' || (schedule.type === 'BASIC' && ISO.test(schedule.expression ?? '')))) cache[key] = schedule;
      }
      return ok(this.settingsOf(cache));
    }
    return notFound('No such endpoint');
  }

  private authorize(authorization: string | undefined, projectId: string): Answer | undefined {
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!key || (!this.partnerKeys.includes(key) && !(key in this.projectKeys)))
      return { status: 401, json: { errorCode: 100, message: 'Invalid API key' } };
    if (key in this.projectKeys && this.projectKeys[key] !== projectId)
      return { status: 403, json: { error: 'Forbidden', message: `API key is not authorized for project ${projectId}`, errorCode: null } };
    return undefined;
  }

  private create(projectId: string, body: string, now: number): Answer {
    const request = parseJson(body) as Partial<SimCache> | undefined;
    if (!request || !request.catalogId || !request.schemaName || !request.tableName) return badRequest('catalogId, schemaName and tableName are required');
    for (const key of ['fullRefreshCacheSchedule', 'incrementalCacheSchedule'] as const) {
      const schedule = request[key];
      if (schedule && (schedule.type !== 'BASIC' || !ISO.test(schedule.expression ?? '')))
        return badRequest(`Invalid schedule expression: ${schedule.expression}`);
    }
    const duplicate = [...this.caches.values()].find(
      (c) => c.projectId === projectId && !c.deleted && c.catalogId === request.catalogId && c.schemaName === request.schemaName && c.tableName === request.tableName
    );
    if (duplicate) return { status: 409, json: { error: 'Conflict', message: 'A cache already exists for this table', errorCode: null } };
    const cache = this.addCache({
      projectId,
      catalogId: request.catalogId,
      schemaName: request.schemaName,
      tableName: request.tableName,
      fullRefreshCacheSchedule: request.fullRefreshCacheSchedule,
      incrementalCacheSchedule: request.incrementalCacheSchedule
    });
    const firstKind: Kind = request.incrementalCacheSchedule && !request.fullRefreshCacheSchedule ? 'incremental' : 'full-refresh';
    const plan = this.nextPlan(cache.id, firstKind);
    cache.executions.push(this.execution(firstKind, plan, now + plan.appearDelayMs, false));
    for (const listener of this.createListeners) listener(cache);
    return ok(this.settingsOf(cache));
  }

  private trigger(cache: SimCache, kind: Kind, now: number): Answer {
    const plan = this.nextPlan(cache.id, kind);
    const last = cache.executions.filter((e) => e.kind === kind).at(-1);
    const lastEnd = last ? this.endOf(last) : 0;
    const appearAt = Math.max(now + plan.appearDelayMs, lastEnd > now ? lastEnd + plan.appearDelayMs : 0);
    cache.executions.push(this.execution(kind, plan, appearAt, false));
    return ok({});
  }

  private cancel(cache: SimCache, kind: Kind, now: number): Answer {
    const ofKind = cache.executions.filter((e) => e.kind === kind);
    const visible = ofKind.filter((e) => e.appearAt <= now).at(-1);
    const pending = ofKind.find((e) => e.appearAt > now);
    if (visible && this.statusAt(visible, now) === 'RUNNING') {
      visible.cancelledAt = now + this.cancelDelayMs;
      return { status: 200 };
    }
    if (pending) {
      // What the live API did: the workflow's record does not exist yet.
      return {
        status: 500,
        html: '<!doctype html><html><head><title>HTTP Status 500 – Internal Server Error</title></head><body><h1>java.lang.NullPointerException</h1></body></html>'
      };
    }
    return { status: 404, json: { error: 'Not Found', message: `No running workflow for cache ${cache.id}`, errorCode: null } };
  }

  // ---- state ------------------------------------------------------------------------------

  private nextPlan(cacheId: string, kind: Kind): RunPlan {
    const queue = this.plans.get(`${cacheId}:${kind}`);
    return queue?.shift() ?? this.defaultPlan;
  }

  private execution(kind: Kind, plan: RunPlan, appearAt: number, scheduled: boolean): SimExecution {
    return { id: randomUUID(), kind, appearAt, startAt: appearAt, durationMs: plan.durationMs, records: plan.records, outcome: plan.outcome, error: plan.error, scheduled };
  }

  private endOf(e: SimExecution): number {
    const natural = e.startAt + e.durationMs;
    return e.cancelledAt !== undefined ? Math.min(e.cancelledAt, natural) : natural;
  }

  statusAt(e: SimExecution, now: number): string {
    if (now < this.endOf(e)) return 'RUNNING';
    return e.cancelledAt !== undefined && e.cancelledAt < e.startAt + e.durationMs ? 'CANCELLED' : e.outcome;
  }

  private executionInfo(e: SimExecution, now: number): Record<string, unknown> {
    const status = this.statusAt(e, now);
    const end = this.endOf(e);
    const until = Math.min(now, end);
    const share = Math.min(1, Math.max(0, (until - e.startAt) / e.durationMs));
    const done = Math.floor(e.records * (e.outcome === 'FAILED' && status === 'FAILED' ? Math.min(share, 0.4) : share));
    const progress =
      e.kind === 'full-refresh'
        ? { numberOfCachedRecords: done, numberOfInsertedRecords: done, numberOfUpdatedRecords: 0, numberOfDeletedRecords: 0 }
        : {
            numberOfCachedRecords: done,
            numberOfInsertedRecords: Math.floor(done * 0.6),
            numberOfUpdatedRecords: Math.floor(done * 0.3),
            numberOfDeletedRecords: done - Math.floor(done * 0.6) - Math.floor(done * 0.3)
          };
    return {
      id: e.id,
      status,
      error: status === 'FAILED' ? { message: e.error ?? 'Source query failed' } : {},
      progress: { ...progress, lastOffset: String(done), lastCacheTxId: null },
      createdAt: new Date(e.appearAt).toISOString(),
      updatedAt: new Date(until).toISOString(),
      finishedAt: status === 'RUNNING' ? null : new Date(end).toISOString()
    };
  }

  private statusOf(cache: SimCache, now: number, excludeLogs: boolean): Record<string, unknown> {
    const slot = (kind: Kind) => cache.executions.filter((e) => e.kind === kind && e.appearAt <= now).at(-1);
    const full = slot('full-refresh');
    const incremental = slot('incremental');
    const visible = [full, incremental].filter((e): e is SimExecution => e !== undefined);
    const latest = visible.sort((a, b) => b.appearAt - a.appearAt)[0];
    const top = visible.some((e) => this.statusAt(e, now) === 'RUNNING') ? 'RUNNING' : latest ? this.statusAt(latest, now) : 'NOT_INITIALIZED';
    return {
      id: cache.id,
      status: top,
      catalogId: cache.catalogId,
      schemaName: cache.schemaName,
      tableName: cache.tableName,
      lastIncrementalCacheExecution: incremental ? this.executionInfo(incremental, now) : null,
      lastFullRefreshCacheExecution: full ? this.executionInfo(full, now) : null,
      ...(excludeLogs ? {} : { cacheActionLogs: [] }),
      projectId: cache.projectId
    };
  }

  private settingsOf(cache: SimCache): Record<string, unknown> {
    const { id, catalogId, schemaName, tableName, fullRefreshCacheSchedule, incrementalCacheSchedule, projectId } = cache;
    return { id, catalogId, schemaName, tableName, fullRefreshCacheSchedule, incrementalCacheSchedule, projectId };
  }
}

interface Answer {
  status: number;
  json?: unknown;
  html?: string;
}

const ok = (json: unknown): Answer => ({ status: 200, json });
const notFound = (message: string): Answer => ({ status: 404, json: { error: 'Not Found', message, errorCode: null } });
const badRequest = (message: string): Answer => ({ status: 400, json: { error: 'Bad Request', message, errorCode: null } });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<PeakaSimulator> {
  return new PeakaSimulator(options).start();
}
