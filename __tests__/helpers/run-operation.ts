/**
 * Runs one operation in-process against a simulator, the way main.ts does (inputs as the runner
 * passes them, every action.yml default included, through batch.ts's runAll) but without the
 * process-wide @actions/core plumbing, so that many can run at once (the fault matrix).
 */
import { runAll } from '../../src/batch.js';
import { parseInputs } from '../../src/inputs.js';
import { Ledger } from '../../src/ledger.js';
import { stepBudget, type Outcome } from '../../src/operations/context.js';
import type { Logger } from '../../src/safe-text.js';
import { PeakaClient } from '../../src/peaka/client.js';
import { buildResult, renderSummary, type Result } from '../../src/report.js';
import { actionDefaults } from '../../scripts/action-runner.js';
import type { VirtualClock } from '../../src/virtual-clock.js';

export interface OperationRun {
  outcome: Outcome;
  result: Result;
  log: string[];
  /** How often the ledger saved what the post step would cancel. */
  saves: number;
  /** The ledger's pages still open at the end, as saved for the post step. */
  saved: unknown[];
  summary: string;
  requests: number;
}

/** runOperationIn on `clock` (the simulator's virtual clock), with `tuning` on top. */
export const runOn =
  (clock: VirtualClock) =>
  (inputs: Record<string, string>, transport: { requestTimeoutMs?: number } = {}, tuning: Tuning = {}): Promise<OperationRun> =>
    runOperationIn(inputs, transport, { clock, ...tuning });

/** The inputs every in-process operation test starts from: the simulator, a key, short polls. */
export function operationInputs(url: string, key: string, extra: Record<string, string>, timeout = '30s'): Record<string, string> {
  return { 'api-key': key, 'project-id': 'mtKDhe1U', 'api-url': url, 'poll-interval': '1s', timeout, ...extra };
}

export interface Tuning {
  /** How long a new execution may take to appear (default: the action's minute), shortened to test what happens after it. */
  appearanceGraceMs?: number;
  /** The simulator's clock, when it runs on a virtual one: the step then runs on it too, and waits take no real time. */
  clock?: VirtualClock;
}

export async function runOperationIn(
  inputs: Record<string, string>,
  transport: { requestTimeoutMs?: number } = {},
  tuning: Tuning = {}
): Promise<OperationRun> {
  const parsed = parseInputs((name) => ({ ...actionDefaults(), ...inputs })[name] ?? '');
  const log: string[] = [];
  const logger: Logger = {
    info: (l) => log.push(l),
    notice: (l) => log.push(`notice: ${l}`),
    warning: (l) => log.push(`warning: ${l}`),
    group: async (title, work) => {
      log.push(`group: ${title}`);
      return work();
    }
  };
  // Every request attempt the client made: the transport's debug log has one line per attempt.
  let requests = 0;
  const client = new PeakaClient(
    {
      baseUrl: parsed.baseUrl,
      apiKey: parsed.apiKey,
      requestTimeoutMs: transport.requestTimeoutMs ?? parsed.requestTimeoutMs,
      backoffBaseMs: 100,
      backoffCapMs: 500,
      clock: tuning.clock,
      onRetry: (l) => log.push(`retry: ${l}`),
      debug: () => requests++
    },
    parsed.projectId
  );
  let saves = 0;
  const pages = new Map<string, string>();
  const ledger = new Ledger((key, json) => {
    saves++;
    pages.set(key, json);
  });
  let outcome: Outcome;
  let result: Result;
  try {
    // The budget as main.ts makes it: the wait stops early enough for the last read and the cancel.
    const { clock, ...rest } = tuning;
    const budget = stepBudget(parsed, client.clock.now());
    const running = runAll({ inputs: parsed, client, deadline: budget.deadline, budget, log: logger, ledger, ...rest });
    const { slots } = await (clock ? clock.run(running) : running);
    const [slot] = slots;
    outcome = slot.outcome ?? { conclusion: 'failure', message: 'no outcome' };
    result = buildResult(slot.known, outcome);
  } catch (err) {
    outcome = { conclusion: 'failure', message: (err as Error).message };
    result = buildResult({ operation: parsed.operation, timedOut: false, stalled: false }, outcome);
  }
  const saved = [...pages.values()].filter(Boolean).map((json) => JSON.parse(json) as unknown);
  return { outcome, result, log, saves, saved, summary: renderSummary([result], result, parsed.apiKey), requests };
}
