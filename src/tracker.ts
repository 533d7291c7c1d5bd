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
  type PeakaClient
} from './peaka/client.js';
import { PeakaApiError } from './peaka/errors.js';
import { KIND_LABEL, describeExecution } from './format.js';
import { PollPlanner, type History } from './poll-schedule.js';
import { StallWatch, type Stall } from './stall-watch.js';
import { DirectStatusSource, type StatusClient, type StatusSource } from './status-source.js';

export interface TrackerOptions {
  /** With executionHistory, the end of a followed execution that a newer one replaced is read from the history. */
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
}

/** How long a new execution may take to show up once nothing is queued ahead of it. */
export const APPEARANCE_GRACE_MS = 60_000;
/** How many past executions are searched for a followed one that a newer one replaced. */
const REPLACED_LOOKUP = 20;
/** The read at the deadline may still retry for this long. */
const FINAL_READ_MS = 10_000;

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

  /**
   * Reads the status `delayMs` after the previous read was sent, or at `notAfter` if sooner, and at
   * the deadline at the latest. `final`: the deadline has passed, so this was the last read.
   */
  private async readAfter(delayMs: number, notAfter = Infinity): Promise<{ status: CacheStatus; final: boolean }> {
    const { cacheId, deadline, signal } = this.options;
    const at = Math.min(this.lastReadAt + delayMs, notAfter);
    if (at < deadline) {
      try {
        const read = await this.source.read(cacheId, at, deadline, signal);
        this.lastReadAt = read.readAt;
        this.lastStatus = read.status;
        this.readFailing = false;
        return { status: read.status, final: this.clock.now() >= deadline };
      } catch (err) {
        // The request was cut at the deadline (timers may fire a few ms early): that is the deadline, not a failure.
        const cutAtDeadline = err instanceof PeakaApiError && err.kind === 'timeout' && this.clock.now() >= deadline - 50;
        if (!cutAtDeadline) {
          // A read that failed after its retries (an outage of Peaka or a gateway) does not end the wait:
          // the execution runs on, so the wait goes on until the deadline with the last status seen.
          if (!(this.lastStatus && err instanceof PeakaApiError && err.transient && !signal?.aborted)) throw err;
          // One line per outage, not one per failed read.
          if (!this.readFailing) this.options.log(`Could not read the status (${err.message.split('. ')[0]}); still waiting, until the timeout at the latest.`);
          this.readFailing = true;
          this.lastReadAt = this.clock.now();
          return { status: this.lastStatus, final: false };
        }
      }
    }
    return { status: await this.finalRead(), final: true };
  }

  /**
   * One last read at the deadline, so that a run that ended in time is not called a timeout. It
   * has until `finalReadBy`; without an answer by then, the last status read stands.
   */
  private async finalRead(): Promise<CacheStatus> {
    const { cacheId, deadline, signal } = this.options;
    try {
      const read = await this.source.read(cacheId, deadline, this.options.finalReadBy ?? Math.max(deadline, this.clock.now()) + FINAL_READ_MS, signal);
      this.lastReadAt = read.readAt;
      return (this.lastStatus = read.status);
    } catch (err) {
      if (this.lastStatus && !signal?.aborted) return this.lastStatus;
      throw err;
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
   */
  async awaitNew(
    kinds: readonly ExecutionKind[],
    previous: Partial<Record<ExecutionKind, string>>,
    graceMs = APPEARANCE_GRACE_MS,
    { queuedExtendsGrace = true, wanted }: { queuedExtendsGrace?: boolean; wanted?: string } = {}
  ): Promise<TrackResult & { queuedBehind?: Execution }> {
    // The grace runs from the first read that shows nothing running ahead of the new execution.
    let graceStart: number | undefined = this.clock.now();
    let queuedLogged = false;
    for (let round = 0; round < 100_000; round++) {
      const { status, final } = await this.readAfter(this.planner.next({ sinceStartMs: this.sinceStart() }));
      const slots = kinds.map((k) => status.executions[k]);
      const fresh = slots.find((e) => e && (wanted === undefined ? e.id !== previous[e.kind] : e.id === wanted));
      if (fresh) {
        this.logChange(fresh);
        return { status, execution: fresh, timedOut: false };
      }
      if (final) return { status, execution: undefined, timedOut: true };
      const queuedBehind = slots.find((e) => e && isActive(e));
      if (queuedBehind && !queuedLogged) {
        const label = `${KIND_LABEL[queuedBehind.kind]} ${queuedBehind.id}`;
        this.options.log(
          queuedExtendsGrace
            ? `Waiting for the running ${label} to end; the new one is queued behind it.`
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
   * Waits until one of `kinds` shows the execution `id`: one queued behind a running execution
   * appears only when that ends. With nothing running ahead, it must appear within `graceMs`.
   */
  awaitExecution(kinds: readonly ExecutionKind[], id: string, graceMs = APPEARANCE_GRACE_MS): Promise<TrackResult & { queuedBehind?: Execution }> {
    return this.awaitNew(kinds, {}, graceMs, { wanted: id });
  }

  /** Follows `execution` until it ends, stalls, or the deadline passes. */
  async follow(execution: Execution, history?: History): Promise<TrackResult> {
    const startedAt = this.clock.now() - (runningForMs(execution) ?? 0);
    const stall = new StallWatch(this.options.stallTimeoutMs ?? 0, this.clock.now());
    let current = execution;
    let status: CacheStatus | undefined;
    let dropLogged = false;
    stall.see(current, this.clock.now());
    this.logChange(current);
    for (let round = 0; round < 100_000 && !isTerminal(current.status); round++) {
      const delay = this.planner.next({ sinceStartMs: this.sinceStart(), history, observed: { elapsedMs: this.lastReadAt - startedAt, records: recordsOf(current) } });
      if (this.planner.trust === 'rejected' && !dropLogged) {
        this.options.log(`Not predicting the end from the previous run: ${this.planner.rejectedBecause}.`);
        dropLogged = true;
      }
      const read = await this.readAfter(delay, stall.dueAt());
      status = read.status;
      const seen = this.pick(status, current);
      if (read.final) {
        current = seen ?? current;
        return { status, execution: current, timedOut: !isTerminal(current.status) };
      }
      if (!seen) return { status, execution: await this.endOfReplaced(status, current), timedOut: false };
      current = seen;
      this.logChange(current);
      const stalled = isTerminal(current.status) ? undefined : stall.see(current, this.clock.now());
      if (stalled) return { status, execution: current, timedOut: false, stalled };
    }
    return { status: status ?? (await this.readAfter(0)).status, execution: current, timedOut: false };
  }

  /**
   * A newer execution replaced the followed one in its slot before its end was seen: its end from
   * the history (where the client reads it), so the step reports how it ended; otherwise UNKNOWN.
   */
  private async endOfReplaced(status: CacheStatus, current: Execution): Promise<Execution> {
    const unknown = { ...current, status: 'UNKNOWN', error: this.supersededMessage(status, current) };
    const { client, cacheId, deadline, finalReadBy } = this.options;
    if (!client.executionHistory) return unknown;
    const history = await client.executionHistory(cacheId, REPLACED_LOOKUP, finalReadBy ?? deadline + FINAL_READ_MS).catch((err: unknown) => {
      // Without the history the end stays unknown; only the run's cancel goes on up.
      if (err instanceof PeakaApiError && err.kind !== 'aborted') return [];
      throw err;
    });
    const past = history.find((e) => e.id === current.id);
    return past && !isActive(past) ? { ...past, kind: past.kind ?? current.kind } : unknown;
  }

  /** The followed execution in a fresh status, or undefined if a newer one has replaced it in its slot. */
  private pick(status: CacheStatus, current: Execution): Execution | undefined {
    const inSlot = status.executions[current.kind];
    return inSlot && inSlot.id === current.id ? inSlot : undefined;
  }

  private supersededMessage(status: CacheStatus, current: Execution): string {
    const newer = status.executions[current.kind];
    return `The ${KIND_LABEL[current.kind]} ${current.id} was replaced by a newer one (${newer?.id ?? 'none'}) before its end was seen; its outcome is unknown.`;
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

/** How long an execution had been running when it was read, by Peaka's own clock (no skew). */
function runningForMs(e: Execution): number | undefined {
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


