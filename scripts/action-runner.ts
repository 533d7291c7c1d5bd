/**
 * Runs the bundled action (`node dist/index.js`) as the runner does: every input that has a default
 * in action.yml set as INPUT_* (expressions evaluated), then the step's own inputs; outputs, state
 * and summary through the GITHUB_* files; the post step reads STATE_* from the main step's state
 * file. Shared by the tests and the demo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist', 'index.js');
/** The entries action.yml names for the two steps (runs.main, runs.post), as the runner reads them. */
function entry(step: 'main' | 'post'): string {
  const runs = (parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { runs: Record<string, string> }).runs;
  return join(ROOT, runs[step]);
}
/** What `${{ github.token }}` evaluates to in a default: the job's token, a fake one here. */
export const JOB_TOKEN = 'ghs_fakeJobToken0000000000000000000000';

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** The GITHUB_STATE file as written, for the post step. */
  stateFile: string;
  summary: string;
  /** ::error / ::warning / ::notice messages, in order. */
  annotations: { level: string; message: string }[];
}

export interface RunOptions {
  /** Extra environment (e.g. HTTPS_PROXY). */
  env?: Record<string, string>;
  /**
   * Run the post step (action.yml's runs.post): the GITHUB_STATE file text the main step wrote
   * (ActionRun.stateFile), or state values to write into one. The runner turns that file into
   * STATE_* variables. Without it, the main step (runs.main) runs.
   */
  state?: string | Record<string, string>;
  /** Called once the process has started, e.g. to send it signals. */
  onStart?: (child: ChildProcess, stdout: () => string) => void;
  /** Streams the log as it comes (the demo). */
  echo?: boolean;
  timeoutMs?: number;
  node?: string;
}

export async function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'peaka-action-'));
  const files = { output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: dir,
    ...options.env
  };
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) env[inputVariable(name)] = value;
  const state = typeof options.state === 'string' ? parseCommandFile(options.state) : (options.state ?? {});
  for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value;

  const child = spawn(options.node ?? process.execPath, [entry(options.state === undefined ? 'main' : 'post')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (options.echo) process.stdout.write(d);
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (options.echo) process.stderr.write(d);
  });
  options.onStart?.(child, () => stdout);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s]))
  );
  clearTimeout(killer);

  const run: ActionRun = {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
    state: parseCommandFile(readFileSync(files.state, 'utf8')),
    stateFile: readFileSync(files.state, 'utf8'),
    summary: readFileSync(files.summary, 'utf8'),
    annotations: [...stdout.matchAll(/^::(error|warning|notice)[^:]*::(.*)$/gm)].map((m) => ({
      level: m[1],
      message: unescapeCommand(m[2])
    }))
  };
  rmSync(dir, { recursive: true, force: true });
  return run;
}

/** The runner's variable for an input: `INPUT_` and the name upper-cased, spaces as `_`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

let defaults: Record<string, string> | undefined;

/**
 * Every input of action.yml that has a default, with the default as the runner passes it:
 * `${{ github.token }}` evaluated to the (fake) job token. Read from action.yml itself, so the
 * harness can never drift from what the action declares.
 */
export function actionDefaults(): Record<string, string> {
  if (!defaults) {
    const metadata = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: unknown }> };
    defaults = {};
    for (const [name, input] of Object.entries(metadata.inputs)) {
      if (input.default === undefined || input.default === null) continue;
      const value = String(input.default).replace(/\$\{\{\s*github\.token\s*\}\}/g, JOB_TOKEN);
      if (/\$\{\{/.test(value))
        throw new Error(`action.yml: the default of '${name}' uses an expression the harness cannot evaluate: ${value}`);
      defaults[name] = value;
    }
  }
  return defaults;
}

/**
 * Reads GITHUB_OUTPUT / GITHUB_STATE files in both forms the runner accepts: `name<<delimiter`
 * ... `delimiter`, and `name=value` on one line.
 */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0) throw new Error(`Command file: '${heredoc[1]}<<${heredoc[2]}' has no closing delimiter`);
      values[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const pair = /^([^=]+)=(.*)$/.exec(lines[i]);
    if (pair) values[pair[1]] = pair[2];
  }
  return values;
}

function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
