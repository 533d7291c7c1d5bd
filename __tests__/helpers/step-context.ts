/**
 * What an in-process test of batch.ts or the operations builds by hand: inputs as the runner passes
 * them (every action.yml default included), a log that records its lines, a ledger that counts its
 * saves, and a client for the simulator.
 */
import { parseInputs, type Inputs } from '../../src/inputs.js';
import { Ledger, stateName } from '../../src/ledger.js';
import type { Logger } from '../../src/safe-text.js';
import { PeakaClient } from '../../src/peaka/client.js';
import { actionDefaults } from '../../scripts/action-runner.js';
import type { Clock } from '../../src/clock.js';

/** Inputs as the runner passes them: action.yml's defaults, the simulator, `extra` on top. */
export function stepInputs(url: string, key: string, extra: Record<string, string>): Inputs {
  const given: Record<string, string> = {
    ...actionDefaults(),
    'api-key': key,
    'project-id': 'mtKDhe1U',
    'api-url': url,
    'poll-interval': '1s',
    ...extra
  };
  return parseInputs((name) => given[name] ?? '');
}

export interface RecordingLog extends Logger {
  lines: string[];
}

/** A logger that keeps every line ("warning: ..." for warnings). */
export function recordingLog(): RecordingLog {
  const lines: string[] = [];
  return {
    lines,
    info: (line) => void lines.push(line),
    notice: (line) => void lines.push(`notice: ${line}`),
    warning: (line) => void lines.push(`warning: ${line}`),
    group: (title, work) => {
      lines.push(`group: ${title}`);
      return work();
    }
  };
}

export interface CountingLedger {
  ledger: Ledger;
  /** After every save, the pages it leaves open (a JSON list, in the order they opened). */
  saves: string[];
  /** The open pages after the last save ('[]' before any save). */
  last(): string;
  /** The step state as main.ts saves it: one `started-<key>` per page, '' once closed. */
  state: Record<string, string>;
}

/** A ledger whose saves are kept; `onSave` is told each one (a test can act on a page opening). */
export function countingLedger(onSave: (json: string) => void = () => undefined): CountingLedger {
  const saves: string[] = [];
  const state: Record<string, string> = {};
  const open = new Map<string, string>();
  const ledger = new Ledger((key, json) => {
    state[stateName(key)] = json;
    if (json) open.set(key, json);
    else open.delete(key);
    const list = `[${[...open.values()].join(',')}]`;
    saves.push(list);
    onSave(list);
  });
  return { ledger, saves, last: () => saves.at(-1) ?? '[]', state };
}

/** A client for the simulator with short backoffs; `signal` is the run's cancel, `clock` the simulator's (default: the real one). */
export function simClient(inputs: Inputs, signal?: AbortSignal, clock?: Clock): PeakaClient {
  return new PeakaClient(
    {
      baseUrl: inputs.baseUrl,
      apiKey: inputs.apiKey,
      requestTimeoutMs: inputs.requestTimeoutMs,
      backoffBaseMs: 100,
      backoffCapMs: 500,
      signal,
      clock
    },
    inputs.projectId
  );
}
