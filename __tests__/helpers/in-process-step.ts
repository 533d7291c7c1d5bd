/**
 * Runs a step function (runMain, runPost) in this process as the runner would run the action:
 * INPUT_* for every input of action.yml that has a default (expressions evaluated) plus the step's
 * own, STATE_* for the post step, and GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files.
 * @actions/core writes the log and annotations to stdout: they are captured for the test (and kept
 * out of jest's output). process.env, process.exitCode and stdout are restored when the step ends.
 * One step at a time: the environment is the process's own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionDefaults, inputVariable, parseCommandFile } from '../../scripts/action-runner.js';

export interface StepRun {
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  stdout: string;
  /** ::error / ::warning / ::notice messages, in order. */
  annotations: { level: string; message: string }[];
  /** core.setFailed was called (the runner marks the step failed). */
  failed: boolean;
}

export interface RunningStep {
  /** Settles when the step function has returned and the process is restored. */
  done: Promise<StepRun>;
  /** The log so far. */
  stdout(): string;
  /** The step state as saved so far (the last value of each name). */
  state(): Record<string, string>;
}

/**
 * @actions/core's summary remembers the first GITHUB_STEP_SUMMARY path it writes to, for the life of
 * the process: every step of a test file gets this one file, emptied before each step.
 */
let summaryFile: string | undefined;

/** Starts `step` with the environment set; the caller may act while it runs (signals), then awaits `done`. */
export function startStep(
  step: () => Promise<void>,
  inputs: Record<string, string>,
  options: { state?: Record<string, string>; env?: Record<string, string> } = {}
): RunningStep {
  const dir = mkdtempSync(join(tmpdir(), 'peaka-step-'));
  const files = { output: join(dir, 'output'), state: join(dir, 'state') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  summaryFile ??= join(mkdtempSync(join(tmpdir(), 'peaka-summary-')), 'summary');
  writeFileSync(summaryFile, '');
  const summary = summaryFile;

  const savedEnv = { ...process.env };
  const savedExitCode = process.exitCode;
  const savedWrite = process.stdout.write;
  let stdout = '';
  // Whatever the runner's environment (or a CI job's) says of a step, this one is set here alone.
  for (const name of Object.keys(process.env)) if (/^(INPUT_|STATE_)/.test(name)) delete process.env[name];
  Object.assign(process.env, {
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: dir,
    ...options.env
  });
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) process.env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) process.env[`STATE_${name}`] = value;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  }) as typeof process.stdout.write;

  const restore = () => {
    process.stdout.write = savedWrite;
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    process.exitCode = savedExitCode;
  };

  const done = (async (): Promise<StepRun> => {
    let failed = false;
    try {
      await step();
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    } finally {
      failed = process.exitCode === 1;
      restore();
    }
    const run: StepRun = {
      outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
      state: parseCommandFile(readFileSync(files.state, 'utf8')),
      summary: readFileSync(summary, 'utf8'),
      stdout,
      annotations: annotationsOf(stdout),
      failed
    };
    rmSync(dir, { recursive: true, force: true });
    return run;
  })();
  return { done, stdout: () => stdout, state: () => parseCommandFile(readFileSync(files.state, 'utf8')) };
}

/** Runs `step` to its end. */
export function runStep(
  step: () => Promise<void>,
  inputs: Record<string, string>,
  options: { state?: Record<string, string>; env?: Record<string, string> } = {}
): Promise<StepRun> {
  return startStep(step, inputs, options).done;
}

/** The annotations of a log: `::error title=...::message`, with the toolkit's escapes undone. */
export function annotationsOf(log: string): { level: string; message: string }[] {
  return [...log.matchAll(/^::(error|warning|notice)[^:]*::(.*)$/gm)].map((m) => ({
    level: m[1],
    message: m[2].replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
  }));
}

/** Where `secret` appears in what the step wrote (the mask command aside): none, in a run that keeps the key. */
export function placesOf(run: StepRun, secret: string): string[] {
  const log = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  const places: Record<string, string> = {
    log,
    outputs: JSON.stringify(run.outputs),
    state: JSON.stringify(run.state),
    summary: run.summary
  };
  return Object.entries(places)
    .filter(([, text]) => text.includes(secret))
    .map(([where]) => where);
}

/** Polls `condition` every 20 ms until it holds, for at most `timeoutMs`; fails naming what was awaited. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
