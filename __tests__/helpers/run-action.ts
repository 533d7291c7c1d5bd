/**
 * The end-to-end tests' way to run the bundled action: scripts/action-runner.ts, plus the check
 * every run gets that the API key leaks into no log line, output, state or summary.
 */
import { expect } from '@jest/globals';
import { runAction as spawnAction, type ActionRun, type RunOptions } from '../../scripts/action-runner.js';

export type { ActionRun };

export const PARTNER_KEY = 'pk-partner-5f2c9a7e11d04b3c';
export const PROJECT_ID = 'mtKDhe1U';

export async function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const run = await spawnAction(inputs, options);
  if (inputs['api-key']) expectNoSecret(run, inputs['api-key']);
  return run;
}

/** The API key appears nowhere but in the mask command. */
export function expectNoSecret(run: ActionRun, secret: string): void {
  const log = (run.stdout + run.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const places: Record<string, string> = {
    log,
    outputs: JSON.stringify(run.outputs),
    state: JSON.stringify(run.state),
    summary: run.summary
  };
  for (const [where, text] of Object.entries(places)) {
    expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
  }
}

export function baseInputs(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { 'api-key': PARTNER_KEY, 'project-id': PROJECT_ID, 'api-url': url, 'poll-interval': '2s', ...extra };
}

/** The ledger's open pages in a main step's state, as the post step would find them (every non-empty `started-*`), in target order. */
export function openPages(state: Record<string, string>): unknown[] {
  return Object.entries(state)
    .filter(([name, text]) => name.startsWith('started-') && text !== '')
    .sort(([a], [b]) => Number(a.slice('started-'.length)) - Number(b.slice('started-'.length)))
    .map(([, text]) => JSON.parse(text));
}
