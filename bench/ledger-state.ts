/**
 * What the ledger writes to the step state (GITHUB_STATE) for the post step when a step triggers
 * many caches: each trigger is written when it is sent, again when its execution appears, and once
 * more (emptied) when it is settled. Every value becomes a STATE_* variable of the post step, so no
 * one value may pass the 32 KiB an environment variable can hold on every runner.
 */
import { Ledger, stateName } from '../src/ledger.js';

export interface LedgerStateLine {
  caches: number;
  saves: number;
  /** Bytes appended to GITHUB_STATE, as @actions/core writes them (name<<delimiter, value, delimiter). */
  bytes: number;
  /** The largest single value written. */
  largestValue: number;
}

export function runLedgerStateLine(caches: number): LedgerStateLine {
  const line: LedgerStateLine = { caches, saves: 0, bytes: 0, largestValue: 0 };
  const ledger = new Ledger((key, json) => {
    line.saves++;
    // core.saveState: `${name}<<ghadelimiter_<uuid>\n${value}\nghadelimiter_<uuid>\n`
    line.bytes += 2 * (13 + 36) + stateName(key).length + json.length + 5;
    line.largestValue = Math.max(line.largestValue, json.length);
  });
  const id = (i: number) => `960bd651-7b3c-4511-9a88-${String(i).padStart(12, '0')}`;
  // All sent at once (max-parallel = caches), then all appear, then all end: the most open at a time.
  for (let i = 0; i < caches; i++) ledger.page(String(i)).triggering(id(i), 'full-refresh', `${id(i)}-previous`);
  for (let i = 0; i < caches; i++) ledger.page(String(i)).seen(`${id(i)}-new`, 'full-refresh');
  for (let i = 0; i < caches; i++) ledger.page(String(i)).settle();
  return line;
}
