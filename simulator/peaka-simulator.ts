/**
 * A local Peaka: the cache endpoints of the partner API as a state machine on 127.0.0.1.
 *
 * By default it answers as Peaka's published contract says (simulator/peaka-cache-openapi.json);
 * in the test suite every answer that is not a fault is checked against it (contract.ts).
 * - Bearer auth with partner keys (every project) and project keys (their own project only).
 * - A trigger answers without an execution id; the execution record appears `appearDelayMs` later,
 *   and until then the slot still shows the previous execution.
 * - A trigger while one of the same kind runs: Peaka's pages say only that it "may start a new
 *   workflow that will be queued". The simulator offers each reading (`model`, ConcurrencyModel):
 *   queued out of sight until the running one ends (`queued-hidden`), shown QUEUED in the slot at
 *   once and run after it (`queued-visible`), or run beside it, the slot showing the newest
 *   (`parallel`). A cancel stops what runs of its kind (under `parallel`, every one that runs).
 * - Other actors on the same cache: `actorTrigger`/`actorCancel` (another workflow run, a user in
 *   Peaka's UI) and `schedule` (Peaka's scheduler) act beside the step, under the same model.
 * - Executions make progress linearly and end COMPLETED, FAILED or CANCELLED.
 * - Faults on request: status codes with JSON, HTML, text or empty bodies and Retry-After, dropped
 *   connections, hanging requests, slow answers, malformed or empty 200s, optionally after the
 *   request took effect (an ambiguous trigger), or a spec-valid answer reshaped by the test.
 * - What the live API was seen to do against its contract (shared/peaka-api/README.md) is off by
 *   default; a test switches each on by name with `deviate()`.
 * Used by the tests, the demo and the benchmarks; not part of the action's bundle.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { checkAnswer, contractLedger } from './contract.js';
import { realClock, type Clock } from '../src/clock.js';

export type Kind = 'full-refresh' | 'incremental';

/** What a trigger does while an execution of its kind runs: the readings Peaka's pages leave open. */
export type ConcurrencyModel = 'queued-hidden' | 'queued-visible' | 'parallel';
export const CONCURRENCY_MODELS: readonly ConcurrencyModel[] = ['queued-hidden', 'queued-visible', 'parallel'];

export interface RunPlan {
  /** Delay between the trigger's answer and the execution record's appearance. */
  appearDelayMs: number;
  durationMs: number;
  records: number;
  outcome: 'COMPLETED' | 'FAILED';
  error?: string;
  /** How long it shows QUEUED (a status the contract's free string allows) before it runs. */
  queuedMs?: number;
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
  queuedMs: number;
  /** Never picked up: RUNNING, no progress, updatedAt never moves (the 'stalled-execution' deviation). */
  stalled: boolean;
  appearDelayMs: number;
  /** The execution of its kind it is queued behind (queued models): it appears (hidden) or starts (visible) once that ends. */
  after?: SimExecution;
  /** Started by another actor beside the step (actorTrigger, schedule): not the step's. */
  actor?: string;
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
  type: 'status' | 'drop' | 'hang' | 'slow' | 'malformed' | 'empty' | 'reshape';
  status?: number;
  body?: 'json' | 'html' | 'text' | 'empty';
  retryAfter?: string;
  delayMs?: number;
  /** How many requests it hits; default 1. */
  times?: number;
  /** Let the request take effect first, then fail its answer (always so for malformed and empty). */
  afterEffect?: boolean;
  /** For 'reshape': changes the JSON of the real answer (e.g. leaves out a field the contract makes optional). */
  reshape?: (json: unknown) => unknown;
}

/**
 * What the live API was seen to do against its published contract (shared/peaka-api/README.md).
 * Each is off until a test switches it on with `deviate()`.
 */
export type Deviation =
  /** Error answers of the simulator's own routes come as HTML pages (Tomcat's error page). */
  | 'html-errors'
  /** A cancel sent before the execution record exists answers 500 (a NullPointerException page). */
  | 'cancel-before-record-500'
  /** A create for a table whose cache is in its first sync answers 500 instead of 409. */
  | 'duplicate-create-500'
  /** A schedule update with an expression Peaka cannot parse answers 200 and drops it. */
  | 'schedule-dropped'
  /** A RUNNING execution's `progress` is null. */
  | 'null-progress'
  /** New executions are never picked up: RUNNING, progress null, updatedAt = createdAt, forever. */
  | 'stalled-execution'
  /** The schema-level status list answers 500. */
  | 'schema-list-500'
  /** Tables given with orphanTable(): isCached says true, no list shows a cache, a create answers 400. */
  | 'orphaned-cache';

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
  /** What a trigger does while one of its kind runs (default: PEAKA_SIM_MODEL, else queued-hidden). */
  model?: ConcurrencyModel;
  /** Peaka's time: the real clock, or the virtual one a test drives the action with. */
  clock?: Clock;
}

type Table = { catalogId: string; schemaName: string; tableName: string };
const tableKey = (t: Table) => `${t.catalogId}/${t.schemaName}/${t.tableName}`;

const DEFAULT_PLAN: RunPlan = { appearDelayMs: 300, durationMs: 1_500, records: 10_000, outcome: 'COMPLETED' };

export class PeakaSimulator {
  url = '';
  readonly requests: RequestRecord[] = [];
  readonly caches = new Map<string, SimCache>();
  /** schema.table names that isCached reports as not cacheable (and a create refuses). */
  readonly uncacheableTables = new Set<string>();
  /** schema.table -> the cache types isCached reports (default: both). */
  readonly tableCacheTypes = new Map<string, string[]>();
  /** Live-API deviations switched on (see Deviation). */
  readonly deviations = new Set<Deviation>();
  private readonly orphans = new Set<string>();
  /** Called with each cache created through the API (tests use it to aim faults at a new cache). */
  readonly createListeners: ((cache: SimCache) => void)[] = [];
  /** Called with each request once its answer is sent (a test can act at that moment, on any clock). */
  readonly requestListeners: ((record: RequestRecord) => void)[] = [];
  private readonly faults: Fault[] = [];
  private readonly plans = new Map<string, RunPlan[]>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly partnerKeys: string[];
  private readonly projectKeys: Record<string, string>;
  private readonly defaultPlan: RunPlan;
  private readonly cancelDelayMs: number;
  readonly model: ConcurrencyModel;
  /** Stops the scheduler loops when the simulator closes. */
  private readonly closing = new AbortController();
  readonly clock: Clock;

  constructor(options: SimulatorOptions = {}) {
    const fromEnv = process.env.PEAKA_SIM_MODEL as ConcurrencyModel | undefined;
    this.model = options.model ?? (fromEnv && CONCURRENCY_MODELS.includes(fromEnv) ? fromEnv : 'queued-hidden');
    this.partnerKeys = options.partnerKeys ?? ['partner-key-0123456789'];
    this.projectKeys = options.projectKeys ?? {};
    this.defaultPlan = { ...DEFAULT_PLAN, ...options.defaultPlan };
    this.cancelDelayMs = options.cancelDelayMs ?? 200;
    this.clock = options.clock ?? realClock;
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
    this.closing.abort();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a cache; `previous` gives it finished executions to start from. */
  addCache(
    init: Partial<Omit<SimCache, 'executions'>> & { previous?: Partial<Record<Kind, Partial<RunPlan> & { endedAgoMs?: number }>> } = {}
  ): SimCache {
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
      const startAt = this.clock.now() - (prev.endedAgoMs ?? 60_000) - plan.durationMs;
      cache.executions.push(this.execution(kind, plan, startAt, true));
    }
    this.caches.set(cache.id, cache);
    return cache;
  }

  /**
   * Adds a finished execution to a cache's past, in time order (the status shows the latest of each
   * kind; the history shows them all): e.g. a full refresh that completed 8 h ago, then one that failed.
   */
  addPast(cacheId: string, kind: Kind, past: Partial<RunPlan> & { endedAgoMs: number }): SimExecution {
    const cache = this.caches.get(cacheId)!;
    const plan = { ...this.defaultPlan, ...past };
    const execution = this.execution(kind, plan, this.clock.now() - past.endedAgoMs - plan.durationMs, true);
    cache.executions.push(execution);
    cache.executions.sort((a, b) => this.appearOf(a) - this.appearOf(b));
    return execution;
  }

  /** The plan for the next execution of `kind` on `cacheId` (queued: one per execution). */
  planNext(cacheId: string, kind: Kind, plan: Partial<RunPlan>): void {
    const key = `${cacheId}:${kind}`;
    this.plans.set(key, [...(this.plans.get(key) ?? []), { ...this.defaultPlan, ...plan }]);
  }

  fault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Switches on one of the live API's known deviations from its contract. */
  deviate(deviation: Deviation): void {
    this.deviations.add(deviation);
  }

  /** An orphaned cache on Peaka's side (switches on 'orphaned-cache'). */
  orphanTable(table: Table): void {
    this.deviate('orphaned-cache');
    this.orphans.add(tableKey(table));
  }

  /** Removes faults and deviations. */
  clearFaults(): void {
    this.faults.length = 0;
    this.deviations.clear();
    this.orphans.clear();
  }

  /** Executions created by triggers or creation (not the seeded previous ones). */
  startedExecutions(cacheId: string, kind?: Kind): SimExecution[] {
    const cache = this.caches.get(cacheId);
    return (cache?.executions ?? []).filter((e) => !e.scheduled && (!kind || e.kind === kind));
  }

  /**
   * Another actor triggers through the API beside the step (another workflow run, a user in Peaka's
   * UI): under the simulator's model, like any trigger. Not recorded among `requests`.
   */
  actorTrigger(cacheId: string, kind: Kind, plan: Partial<RunPlan> = {}, actor = 'another actor'): SimExecution {
    const cache = this.caches.get(cacheId)!;
    return this.enqueue(cache, kind, { ...this.defaultPlan, ...plan }, this.clock.now(), actor);
  }

  /** Another actor cancels through the API: stops what runs of `kind`, as the step's cancel would. Returns the HTTP status. */
  actorCancel(cacheId: string, kind: Kind): number {
    return this.cancel(this.caches.get(cacheId)!, kind, this.clock.now()).status;
  }

  /** Peaka's scheduler: starts `kind` on the cache every `everyMs` (under the model) until the simulator closes. */
  schedule(cacheId: string, kind: Kind, everyMs: number, plan: Partial<RunPlan> = {}): void {
    const tick = () => {
      const cache = this.caches.get(cacheId);
      if (cache && !cache.deleted) this.enqueue(cache, kind, { ...this.defaultPlan, ...plan }, this.clock.now(), 'scheduler');
      this.clock.sleep(everyMs, this.closing.signal).then(tick, () => undefined);
    };
    this.clock.sleep(everyMs, this.closing.signal).then(tick, () => undefined);
  }

  /** Starts an execution at once whatever runs (as Peaka's scheduler might under `parallel`; not through the API). */
  startScheduled(cacheId: string, kind: Kind, plan: Partial<RunPlan> = {}): SimExecution {
    const cache = this.caches.get(cacheId)!;
    const execution = this.execution(kind, { ...this.defaultPlan, ...plan, appearDelayMs: 0 }, this.clock.now(), true);
    cache.executions.push(execution);
    return execution;
  }

  // ---- request handling -------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      at: this.clock.now(),
      outcome: 0,
      auth: req.headers.authorization
    };
    this.requests.push(record);
    res.on('finish', () => {
      for (const listener of this.requestListeners) listener(record);
    });
    const body = await readBody(req);
    const fault = this.takeFault(record.method, record.path);

    if (fault?.type === 'drop' && !fault.afterEffect) return this.drop(req, record);
    if (fault?.type === 'hang') {
      record.outcome = 'hung';
      return;
    }
    if (fault?.type === 'slow') await this.clock.sleep(fault.delayMs ?? 1_000);
    // A 200 with a broken body comes from a server that did the work: those faults always follow the effect.
    const afterEffect = fault?.afterEffect || fault?.type === 'malformed' || fault?.type === 'empty';
    if (fault && fault.type !== 'slow' && fault.type !== 'reshape' && !afterEffect) return this.sendFault(res, record, fault);

    let answer = this.route(req.method ?? 'GET', url, req.headers.authorization, body);
    if (fault?.type === 'reshape') answer = { ...answer, json: fault.reshape?.(answer.json) ?? answer.json };
    else if (fault && afterEffect) {
      if (fault.type === 'drop') return this.drop(req, record);
      return this.sendFault(res, record, fault);
    }
    if (answer.status >= 400 && !answer.html && this.deviations.has('html-errors'))
      answer = { ...answer, html: errorPage(answer.status, 'org.springframework.web.server.ResponseStatusException'), offContract: true };
    record.outcome = answer.status;
    const text = answer.html ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
    const contentType = answer.html ? 'text/html' : text ? 'application/json' : undefined;
    res.writeHead(answer.status, contentType ? { 'Content-Type': contentType } : {}).end(text);
    if (!answer.offContract) this.checkContract(record, answer.status, contentType, text);
  }

  /** Counts the answer and keeps what the published contract says is wrong with it (the test fails). */
  private checkContract(record: RequestRecord, status: number, contentType: string | undefined, body: string): void {
    const ledger = contractLedger();
    if (!ledger) return;
    ledger.checked++;
    for (const problem of checkAnswer({ method: record.method, path: record.path, status, contentType, body }))
      ledger.violations.push(problem);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => (!f.method || f.method === method) && (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)))
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
      res.writeHead(status, { ...headers, 'Content-Type': 'text/html' }).end(errorPage(status, 'java.lang.NullPointerException'));
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
    const now = this.clock.now();
    const live = (c: SimCache) => c.projectId === projectId && !c.deleted;

    if (rest === 'cache' && method === 'POST') return this.create(projectId, parseJson(body), now);
    if (rest === 'cache/batch' && method === 'POST') return this.createBatch(projectId, parseJson(body), now);
    if (rest === 'cache/status' && method === 'GET') return this.list(live, now);
    // GET .../catalog/{catalogId}/cache/status and .../catalog/{catalogId}/schema/{schemaName}/cache/status
    if (parts[0] === 'catalog' && method === 'GET') {
      if (parts.length === 4 && parts[2] === 'cache' && parts[3] === 'status')
        return this.list((c) => live(c) && c.catalogId === parts[1], now);
      if (parts.length === 6 && parts[2] === 'schema' && parts[4] === 'cache' && parts[5] === 'status') {
        if (this.deviations.has('schema-list-500'))
          return { status: 500, html: errorPage(500, 'java.lang.IllegalStateException'), offContract: true };
        return this.list((c) => live(c) && c.catalogId === parts[1] && c.schemaName === parts[3], now);
      }
    }
    if (parts[0] === 'catalogs' && parts[2] === 'schemas' && parts[4] === 'tables' && parts[6] === 'isCached' && method === 'GET') {
      const table = { catalogId: parts[1], schemaName: parts[3], tableName: parts[5] };
      const cached = [...this.caches.values()].some((c) => live(c) && tableKey(c) === tableKey(table)) || this.orphans.has(tableKey(table));
      const types = this.cacheTypesOf(table);
      return ok({ supportedCacheTypes: types, isCached: cached, isCacheable: types.length > 0 });
    }
    if (parts[0] !== 'cache' || parts.length < 2) return notFound('No such endpoint');
    const action = parts[2];
    const cache = this.caches.get(parts[1]);
    if (!cache || !live(cache)) return this.cacheNotFound(method, action, parts[1]);

    if (action === 'status' && method === 'GET')
      return this.observed(this.statusOf(cache, now, url.searchParams.get('excludeLogs') === 'true'), this.showsStalled([cache], now));
    if (action === 'fullRefreshUpdate' && method === 'POST') return this.trigger(cache, 'full-refresh', now);
    if (action === 'incrementalUpdate' && method === 'POST') return this.trigger(cache, 'incremental', now);
    if (action === 'cancelFullRefreshUpdate' && method === 'POST') return this.cancel(cache, 'full-refresh', now);
    if (action === 'cancelIncrementalUpdate' && method === 'POST') return this.cancel(cache, 'incremental', now);
    if (action === 'executionHistory' && method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 10);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      // Newest first; of two that appeared in the same millisecond (a virtual clock), the one made later.
      const visible = cache.executions
        .filter((e) => this.appearOf(e) <= now)
        .reverse()
        .sort((a, b) => this.appearOf(b) - this.appearOf(a));
      const page = visible.slice(offset, offset + limit);
      return this.observed(
        page.map((e) => ({ ...this.executionInfo(e, now), executionMode: e.kind === 'full-refresh' ? 'FULL_REFRESH' : 'INCREMENTAL' })),
        page.some((e) => e.stalled && !this.ended(e, now))
      );
    }
    if (action === undefined && method === 'GET') return ok(this.settingsOf(cache));
    if (action === undefined && method === 'DELETE') {
      cache.deleted = true;
      return { status: 200 };
    }
    if (action === undefined && method === 'PUT') return this.updateSettings(cache, parseJson(body));
    return notFound('No such endpoint');
  }

  /**
   * A 404 for a cache that does not exist, in the shape the contract gives that endpoint: the
   * status and settings pages use the usual error object, the history an empty list, the triggers
   * an object of objects, the cancels and the delete no body.
   */
  private cacheNotFound(method: string, action: string | undefined, cacheId: string): Answer {
    const message = `Cache not found: ${cacheId}`;
    if (action === 'executionHistory') return { status: 404, json: [] };
    if (action === 'fullRefreshUpdate' || action === 'incrementalUpdate')
      return { status: 404, json: { error: { message, code: 'CACHE_NOT_FOUND' } } };
    if (action?.startsWith('cancel') || (action === undefined && method === 'DELETE')) return { status: 404 };
    return { status: 404, json: { error: 'Not Found', message, errorCode: null } };
  }

  private list(filter: (c: SimCache) => boolean, now: number): Answer {
    const listed = [...this.caches.values()].filter(filter);
    return this.observed(
      listed.map((c) => this.statusOf(c, now, true)),
      this.showsStalled(listed, now)
    );
  }

  /**
   * An answer that shows executions: with a deviation that nulls their progress, or showing a
   * stalled execution (made by that deviation, stalled for good), it is off the contract.
   */
  private observed(json: unknown, stalledShown = false): Answer {
    return {
      status: 200,
      json,
      offContract: stalledShown || this.deviations.has('null-progress') || this.deviations.has('stalled-execution')
    };
  }

  /** Whether a status of these caches shows a stalled execution still running. */
  private showsStalled(caches: SimCache[], now: number): boolean {
    return caches.some((c) =>
      (['full-refresh', 'incremental'] as const).some((kind) => {
        const slot = this.slot(c, kind, now);
        return slot !== undefined && slot.stalled && !this.ended(slot, now);
      })
    );
  }

  private cacheTypesOf(table: Table): string[] {
    const name = `${table.schemaName}.${table.tableName}`;
    if (this.uncacheableTables.has(name)) return [];
    return this.tableCacheTypes.get(name) ?? ['FULL_REFRESH', 'INCREMENTAL'];
  }

  private authorize(authorization: string | undefined, projectId: string): Answer | undefined {
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!key || (!this.partnerKeys.includes(key) && !(key in this.projectKeys)))
      return { status: 401, json: { errorCode: 100, message: 'Invalid API key' } };
    if (key in this.projectKeys && this.projectKeys[key] !== projectId)
      return { status: 403, json: { error: 'Forbidden', message: `API key is not authorized for project ${projectId}`, errorCode: null } };
    return undefined;
  }

  private create(projectId: string, request: unknown, now: number): Answer {
    const r = (request && typeof request === 'object' ? request : {}) as Partial<SimCache>;
    if (!r.catalogId || !r.schemaName || !r.tableName) return badRequest('catalogId, schemaName and tableName are required');
    const table = { catalogId: r.catalogId, schemaName: r.schemaName, tableName: r.tableName };
    const types = this.cacheTypesOf(table);
    if (!types.length)
      return {
        status: 400,
        json: { errorCode: 'TABLE_NOT_CACHEABLE', message: `Table ${table.schemaName}.${table.tableName} is not cacheable` }
      };
    for (const [key, type] of [
      ['fullRefreshCacheSchedule', 'FULL_REFRESH'],
      ['incrementalCacheSchedule', 'INCREMENTAL']
    ] as const) {
      const schedule = r[key];
      if (schedule && (schedule.type !== 'BASIC' || javaDuration(schedule.expression) === undefined))
        return badRequest(`Invalid schedule expression: ${schedule.expression}`);
      if (schedule && !types.includes(type))
        return badRequest(`Table ${table.schemaName}.${table.tableName} does not support ${type} caching`);
    }
    if (this.orphans.has(tableKey(table))) return badRequest('Cannot create a table on a non-empty location');
    const duplicate = [...this.caches.values()].find((c) => c.projectId === projectId && !c.deleted && tableKey(c) === tableKey(table));
    if (duplicate) {
      const firstSync = duplicate.executions.length === 1 && this.statusAt(duplicate.executions[0], now) === 'RUNNING';
      if (firstSync && this.deviations.has('duplicate-create-500'))
        return { status: 500, html: errorPage(500, 'org.hibernate.exception.ConstraintViolationException'), offContract: true };
      // The contract's 409 carries the existing cache.
      return { status: 409, json: this.settingsOf(duplicate) };
    }
    const cache = this.addCache({
      projectId,
      ...table,
      fullRefreshCacheSchedule: normalised(r.fullRefreshCacheSchedule),
      incrementalCacheSchedule: normalised(r.incrementalCacheSchedule)
    });
    const firstKind: Kind = r.incrementalCacheSchedule && !r.fullRefreshCacheSchedule ? 'incremental' : 'full-refresh';
    const plan = this.nextPlan(cache.id, firstKind);
    cache.executions.push(this.execution(firstKind, plan, now + plan.appearDelayMs, false));
    for (const listener of this.createListeners) listener(cache);
    return ok(this.settingsOf(cache));
  }

  /** POST .../cache/batch: each item created on its own; one result per item. */
  private createBatch(projectId: string, request: unknown, now: number): Answer {
    if (!Array.isArray(request)) return badRequest('The body must be a list of cache requests');
    return ok(
      request.map((item) => {
        const answer = this.create(projectId, item, now);
        if (answer.status === 200) return { success: true, cache: answer.json };
        const body = (answer.json ?? {}) as Record<string, unknown>;
        return { success: false, error: typeof body.message === 'string' ? body.message : `HTTP ${answer.status}` };
      })
    );
  }

  private updateSettings(cache: SimCache, update: unknown): Answer {
    if (!update || typeof update !== 'object') return badRequest('Body is not JSON');
    const u = update as Partial<SimCache>;
    const keys = ['fullRefreshCacheSchedule', 'incrementalCacheSchedule'] as const;
    const valid = (schedule: SimCache['fullRefreshCacheSchedule']) =>
      !schedule || schedule.type === 'NONE' || (schedule.type === 'BASIC' && javaDuration(schedule.expression) !== undefined);
    const bad = keys.map((k) => u[k]).find((schedule) => !valid(schedule));
    if (bad && !this.deviations.has('schedule-dropped')) return badRequest(`Invalid schedule expression: ${bad.expression}`);
    // With 'schedule-dropped', as the live API did: what it cannot parse is dropped, and it answers 200.
    for (const key of keys) if (u[key] && valid(u[key])) cache[key] = normalised(u[key]);
    return { ...ok(this.settingsOf(cache)), offContract: !!bad };
  }

  private trigger(cache: SimCache, kind: Kind, now: number): Answer {
    this.enqueue(cache, kind, this.nextPlan(cache.id, kind), now);
    return ok({});
  }

  /** A new execution of `kind`: under the queued models, behind the last one of its kind that has not ended. */
  private enqueue(cache: SimCache, kind: Kind, plan: RunPlan, now: number, actor?: string): SimExecution {
    const last = cache.executions.filter((e) => e.kind === kind).at(-1);
    const execution = this.execution(kind, plan, now + plan.appearDelayMs, actor !== undefined);
    if (actor) execution.actor = actor;
    if (this.model !== 'parallel' && last && !this.ended(last, now)) execution.after = last;
    cache.executions.push(execution);
    return execution;
  }

  /**
   * Stops what runs of `kind`. Under `parallel`, every execution of the kind that runs; otherwise
   * the one in the slot (queued-hidden) or the one running (queued-visible), else one queued.
   */
  private cancel(cache: SimCache, kind: Kind, now: number): Answer {
    const ofKind = cache.executions.filter((e) => e.kind === kind);
    const live = ofKind.filter((e) => this.appearOf(e) <= now && !this.ended(e, now));
    const running = live.filter((e) => now >= this.startOf(e));
    const targets =
      this.model === 'parallel'
        ? live
        : this.model === 'queued-visible'
          ? running.length
            ? running.slice(-1)
            : live.slice(0, 1)
          : live.filter((e) => e === this.slot(cache, kind, now));
    if (targets.length) {
      for (const target of targets) target.cancelledAt = now + this.cancelDelayMs;
      return { status: 200 };
    }
    const pending = ofKind.find((e) => this.appearOf(e) > now && e.cancelledAt === undefined);
    if (pending) {
      // What the live API did: the workflow's record does not exist yet.
      if (this.deviations.has('cancel-before-record-500'))
        return { status: 500, html: errorPage(500, 'java.lang.NullPointerException'), offContract: true };
      // The contract: the workflow exists and is cancelled; its record appears CANCELLED.
      pending.cancelledAt = this.startOf(pending);
      return { status: 200 };
    }
    return { status: 404 };
  }

  // ---- state ------------------------------------------------------------------------------

  private nextPlan(cacheId: string, kind: Kind): RunPlan {
    const queue = this.plans.get(`${cacheId}:${kind}`);
    return queue?.shift() ?? this.defaultPlan;
  }

  private execution(kind: Kind, plan: RunPlan, appearAt: number, scheduled: boolean): SimExecution {
    const queuedMs = plan.queuedMs ?? 0;
    return {
      id: randomUUID(),
      kind,
      appearAt,
      startAt: appearAt + queuedMs,
      durationMs: plan.durationMs,
      records: plan.records,
      outcome: plan.outcome,
      error: plan.error,
      scheduled,
      queuedMs,
      stalled: !scheduled && this.deviations.has('stalled-execution'),
      appearDelayMs: plan.appearDelayMs
    };
  }

  /** The newest execution of `kind` whose record exists: what the status shows in that slot. */
  private slot(cache: SimCache, kind: Kind, now: number): SimExecution | undefined {
    // The newest record: by when it appeared (a later trigger's may appear before an earlier one's), ties to the later trigger.
    return cache.executions
      .filter((e) => e.kind === kind && this.appearOf(e) <= now)
      .reduce<SimExecution | undefined>((newest, e) => (!newest || this.appearOf(e) >= this.appearOf(newest) ? e : newest), undefined);
  }

  /** When its record appears: queued-hidden, once the one ahead of it has ended. */
  appearOf(e: SimExecution): number {
    if (this.model === 'queued-hidden' && e.after) return Math.max(e.appearAt, this.endOf(e.after) + e.appearDelayMs);
    return e.appearAt;
  }

  /** When it starts running: queued-visible, once the one ahead of it has ended. */
  startOf(e: SimExecution): number {
    const appear = this.appearOf(e);
    const start = e.after && this.model === 'queued-hidden' ? appear + e.queuedMs : e.startAt;
    return this.model === 'queued-visible' && e.after ? Math.max(start, this.endOf(e.after)) : start;
  }

  /** When it would end by itself: never, for a stalled one. */
  private naturalEndOf(e: SimExecution): number {
    return e.stalled ? Infinity : this.startOf(e) + e.durationMs;
  }

  private endOf(e: SimExecution): number {
    const natural = this.naturalEndOf(e);
    return e.cancelledAt !== undefined ? Math.min(e.cancelledAt, natural) : natural;
  }

  /** QUEUED (before it starts), RUNNING, then COMPLETED, FAILED or CANCELLED. */
  statusAt(e: SimExecution, now: number): string {
    if (now < this.endOf(e)) return now < this.startOf(e) ? 'QUEUED' : 'RUNNING';
    return e.cancelledAt !== undefined && e.cancelledAt < this.naturalEndOf(e) ? 'CANCELLED' : e.outcome;
  }

  private ended(e: SimExecution, now: number): boolean {
    return now >= this.endOf(e);
  }

  private executionInfo(e: SimExecution, now: number): Record<string, unknown> {
    const status = this.statusAt(e, now);
    const end = this.endOf(e);
    const until = Math.min(now, end);
    const base = {
      id: e.id,
      status,
      error: status === 'FAILED' ? { message: e.error ?? 'Source query failed' } : {},
      createdAt: new Date(this.appearOf(e)).toISOString()
    };
    if (e.stalled && !this.ended(e, now)) return { ...base, progress: null, updatedAt: base.createdAt };
    const share = e.stalled ? 0 : Math.min(1, Math.max(0, (until - this.startOf(e)) / e.durationMs));
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
    const running = !this.ended(e, now);
    return {
      ...base,
      // The contract has no nullable field: what is not known yet is left out.
      progress: running && this.deviations.has('null-progress') ? null : { ...progress, lastOffset: String(done) },
      updatedAt: new Date(until).toISOString(),
      ...(running ? {} : { finishedAt: new Date(end).toISOString() })
    };
  }

  private statusOf(cache: SimCache, now: number, excludeLogs: boolean): Record<string, unknown> {
    const full = this.slot(cache, 'full-refresh', now);
    const incremental = this.slot(cache, 'incremental', now);
    const visible = [full, incremental].filter((e): e is SimExecution => e !== undefined);
    const latest = visible.sort((a, b) => this.appearOf(b) - this.appearOf(a))[0];
    const top = visible.some((e) => !this.ended(e, now)) ? 'RUNNING' : latest ? this.statusAt(latest, now) : 'NOT_INITIALIZED';
    return {
      id: cache.id,
      status: top,
      catalogId: cache.catalogId,
      schemaName: cache.schemaName,
      tableName: cache.tableName,
      ...(incremental ? { lastIncrementalCacheExecution: this.executionInfo(incremental, now) } : {}),
      ...(full ? { lastFullRefreshCacheExecution: this.executionInfo(full, now) } : {}),
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
  /** A live-API deviation switched on by the test: not checked against the contract. */
  offContract?: boolean;
}

const ok = (json: unknown): Answer => ({ status: 200, json });
const notFound = (message: string): Answer => ({ status: 404, json: { error: 'Not Found', message, errorCode: null } });
const badRequest = (message: string): Answer => ({ status: 400, json: { error: 'Bad Request', message, errorCode: null } });

function errorPage(status: number, exception: string): string {
  return `<!doctype html><html><head><title>HTTP Status ${status} – Internal Server Error</title></head><body><h1>HTTP Status ${status}</h1><p>${exception}</p></body></html>`;
}

/**
 * An ISO-8601 duration in whole days, hours, minutes and seconds (P1D, PT6H, P1DT12H), in seconds;
 * undefined if it cannot be read. Stricter than Java's Duration (no fractions), as a server may be.
 */
function javaDuration(expression: string | undefined): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(expression ?? '');
  if (!m || !(m[1] || m[2] || m[3] || m[4]) || /T$/i.test(expression ?? '')) return undefined;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2] ?? 0) * 3_600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

/** What Peaka keeps of a schedule: Java's Duration.toString(), so P1D reads back as PT24H. */
function normalised(schedule: SimCache['fullRefreshCacheSchedule']): SimCache['fullRefreshCacheSchedule'] {
  if (!schedule || schedule.type !== 'BASIC') return schedule ? { type: schedule.type } : undefined;
  const seconds = javaDuration(schedule.expression)!;
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const sec = seconds % 60;
  return { type: 'BASIC', expression: `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${sec || (!h && !m) ? `${sec}S` : ''}` };
}

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
