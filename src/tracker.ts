/**
 * Finding the execution a step started and following it until it ends.
 *
 * A trigger answers without an execution id, and for a moment the status still shows the
 * previous execution. So the tracker is told which ids are old and accepts only a new one.
 *
 * Each phase (stopping a running execution, a trigger, a wait) starts its own schedule, and the
 * next read is planned from the time the previous one was sent, so no gap between two reads of
 * one execution exceeds poll-interval (poll-schedule.ts).
 */
import type { Clock } from './clock.js';
import {
  isActive,
  isTerminal,
  type CacheStatus,
  type Execution,
  type ExecutionKind,
  type HistoryExecution,
  type PeakaClient
} from './peaka/client.js';
import { PeakaApiError } from './peaka/errors.js';
import { KIND_LABEL, describeExecution } from './format.js';
import { PollPlanner, type History } from './poll-schedule.js';
import { StallWatch, type Stall } from './stall-watch.js';
import { DirectStatusSource, type StatusClient, type StatusSource } from './status-source.js';

export interface TrackerOptions {
  /** executionHistory: a followed execution that another has replaced in its slot is followed there. */
  client: StatusClient & Partial<Pick<PeakaClient, 'executionHistory'>>;
  /** Where reads come from (default: the cache's own status endpoint, through `client`). */
  source?: StatusSource;
  cacheId: string;
  /** Epoch ms: no wait extends past it. */
  deadline: number;
  /** Epoch ms by which the one last read at the deadline must be over (default: 10 s after it starts). */
  finalReadBy?: number;
  pollIntervalMs: number;
  /** How long an execution may show no change before it is called stalled; 0 or undefined: never. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** The debug log: when each read is planned, and why. */
  debug?: (line: string) => void;
  random?: () => number;
}

export interface TrackResult {
  status: CacheStatus;
  /** The execution followed, as last seen; undefined if none appeared. */
  execution?: Execution;
  /** The deadline passed before the execution ended (or appeared). */
  timedOut: boolean;
  /** The execution stopped changing for stall-timeout: the wait ended without its end. */
  stalled?: Stall;
  /**
   * Other new executions of the kind that appeared in the same window as the one taken for the
   * step's: a trigger carries no id, so which of them the step started cannot be told.
   */
  rivals?: Execution[];
}

/** What the step knows of the trigger whose execution it looks for: when it was sent, and what was there before. */
export interface Claim {
  /** Clock ms at which the trigger was first sent: an execution that had run longer than the time since is another actor's. */
  sentAt: number;
  /** Clock ms at which its answer came (or its effect was found): its execution is created soon after. */
  answeredAt?: number;
}

/** How long a new execution may take to show up once nothing is queued ahead of it. */
export const APPEARANCE_GRACE_MS = 60_000;
/** How many past executions one history read asks for (a followed execution is looked for among them). */
export const HISTORY_PAGE = 50;
/** The read at the deadline may still retry for this long. */
const FINAL_READ_MS = 10_000;
/** Peaka's clock counts in milliseconds but its records trail the work: an execution is taken for older than a trigger only beyond this. */
const ORDER_SLACK_MS = 1_000;
/**
 * How long after a trigger's answer its execution's record may still be created (the live API took
 * about 300 ms). Another new execution created by then may be the step's as well as the one it took:
 * a rival. One created later came from a trigger that cannot be the step's.
 */
export const APPEARANCE_SLACK_MS = 2_000;

export class ExecutionTracker {
  private lastLogged?: { key: string; at: number; records?: number };
  /** The last status read, for a timeout whose final read got no answer. */
  private lastStatus?: CacheStatus;
  /** Reads are failing (an outage): its log line is written once. */
  private readFailing = false;
  private readonly source: StatusSource;
  private readonly clock: Clock;
  private readonly planner: PollPlanner;
  private phaseStart = 0;
  /** When the last read of this phase was sent (the phase's start before the first). */
  private lastReadAt = 0;

  constructor(private readonly options: TrackerOptions) {
    this.source = options.source ?? new DirectStatusSource(options.client);
    this.clock = this.source.clock;
    // One tracker per phase (stopping a run, finding the new one, following it): its first read within a second.
    this.planner = new PollPlanner(this.options.pollIntervalMs, this.options.random ?? Math.random, this.source.shared);
    this.phaseStart = this.lastReadAt = this.clock.now();
  }

  /** Reads, at most, until the deadline: at the shortest gap, with room for the last read. */
  private get readLimit(): number {
    return Math.ceil(Math.max(0, this.options.deadline - this.clock.now()) / MIN_READ_GAP_MS) + 10;
  }

  /**
   * Reads the status `delayMs` after the previous read was sent, or at `notAfter` if sooner, and at
   * the deadline at the latest. `final`: the deadline has passed, so this was the last read.
   */
  private async readAfter(delayMs: number, notAfter = Infinity): Promise<{ status: CacheStatus; final: boolean }> {
    const { cacheId, deadline, signal } = this.options;
    const at = this.plan(delayMs, notAfter, 'status');
    if (at < deadline) {
      try {
        const read = await this.source.read(cacheId, at, deadline, signal);
        this.lastReadAt = read.readAt;
        this.lastStatus = read.status;
        this.readFailing = false;
        return { status: read.status, final: this.clock.now() >= deadline };
      } catch (err) {
        if (!this.cutAtDeadline(err)) {
          if (!this.lastStatus) throw err;
          this.failedRead(err);
          return { status: this.lastStatus, final: false };
        }
      }
    }
    return { status: await this.finalRead(), final: true };
  }

  /**
   * When the next read is sent: `delayMs` after the previous one (never closer than the shortest
   * gap), or at `notAfter` if sooner. The debug log says when, and why.
   */
  private plan(delayMs: number, notAfter: number, what: 'status' | 'history'): number {
    const { cacheId, deadline } = this.options;
    const at = Math.min(this.lastReadAt + Math.max(delayMs, MIN_READ_GAP_MS), notAfter);
    const why =
      at >= deadline
        ? 'the last read, at the deadline'
        : at === notAfter
          ? 'when a stall would be due'
          : `plain schedule, a prediction from the previous run: ${this.planner.trust}`;
    this.options.debug?.(
      `Next ${what} read of cache ${cacheId} in ${Math.max(0, Math.round(Math.min(at, deadline) - this.clock.now()))} ms (${why}).`
    );
    return at;
  }

  /** The request was cut at the deadline (timers may fire a few ms early): that is the deadline, not a failure. */
  private cutAtDeadline(err: unknown): boolean {
    return err instanceof PeakaApiError && err.kind === 'timeout' && this.clock.now() >= this.options.deadline - 50;
  }

  /**
   * A read that failed after its retries (an outage of Peaka or a gateway, an unreadable or oversized
   * answer) does not end the wait: the execution runs on, so the wait goes on until the deadline with
   * the last status seen. Anything else (a 404, the run's cancel) ends it.
   */
  private failedRead(err: unknown): void {
    if (!(err instanceof PeakaApiError && err.mayPassLater && !this.options.signal?.aborted)) throw err;
    // One line per outage, not one per failed read.
    if (!this.readFailing) this.options.log(`Could not read the status (${err.short}); still waiting, until the timeout at the latest.`);
    this.readFailing = true;
    this.lastReadAt = this.clock.now();
  }

  /**
   * One last read at the deadline, so that a run that ended in time is not called a timeout. It
   * has until `finalReadBy`; without an answer by then, the last status read stands.
   */
  private async finalRead(): Promise<CacheStatus> {
    const { cacheId, deadline, signal } = this.options;
    try {
      const read = await this.source.read(cacheId, deadline, this.finalReadBy(), signal);
      this.lastReadAt = read.readAt;
      return (this.lastStatus = read.status);
    } catch (err) {
      if (this.lastStatus && !signal?.aborted) return this.lastStatus;
      throw err;
    }
  }

  private finalReadBy(): number {
    return this.options.finalReadBy ?? Math.max(this.options.deadline, this.clock.now()) + FINAL_READ_MS;
  }

  /**
   * The history, `delayMs` after the previous read (or at `notAfter`, or at the deadline for the last
   * read). Undefined when the read failed in a way a later one may not (kept on the schedule).
   */
  private async historyAfter(delayMs: number, notAfter = Infinity): Promise<{ history?: HistoryExecution[]; final: boolean }> {
    const { cacheId, deadline, signal, client } = this.options;
    if (!client.executionHistory) return { final: true };
    const planned = this.plan(delayMs, notAfter, 'history');
    const final = planned >= deadline;
    const at = final ? deadline : planned;
    for (let i = 0; i < 10 && this.clock.now() < at; i++) await this.clock.sleep(at - this.clock.now(), signal);
    signal?.throwIfAborted();
    const readAt = this.clock.now();
    try {
      const history = await client.executionHistory(cacheId, HISTORY_PAGE, final ? this.finalReadBy() : deadline);
      this.lastReadAt = readAt;
      this.readFailing = false;
      return { history, final: final || this.clock.now() >= deadline };
    } catch (err) {
      if (final || this.cutAtDeadline(err)) {
        if (signal?.aborted) throw err;
        return { final: true };
      }
      this.failedRead(err);
      return { final: false };
    }
  }

  private sinceStart(): number {
    return this.lastReadAt - this.phaseStart;
  }

  /**
   * Waits until one of `kinds` shows an execution whose id is not in `previous`.
   * A previous execution still RUNNING means the new one may be queued behind it: by default that
   * wait is bounded by the deadline only; otherwise the new one must appear within `graceMs`.
   * `queuedExtendsGrace: false` (looking for the effect of an ambiguous trigger): a running one
   * ahead does not extend the look, which ends `graceMs` after it began, with `queuedBehind` set.
   * `wanted`: wait for that execution id instead of any new one (awaitExecution).
   * `claim`: the trigger whose execution this is: one that had run longer than the time since the
   * trigger was sent is another actor's, and is waited behind; the one taken is checked for rivals.
   */
  async awaitNew(
    kinds: readonly ExecutionKind[],
    previous: Partial<Record<ExecutionKind, string>>,
    graceMs = APPEARANCE_GRACE_MS,
    { queuedExtendsGrace = true, wanted, claim }: { queuedExtendsGrace?: boolean; wanted?: string; claim?: Claim } = {}
  ): Promise<TrackResult & { queuedBehind?: Execution }> {
    // The grace runs from the first read that shows nothing running ahead of the new execution.
    let graceStart: number | undefined = this.clock.now();
    let queuedLogged = false;
    const others = new Set<string>();
    for (let round = 0, limit = this.readLimit; round < limit; round++) {
      const { status, final } = await this.readAfter(this.planner.next({ sinceStartMs: this.sinceStart() }));
      const slots = kinds.map((k) => status.executions[k]);
      const isNew = (e: Execution | undefined): e is Execution =>
        e !== undefined && (wanted === undefined ? e.id !== previous[e.kind] && !others.has(e.id) : e.id === wanted);
      let fresh = slots.find(isNew);
      if (fresh && claim && startedBefore(fresh, claim, this.clock.now())) {
        this.options.log(
          `The ${KIND_LABEL[fresh.kind]} ${fresh.id} had started before this step's trigger was sent: it is another actor's (Peaka's schedule, a user or another run). Waiting for this step's own.`
        );
        others.add(fresh.id);
        fresh = undefined;
      }
      if (fresh) {
        this.logChange(fresh);
        const rivals = claim ? await this.rivalsOf(fresh, previous[fresh.kind], claim, others) : [];
        return { status, execution: fresh, timedOut: false, ...(rivals.length ? { rivals } : {}) };
      }
      if (final) return { status, execution: undefined, timedOut: true };
      const queuedBehind = slots.find((e) => e && isActive(e));
      if (queuedBehind && !queuedLogged) {
        const label = `${KIND_LABEL[queuedBehind.kind]} ${queuedBehind.id}`;
        this.options.log(
          queuedExtendsGrace
            ? `Waiting for the running ${label} to end; the new one may be queued behind it.`
            : `The ${label} is running: an execution queued behind it cannot be seen until it ends.`
        );
        queuedLogged = true;
      }
      if (queuedBehind && queuedExtendsGrace) {
        graceStart = undefined;
        continue;
      }
      graceStart ??= this.clock.now();
      if (this.clock.now() - graceStart > graceMs) return { status, execution: undefined, timedOut: false, queuedBehind };
    }
    throw new Error('awaitNew: read limit reached');
  }

  /**
   * The other new executions of `taken`'s kind in the history (newer than `previousId`) that may be
   * the trigger's: those that did not start before it was sent. One history read; none if it fails.
   */
  private async rivalsOf(taken: Execution, previousId: string | undefined, claim: Claim, others: Set<string>): Promise<Execution[]> {
    const { client, cacheId, deadline } = this.options;
    if (!client.executionHistory) return [];
    const history = await client.executionHistory(cacheId, HISTORY_PAGE, deadline).catch((err: unknown) => {
      if (err instanceof PeakaApiError && err.kind !== 'aborted') return [];
      throw err;
    });
    const now = this.clock.now();
    const at = previousId === undefined ? -1 : history.findIndex((e) => e.id === previousId);
    const newer = at >= 0 ? history.slice(0, at) : history;
    return newer
      .filter((e) => e.kind === taken.kind && e.id !== taken.id && !others.has(e.id))
      .map((e) => ({ ...e, kind: taken.kind }))
      .filter((e) => !startedBefore(e, claim, now));
  }

  /**
   * Waits until one of `kinds` shows the execution `id`: one queued behind a running execution
   * appears only when that ends. With nothing running ahead, it must appear within `graceMs`.
   */
  awaitExecution(
    kinds: readonly ExecutionKind[],
    id: string,
    graceMs = APPEARANCE_GRACE_MS
  ): Promise<TrackResult & { queuedBehind?: Execution }> {
    return this.awaitNew(kinds, {}, graceMs, { wanted: id });
  }

  /**
   * Follows `execution` until it ends, stalls, or the deadline passes. Its slot shows the newest
   * execution of its kind: once another has taken it (another actor's, queued or running beside it),
   * the followed one is read from the execution history instead, one read per tick.
   * `claim`: the trigger the followed execution was taken for; a newer one that may have been created
   * within APPEARANCE_SLACK_MS of its answer is a rival (TrackResult.rivals).
   */
  async follow(
    execution: Execution,
    history?: History,
    { claim, onRival }: { claim?: Claim; onRival?: (rival: Execution) => void } = {}
  ): Promise<TrackResult> {
    const startedAt = this.clock.now() - (runningForMs(execution) ?? 0);
    const stall = new StallWatch(this.options.stallTimeoutMs ?? 0, this.clock.now());
    let current = execution;
    let status: CacheStatus | undefined = this.lastStatus;
    let dropLogged = false;
    /** Out of its slot: read from the history from now on. */
    let replaced = false;
    const rivals: Execution[] = [];
    // A first read that fails as an outage keeps what the caller saw, as a later one does.
    this.lastStatus ??= { id: this.options.cacheId, executions: { [execution.kind]: execution } };
    const result = (timedOut: boolean, stalled?: Stall): TrackResult => ({
      status: status ?? emptyStatus(this.options.cacheId),
      execution: current,
      timedOut,
      ...(stalled ? { stalled } : {}),
      ...(rivals.length ? { rivals } : {})
    });
    stall.see(current, this.clock.now());
    this.logChange(current);
    for (let round = 0, limit = this.readLimit; round < limit && !isTerminal(current.status); round++) {
      const delay = this.planner.next({
        sinceStartMs: this.sinceStart(),
        history,
        observed: { elapsedMs: this.lastReadAt - startedAt, records: recordsOf(current) }
      });
      if (this.planner.trust === 'rejected' && !dropLogged) {
        this.options.log(`Not predicting the end from the previous run: ${this.planner.rejectedBecause}.`);
        dropLogged = true;
      }
      let final: boolean;
      if (!replaced) {
        const read = await this.readAfter(delay, stall.dueAt());
        status = read.status;
        final = read.final;
        const inSlot = status.executions[current.kind];
        if (inSlot?.id === current.id) current = inSlot;
        else {
          replaced = true;
          if (inSlot && claim && mayBeFrom(inSlot, claim, this.lastReadAt)) {
            rivals.push(inSlot);
            onRival?.(inSlot);
          }
          this.options.log(`${this.replacedLine(current, inSlot)} Following it through the execution history.`);
          if (!this.options.client.executionHistory)
            return {
              ...result(false),
              execution: { ...current, status: 'UNKNOWN', error: `${this.replacedLine(current, inSlot)} Its end is not known.` }
            };
          // Read at once, not a tick later: an execution that ended as it was replaced is reported without delay.
          const seen = await this.fromHistory(current, 0, stall.dueAt());
          if (seen === 'gone') return { ...result(false), execution: { ...current, status: 'UNKNOWN', error: this.goneLine(current) } };
          current = seen.execution;
          final = final || seen.final;
        }
      } else {
        const seen = await this.fromHistory(current, delay, stall.dueAt());
        if (seen === 'gone') return { ...result(false), execution: { ...current, status: 'UNKNOWN', error: this.goneLine(current) } };
        current = seen.execution;
        final = seen.final;
      }
      if (final) return result(!isTerminal(current.status));
      this.logChange(current);
      const stalled = isTerminal(current.status) ? undefined : stall.see(current, this.clock.now());
      if (stalled) return result(false, stalled);
    }
    if (!isTerminal(current.status)) throw new Error('follow: read limit reached');
    return result(false);
  }

  /** The followed execution as the history shows it; 'gone' when the page no longer lists it. */
  private async fromHistory(
    current: Execution,
    delayMs: number,
    notAfter: number
  ): Promise<{ execution: Execution; final: boolean } | 'gone'> {
    const { history, final } = await this.historyAfter(delayMs, notAfter);
    if (!history) return { execution: current, final };
    const listed = history.find((e) => e.id === current.id);
    if (!listed) return 'gone';
    return { execution: { ...listed, kind: listed.kind ?? current.kind }, final };
  }

  private replacedLine(current: Execution, newer: Execution | undefined): string {
    const label = `${KIND_LABEL[current.kind]} ${current.id}`;
    return newer
      ? `The cache's status now shows the ${KIND_LABEL[newer.kind]} ${newer.id} (${newer.status}) in place of the ${label}: another execution of the kind started (another actor's, or queued behind it).`
      : `The cache's status no longer shows the ${label}.`;
  }

  private goneLine(current: Execution): string {
    return `The ${KIND_LABEL[current.kind]} ${current.id} left the cache's status (another execution took its place) and is not among the ${HISTORY_PAGE} most recent executions of its history, so its end is not known. Check the cache's executions in Peaka.`;
  }

  /** One log line per change of state, and progress lines at most every 10 seconds. */
  private logChange(execution: Execution): void {
    const key = `${execution.id}:${execution.status}`;
    const records = recordsOf(execution);
    const now = this.clock.now();
    const last = this.lastLogged;
    const progressed = last?.key === key && records !== last.records && now - last.at >= 10_000;
    if (last?.key === key && !progressed) return;
    this.lastLogged = { key, at: now, records };
    this.options.log(describeExecution(execution));
  }
}

/** The shortest gap between two reads of one phase. */
const MIN_READ_GAP_MS = 50;

const emptyStatus = (id: string): CacheStatus => ({ id, executions: {} });

/**
 * Whether `e` had been running, by Peaka's own clock, for longer than the time since the trigger was
 * sent (by ours): then it started before the trigger could start anything, and is another actor's.
 * Durations only, so no clock skew between Peaka and the runner.
 */
function startedBefore(e: Execution | HistoryExecution, claim: Claim, nowMs: number): boolean {
  const ran = runningForMs(e);
  return ran !== undefined && ran > nowMs - claim.sentAt + ORDER_SLACK_MS;
}

/**
 * Whether `e`, read at `readAt`, may have been created by the trigger of `claim`: no later than
 * APPEARANCE_SLACK_MS after its answer. Created at the latest `readAt` minus how long it had run
 * (Peaka's clock measures the duration, the step's the instants: no skew).
 */
function mayBeFrom(e: Execution, claim: Claim, readAt: number): boolean {
  const createdBy = readAt - (runningForMs(e) ?? 0);
  return createdBy <= (claim.answeredAt ?? readAt) + APPEARANCE_SLACK_MS;
}

/** How long an execution had been running when it was read, by Peaka's own clock (no skew). */
function runningForMs(e: Pick<Execution, 'createdAt' | 'updatedAt'>): number | undefined {
  const ms = Date.parse(e.updatedAt ?? '') - Date.parse(e.createdAt ?? '');
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export function recordsOf(execution: Execution | undefined): number | undefined {
  if (!execution) return undefined;
  if (execution.cachedRecords !== undefined) return execution.cachedRecords;
  const parts = [execution.insertedRecords, execution.updatedRecords, execution.deletedRecords].filter((n) => n !== undefined);
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

/** What a previous execution tells about the next one: only a completed run is a guide. */
export function historyFrom(previous: Execution | undefined): History | undefined {
  if (!previous || previous.status !== 'COMPLETED' || !previous.createdAt || !previous.finishedAt) return undefined;
  const durationMs = Date.parse(previous.finishedAt) - Date.parse(previous.createdAt);
  if (!(durationMs > 0)) return undefined;
  return { durationMs, records: recordsOf(previous) };
}
