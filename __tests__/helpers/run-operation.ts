/**
 * Runs one operation in-process against a simulator, the way main.ts does (inputs as the runner
 * passes them, every action.yml default included) but without the
 * process-wide @actions/core plumbing, so that many can run at once (the fault matrix).
 */
import { PeakaClient } from '../../src/peaka/client.js';
import type { Logger } from '../../src/operations/context.js';
import { runOperation } from '../../src/operations.js';
import { buildResult, renderSummary, type Result } from '../../src/report.js';
import { newRunState, type Outcome } from '../../src/run-state.js';
import { parseSettings } from '../../src/inputs.js';
import { actionDefaults } from '../../scripts/action-runner.js';

export interface OperationRun {
  outcome: Outcome;
  result: Result;
  log: string[];
  /** How often the operation saved state for the post step. */
  checkpoints: number;
  summary: string;
  requests: number;
}

/** The inputs every in-process operation test starts from: the simulator, a key, short polls. */
export function operationInputs(url: string, key: string, extra: Record<string, string>, timeout = '30s'): Record<string, string> {
  return { 'api-key': key, 'project-id': 'mtKDhe1U', 'api-url': url, 'poll-interval': '1s', timeout, ...extra };
}

/** `appearanceGraceMs`: how long a new execution may take to appear (default: the action's minute), shortened to test what happens after it. */
export async function runOperationIn(inputs: Record<string, string>, transport: { requestTimeoutMs?: number } = {}, tuning: { appearanceGraceMs?: number } = {}): Promise<OperationRun> {
  const settings = parseSettings((name) => ({ ...actionDefaults(), ...inputs })[name] ?? '');
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
  const client = new PeakaClient(
    { baseUrl: settings.baseUrl, apiKey: settings.apiKey, requestTimeoutMs: transport.requestTimeoutMs ?? settings.requestTimeoutMs, backoffBaseMs: 100, backoffCapMs: 500, onRetry: (l) => log.push(`retry: ${l}`) },
    settings.projectId
  );
  const state = newRunState(settings.operation, settings.cacheId);
  let checkpoints = 0;
  let outcome: Outcome;
  try {
    outcome = await runOperation({ settings, client, deadline: Date.now() + settings.timeoutMs, log: logger, checkpoint: () => checkpoints++, ...tuning }, state);
  } catch (err) {
    outcome = { conclusion: 'failure', message: (err as Error).message };
  }
  const result = buildResult(state, outcome);
  return { outcome, result, log, checkpoints, summary: renderSummary([result], result, settings.apiKey), requests: client.transport.requestCount };
}
