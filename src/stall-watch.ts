/**
 * Naming a stalled execution: on the live API some executions are created and never picked up
 * (RUNNING, progress null, updatedAt never changing). When neither updatedAt nor the progress of
 * the execution followed changes for `stall-timeout`, the wait ends and says so.
 */
import { isQueued, type Execution } from './peaka/client.js';

export interface Stall {
  /** Clock ms since which this step saw nothing change. */
  sinceMs: number;
  /** Peaka's updatedAt of the execution, unchanged since then (if Peaka gave one). */
  updatedAt?: string;
}

export class StallWatch {
  private key?: string;
  private sinceMs: number;

  /** `timeoutMs` 0 turns the watch off. */
  constructor(
    private readonly timeoutMs: number,
    nowMs: number
  ) {
    this.sinceMs = nowMs;
  }

  /** Records what a read showed; returns the stall once nothing has changed for the timeout. */
  see(execution: Execution, nowMs: number): Stall | undefined {
    const key = [
      execution.status,
      execution.updatedAt,
      execution.cachedRecords,
      execution.insertedRecords,
      execution.updatedRecords,
      execution.deletedRecords
    ].join('|');
    // Waiting its turn, no progress is expected, so the stall clock does not run.
    if (key !== this.key || isQueued(execution)) {
      this.key = key;
      this.sinceMs = nowMs;
      return undefined;
    }
    return this.timeoutMs > 0 && nowMs - this.sinceMs >= this.timeoutMs
      ? { sinceMs: this.sinceMs, updatedAt: execution.updatedAt }
      : undefined;
  }

  /** When the stall would be due if nothing changes: a read then tells (Infinity when off). */
  dueAt(): number {
    return this.timeoutMs > 0 ? this.sinceMs + this.timeoutMs : Infinity;
  }
}
