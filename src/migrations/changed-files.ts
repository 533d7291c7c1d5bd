/**
 * The files the triggering event changed. push: the pushed range, from the workspace's git history
 * when the checkout has it (fetch-depth: 0), else GitHub's compare API; a new branch: its head
 * commit. pull_request: the pull request's files. Every path is checked before it is used: the
 * list comes from the network or from a repository anyone may have pushed to.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ActionError } from '../errors.js';
import type { Logger } from '../safe-text.js';
import type { ChangedFile, EventInfo, GitHubBound } from './github-files.js';

export interface ChangedFiles {
  files: ChangedFile[];
  /** Where the list came from, for the log and the summary. */
  source: string;
}

const ZERO_SHA = /^0+$/;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;
const run = promisify(execFile);

export function readEvent(env: NodeJS.ProcessEnv = process.env): EventInfo {
  const name = env.GITHUB_EVENT_NAME ?? '';
  let payload: Record<string, unknown> = {};
  try {
    if (env.GITHUB_EVENT_PATH) payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>;
  } catch {
    // Without a payload, only what the environment says is known.
  }
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const info: EventInfo = { name, repository: { owner, repo }, workspace: env.GITHUB_WORKSPACE || process.cwd() };
  if (name === 'push') {
    const sha = (v: unknown) => (typeof v === 'string' && SHA.test(v) ? v : undefined);
    const after = sha(payload.after) ?? sha(env.GITHUB_SHA);
    if (after) info.push = { before: sha(payload.before), after, deleted: payload.deleted === true };
  }
  if (name === 'pull_request' || name === 'pull_request_target') {
    const number = (payload.pull_request as { number?: unknown } | undefined)?.number ?? payload.number;
    if (typeof number === 'number' && Number.isSafeInteger(number) && number > 0) info.pullRequest = number;
    const pr = payload.pull_request as { base?: { sha?: unknown }; head?: { sha?: unknown } } | undefined;
    const base = pr?.base?.sha;
    const head = pr?.head?.sha;
    if (typeof base === 'string' && SHA.test(base) && typeof head === 'string' && SHA.test(head)) info.pullRequestRange = { base, head };
  }
  return info;
}

export async function changedFiles(event: EventInfo, token: string, log: Logger, bound: GitHubBound = {}): Promise<ChangedFiles> {
  if (event.pullRequest) {
    const { pullRequestFiles, PULL_REQUEST_FILES_CAP } = await import('./github-files.js');
    const files = await pullRequestFiles(event, token, event.pullRequest, bound);
    if (files.length < PULL_REQUEST_FILES_CAP) return { files, source: `the files of pull request #${event.pullRequest}` };
    // GitHub lists no more than 3,000 files: a migration past them would be missed without a word.
    const range = event.pullRequestRange;
    const local = range && (await gitChanges(event.workspace, range.base, range.head));
    if (local) {
      log.warning(
        `tables-from: GitHub lists only the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files of pull request #${event.pullRequest}; its ${local.length.toLocaleString('en-US')} changed files are read from the workspace's git history instead.`
      );
      return {
        files: local,
        source: `git history of the workspace, pull request #${event.pullRequest} (${range.base.slice(0, 7)}...${range.head.slice(0, 7)})`
      };
    }
    log.warning(
      `tables-from: GitHub lists only the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files of pull request #${event.pullRequest}, and the workspace's git history does not have its base and head commits: migrations past the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files are not read. Check out with fetch-depth: 0 so that the action reads every change from git, or name the tables in 'tables'.`
    );
    return { files, source: `the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files of pull request #${event.pullRequest}` };
  }
  if (!event.push) {
    throw new ActionError(
      event.name === 'push' || event.name.startsWith('pull_request')
        ? `tables-from: the ${event.name} event's payload does not say what changed (GITHUB_EVENT_PATH); nothing can be read from it.`
        : `tables-from reads the migration files a push or a pull request changed, but this run was triggered by '${event.name || 'an unknown event'}'. Run the workflow on push or pull_request, or name the tables in 'tables'.`
    );
  }
  const { before, after, deleted } = event.push;
  if (deleted) return { files: [], source: 'a deleted branch' };
  const newBranch = !before || ZERO_SHA.test(before);
  const range = newBranch ? `commit ${after.slice(0, 7)} (the head of a new branch)` : `${before.slice(0, 7)}...${after.slice(0, 7)}`;
  const local = await gitChanges(event.workspace, newBranch ? undefined : before, after);
  if (local) return { files: local, source: `git history of the workspace, ${range}` };
  log.info(
    `tables-from: the pushed range ${range} is not in the workspace's git history (actions/checkout with fetch-depth: 0 brings it); asking GitHub's API instead.`
  );
  const { compareFiles, commitFiles } = await import('./github-files.js');
  const files = newBranch
    ? await commitFiles(event, token, after, bound)
    : await compareFiles(event, token, before, after, (line) => log.warning(line), bound);
  return { files, source: `GitHub's API, ${range}` };
}

/** The changes from `before` (their merge base, as a push's compare shows) to `after`; undefined when the history lacks them. */
export async function gitChanges(workspace: string, before: string | undefined, after: string): Promise<ChangedFile[] | undefined> {
  const git = (args: string[]) =>
    run('git', ['-C', workspace, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  try {
    for (const sha of [before, after]) if (sha) await git(['cat-file', '-e', `${sha}^{commit}`]);
    const { stdout } = before
      ? await git(['diff', '--name-status', '-z', '--no-color', '-M', `${before}...${after}`])
      : await git(['diff-tree', '-r', '--root', '--no-commit-id', '--name-status', '-z', '--no-color', '-M', after]);
    return parseNameStatus(stdout);
  } catch {
    return undefined;
  }
}

/** `git diff --name-status -z`: a status, then one path (two for renames and copies). */
export function parseNameStatus(output: string): ChangedFile[] {
  const fields = output.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i < fields.length - 1;) {
    const status = fields[i++];
    if (!status) continue;
    const twoPaths = status[0] === 'R' || status[0] === 'C';
    if (twoPaths) i++;
    const path = fields[i++];
    if (path !== undefined) files.push({ path, removed: status[0] === 'D' });
  }
  return files;
}

/** A path from git or the API that may be read from the workspace: relative, inside it, printable. */
export function isSafePath(path: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  return !!path && !/[\u0000-\u001f\u007f]/.test(path) && !path.startsWith('/') && !path.split(/[\\/]/).includes('..');
}
