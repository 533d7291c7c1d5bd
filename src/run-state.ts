/**
 * What the step has learned so far. Operations fill it in as they go, so that the outputs and the
 * summary say everything that is known even when the step fails half-way.
 */
import type { Freshness } from './operations/freshness.js';
import type { CacheStatus, Execution, ExecutionKind, HistoryExecution } from './peaka/client.js';
import type { Operation } from './inputs.js';

export type Conclusion = 'success' | 'warning' | 'failure';

export interface Outcome {
  conclusion: Conclusion;
  /** One line for the log, the annotation and the summary. */
  message: string;
}

export interface RunState {
  operation: Operation;
  cacheId?: string;
  /** schema.table, when known. */
  table?: string;
  cacheStatus?: string;
  execution?: Execution;
  /** The kind of execution this step started or acts on. */
  kind?: ExecutionKind;
  /** The id in the execution's slot before this step triggered it (to tell the new one apart). */
  previousId?: string;
  /**
   * A create this step sent whose answer it has not seen (in flight, lost, or cut by the run's
   * cancel): the cache it may have made is found by its table, so the abort path and the post step
   * can cancel its first sync.
   */
  pendingCreate?: { catalogId: string; schemaName: string; tableName: string };
  /** Whether the execution was started by this step (so it is ours to cancel on abort or timeout). */
  startedByStep: boolean;
  timedOut: boolean;
  /** The execution followed stopped changing for stall-timeout, and the step stopped waiting for it. */
  stalled: boolean;
  /** For `history`: the executions read, most recent first. */
  history?: HistoryExecution[];
  /** How this cache's operation ended (set once it has). */
  outcome?: Outcome;
  /**
   * The step timed out before its trigger's execution appeared, with cancel-on-timeout: the post
   * step looks for it and cancels it (the operation is over, but not settled).
   */
  cancelInPost?: boolean;
  /** The operation is over: nothing of this cache is left for the post step to clean up. */
  settled?: boolean;
  /** The last status read of the cache. */
  lastStatus?: CacheStatus;
  /** With max-age: how old the cache's last success is. */
  freshness?: Freshness;
  /** With max-age on a trigger: the cache was fresh, so nothing was triggered. */
  skipped?: boolean;
}

export function newRunState(operation: Operation, cacheId?: string): RunState {
  return { operation, cacheId, startedByStep: false, timedOut: false, stalled: false };
}
