/**
 * Finding the execution a step started and following it until it ends.
 *
 * A trigger answers without an execution id, and for a moment the status still shows the
 * previous execution. So the tracker is told which ids are old and accepts only a new one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from './duration.js';
import {
  KIND_LABEL,
  isActive,
  isTerminal,
  type CacheStatus,
  type Execution,
  type ExecutionKind,
  type PeakaClient
} from './peaka-client.js';
import { PeakaApiError } from './api-error.js';
import { PollPlanner, type History, type Observation } from './poll-schedule.js';

export interface TrackerOptions {
  client: PeakaClient;
  cacheId: string;
  /** Epoch ms: no wait extends past it. */
  deadline: number;
  /** Epoch ms by which the one last read at the deadline must be over (default: 10 s after it starts). */
  finalReadBy?: number;
  pollIntervalMs: number;
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
}

/** How long a new execution may take to show up once nothing is queued ahead of it. */
export const APPEARANCE_GRACE_MS = 60_000;

export class ExecutionTracker {
  private lastLogged?: { key: string; at: number; records?: number };
  /** The last status read, for a timeout whose final read got no answer. */
  private lastStatus?: CacheStatus;
  private readonly planner: PollPlanner;

  constructor(private readonly options: TrackerOptions) {
    this.planner = new PollPlanner(options.pollIntervalMs, options.random ?? Math.random);
  }

  private async read(): Promise<CacheStatus> {
    this.lastStatus = await this.options.client.getStatus(this.options.cacheId, this.options.deadline);
    return this.lastStatus;
  }

  /** A read; undefined when the deadline cut it short (then the final read takes over). */
  private async readInTime(): Promise<CacheStatus | undefined> {
    try {
      return await this.read();
    } catch (err) {
      // The request was cut at the deadline (timers may fire a few ms early): that is the deadline, not a failure.
      if (err instanceof PeakaApiError && err.kind === 'timeout' && Date.now() >= this.options.deadline - 50) return undefined;
      throw err;
    }
  }

  /**
   * Waits until one of `kinds` shows an execution whose id is not in `previous`.
   * A previous execution still RUNNING means the new one may be queued behind it: that wait is
   * bounded by the deadline only; otherwise the new one must appear within `graceMs`.
   */
  async awaitNew(
    kinds: readonly ExecutionKind[],
    previous: Partial<Record<ExecutionKind, string>>,
    graceMs = APPEARANCE_GRACE_MS
  ): Promise<TrackResult> {
    let graceStart = Date.now();
    let queuedLogged = false;
    for (let round = 0; round < 100_000; round++) {
      const read = (await this.pause()) ? await this.readInTime() : undefined;
      const inTime = read !== undefined;
      const status = read ?? (await this.finalRead());
      const slots = kinds.map((k) => status.executions[k]);
      const fresh = slots.find((e) => e && e.id !== previous[e.kind]);
      if (fresh) {
        this.logChange(fresh);
        return { status, execution: fresh, timedOut: false };
      }
      if (!inTime) return { status, execution: undefined, timedOut: true };
      const queuedBehind = slots.find((e) => e && isActive(e));
      if (queuedBehind) {
        if (!queuedLogged) this.options.log(`Waiting for the running ${KIND_LABEL[queuedBehind.kind]} ${queuedBehind.id} to end; the new one is queued behind it.`);
        queuedLogged = true;
        graceStart = Date.now();
      } else if (Date.now() - graceStart > graceMs) {
        return { status, execution: undefined, timedOut: false };
      }
    }
    throw new Error('awaitNew: read limit reached');
  }

  /** Follows `execution` until it ends or the deadline passes. */
  async follow(execution: Execution, history?: History): Promise<TrackResult> {
    const startedAt = Date.now() - (runningForMs(execution) ?? 0);
    let current = execution;
    let status: CacheStatus | undefined;
    this.logChange(current);
    for (let round = 0; round < 100_000 && !isTerminal(current.status); round++) {
      const read = (await this.pause(history, { elapsedMs: Date.now() - startedAt, records: recordsOf(current) })) ? await this.readInTime() : undefined;
      if (!read) {
        status = await this.finalRead();
        current = this.pick(status, current) ?? current;
        return { status, execution: current, timedOut: !isTerminal(current.status) };
      }
      status = read;
      const seen = this.pick(status, current);
      if (!seen) return { status, execution: { ...current, status: 'UNKNOWN', error: this.supersededMessage(status, current) }, timedOut: false };
      current = seen;
      this.logChange(current);
    }
    return { status: status ?? (await this.read()), execution: current, timedOut: false };
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

  /**
   * One last read at the deadline, so that a run that ended in time is not called a timeout. It
   * has until `finalReadBy`; without an answer by then, the last status read stands.
   */
  private async finalRead(): Promise<CacheStatus> {
    try {
      return await this.options.client.getStatus(this.options.cacheId, this.options.finalReadBy ?? Date.now() + 10_000);
    } catch (err) {
      if (this.lastStatus && !this.options.signal?.aborted) return this.lastStatus;
      throw err;
    }
  }

  /** Sleeps until the next read. Resolves false when the deadline comes first. */
  private async pause(history?: History, observed?: Observation): Promise<boolean> {
    const delay = this.planner.next(history, observed);
    const left = this.options.deadline - Date.now();
    if (delay >= left) {
      if (left > 0) await sleep(left, undefined, { signal: this.options.signal });
      return false;
    }
    await sleep(delay, undefined, { signal: this.options.signal });
    return true;
  }

  /** One log line per change of state, and progress lines at most every 10 seconds. */
  private logChange(execution: Execution): void {
    const key = `${execution.id}:${execution.status}`;
    const records = recordsOf(execution);
    const now = Date.now();
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

const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));

export function describeExecution(e: Execution): string {
  const counts = [
    e.cachedRecords !== undefined ? `${fmt(e.cachedRecords)} cached` : '',
    e.insertedRecords ? `${fmt(e.insertedRecords)} inserted` : '',
    e.updatedRecords ? `${fmt(e.updatedRecords)} updated` : '',
    e.deletedRecords ? `${fmt(e.deletedRecords)} deleted` : ''
  ].filter(Boolean);
  const took = executionDurationMs(e);
  return `${capitalise(KIND_LABEL[e.kind])} ${e.id}: ${e.status}${counts.length ? `, ${counts.join(', ')}` : ''}${
    took !== undefined && isTerminal(e.status) ? ` in ${formatDuration(took)}` : ''
  }${e.error ? ` - ${e.error}` : ''}`;
}

export function executionDurationMs(e: Pick<Execution, 'status' | 'createdAt' | 'updatedAt' | 'finishedAt'> | undefined): number | undefined {
  if (!e?.createdAt) return undefined;
  const end = e.finishedAt ? Date.parse(e.finishedAt) : isTerminal(e.status) ? Date.parse(e.updatedAt ?? '') : Date.now();
  const ms = end - Date.parse(e.createdAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
