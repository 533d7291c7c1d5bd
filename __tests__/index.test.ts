/**
 * The entry (src/index.ts), which runs on import: run from source in a child process (node with
 * tsx's loader), with the environment the runner gives the main step or the post step. Which step
 * runs is decided by the entry the runner starts (dist/post.js marks the post step); whatever is thrown becomes a
 * failed step with its message, redacted, instead of a stack trace.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, actionDefaults, inputVariable, parseCommandFile } from '../scripts/action-runner.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { annotationsOf } from './helpers/in-process-step.js';

const KEY = 'pk-entry-child-5e0b7a9c31';
const PROJECT = 'mtKDhe1U';
let sim: PeakaSimulator;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY], defaultPlan: { durationMs: 60_000, appearDelayMs: 100 } });
});
afterAll(() => sim.close());

interface EntryRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** The GITHUB_STATE file as written; undefined when it was not there to read. */
  stateFile?: string;
  annotations: { level: string; message: string }[];
}

/** `node --import tsx src/index.ts` as the runner runs the action: inputs, STATE_*, the GITHUB_* files. */
async function runEntry(
  inputs: Record<string, string>,
  options: { post?: boolean; state?: Record<string, string>; stateFile?: (dir: string) => string } = {}
): Promise<EntryRun> {
  const dir = mkdtempSync(join(tmpdir(), 'peaka-entry-'));
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  const state = options.stateFile?.(dir) ?? join(dir, 'state');
  for (const file of [output, summary]) writeFileSync(file, '');
  if (!options.stateFile) writeFileSync(state, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: output,
    GITHUB_STATE: state,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: dir
  };
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const index = join(ROOT, 'src', 'index.ts');
  // The post step: what dist/post.js (scripts/post-entry.js) does, on the source.
  const post = `globalThis[Symbol.for('peaka-cache-action.step')] = 'post'; await import(${JSON.stringify(pathToFileURL(index).href)});`;
  const args = options.post ? ['--import', 'tsx', '--input-type=module', '-e', post] : ['--import', 'tsx', index];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(killer);
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  const run = {
    code,
    stdout,
    stderr,
    outputs: parseCommandFile(read(output) ?? ''),
    stateFile: read(state),
    annotations: annotationsOf(stdout)
  };
  rmSync(dir, { recursive: true, force: true });
  return run;
}

const inputs = (extra: Record<string, string>) => ({
  'api-key': KEY,
  'project-id': PROJECT,
  'api-url': sim.url,
  timeout: '20s',
  'poll-interval': '1s',
  ...extra
});
/** The log without the mask command, which is the one place the key may be written. */
const unmasked = (run: EntryRun) =>
  (run.stdout + run.stderr)
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
const STACK_FRAME = /^\s+at .+[:(]/m;

describe('which step runs', () => {
  test('dist/index.js is the main step; it saves nothing but the ledger (which step runs is never read from the state)', async () => {
    const cache = sim.addCache({ schemaName: 'entry', tableName: 'main_step', previous: { 'full-refresh': { durationMs: 1_000 } } });
    const run = await runEntry(inputs({ operation: 'status', 'cache-id': cache.id }));

    expect(run.code).toBe(0);
    expect(parseCommandFile(run.stateFile ?? '')).toEqual({});
    expect(run.outputs).toMatchObject({ 'cache-id': cache.id, status: 'COMPLETED', 'execution-type': 'full-refresh' });
    expect(JSON.parse(run.outputs.result)).toMatchObject({ operation: 'status', table: 'entry.main_step' });
    expect(unmasked(run)).not.toContain(KEY);
  });

  test('marked as the post step (dist/post.js) it cancels what the ledger holds, and neither reports nor saves state', async () => {
    const cache = sim.addCache();
    const answer = await fetch(`${sim.url}/data/projects/${PROJECT}/cache/${cache.id}/incrementalUpdate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}` }
    });
    expect(answer.status).toBe(200);
    const [execution] = sim.startedExecutions(cache.id);
    const requestsBefore = sim.requests.length;

    const run = await runEntry(inputs({ operation: 'incremental', 'cache-id': cache.id }), {
      post: true,
      state: { 'started-0': JSON.stringify({ cacheId: cache.id, kind: 'incremental' }) }
    });

    expect(run.code).toBe(0);
    const sent = sim.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path.split('/').at(-1)}`);
    expect(sent).toContain('POST cancelIncrementalUpdate');
    // The main step would have triggered again: the post step only looks and cancels.
    expect(sent.filter((s) => s.startsWith('POST')).every((s) => s === 'POST cancelIncrementalUpdate')).toBe(true);
    expect(sim.startedExecutions(cache.id)).toHaveLength(1);
    expect(run.annotations).toEqual([
      { level: 'warning', message: `The main step did not finish. Cancelled the incremental sync ${execution.id} that this step started.` }
    ]);
    expect(run.outputs).toEqual({});
    expect(run.stateFile).toBe('');
  });
});

describe('an error thrown anywhere', () => {
  test('fails the step with its message, the key redacted, and no stack trace', async () => {
    // The runner's state file is missing, at a path that holds the key: the ledger's first save (before the trigger) throws.
    const run = await runEntry(inputs({ operation: 'full-refresh', 'cache-id': sim.addCache().id }), {
      stateFile: (dir) => join(dir, `gone-${KEY}`, 'state')
    });

    expect(run.code).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        message: expect.stringMatching(
          /^Unexpected error: Missing file at path: .*\/gone-\*\*\*\/state\. Please report it with the log of this step\.$/
        )
      }
    ]);
    expect(unmasked(run)).not.toContain(KEY);
    expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);
  });

  // An input error is the user's to fix: the post step shows it as the main step does, not as an unexpected error.
  test('an input error in the post step is shown as it is, as the main step shows it', async () => {
    const run = await runEntry(inputs({ operation: 'full-refresh', 'cache-id': 'not-a-uuid' }), {
      post: true,
      state: { 'started-0': JSON.stringify({ cacheId: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d', kind: 'full-refresh' }) }
    });

    expect(run.code).toBe(1);
    expect(run.annotations).toEqual([
      {
        level: 'error',
        message: `Input 'cache-id' has "not-a-uuid", which is not a cache id; a cache id is a UUID such as 960bd651-7b3c-4511-9a88-18e14ac7742a (several: one per line or comma-separated).`
      }
    ]);
  });
});
