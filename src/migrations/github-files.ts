/**
 * Changed files from GitHub's REST API, through Octokit (the same lazy chunk as comment-on-pr):
 * a pull request's files, a compare of two commits, one commit's files. GITHUB_API_URL is honoured,
 * so GitHub Enterprise Server works too.
 */
import * as github from '@actions/github';
import { ActionError } from '../errors.js';
import { realClock, type Clock } from '../clock.js';

export interface ChangedFile {
  path: string;
  removed: boolean;
}

/** What the event tells about the change, read from GITHUB_EVENT_PATH. */
export interface EventInfo {
  name: string;
  repository: { owner: string; repo: string };
  workspace: string;
  push?: { before?: string; after: string; deleted: boolean };
  pullRequest?: number;
  /** The pull request's base and head commits, to read its changes from git past the API's cap. */
  pullRequestRange?: { base: string; head: string };
}

/** What ends the GitHub requests early: the step's deadline and the run's cancel. */
export interface GitHubBound {
  deadline?: number;
  signal?: AbortSignal;
  /** What the deadline and the timeout run on (default: the real clock). */
  clock?: Clock;
}

/** GitHub lists at most 3,000 files of a pull request or compare; 30 pages of 100. */
const MAX_PAGES = 30;
/** A pull request's file list this long may be cut by GitHub: the files past it are not listed. */
export const PULL_REQUEST_FILES_CAP = MAX_PAGES * 100;
/** Longest time all of one step's GitHub requests may take together. */
export const GITHUB_BUDGET_MS = 120_000;
type ApiFile = { filename: string; status?: string };

const toChanged = (files: ApiFile[] | undefined): ChangedFile[] =>
  (files ?? []).map((f) => ({ path: f.filename, removed: f.status === 'removed' }));

type Octokit = ReturnType<typeof github.getOctokit>;

/**
 * Runs `work` with an Octokit whose requests end at GITHUB_BUDGET_MS, never past the step's
 * deadline, and not a moment after the run's cancel; a failure says what to do about it.
 */
async function fromGitHub<T>(
  token: string,
  what: string,
  permission: string,
  bound: GitHubBound,
  work: (octokit: Octokit) => Promise<T>
): Promise<T> {
  if (!token)
    throw new ActionError(`tables-from needs 'github-token' to read ${what} from GitHub; pass \${{ github.token }} (the default).`);
  const clock = bound.clock ?? realClock;
  const budget = Math.max(1_000, Math.min(GITHUB_BUDGET_MS, (bound.deadline ?? Infinity) - clock.now()));
  const timeout = clock.timeout(budget);
  const octokit = github.getOctokit(token, {
    request: { signal: AbortSignal.any([timeout.signal, ...(bound.signal ? [bound.signal] : [])]) }
  });
  try {
    return await work(octokit);
  } catch (err) {
    if (err instanceof ActionError) throw err;
    // Octokit reports an aborted request as an HTTP 500: say what really ended it.
    if (bound.signal?.aborted)
      throw new ActionError(`tables-from: reading ${what} from GitHub was stopped: the workflow run is being cancelled.`);
    if (timeout.signal.aborted)
      throw new ActionError(
        `tables-from: GitHub did not send ${what} within ${Math.round(budget / 1000)}s${budget < GITHUB_BUDGET_MS ? " (what was left of the step's timeout)" : ''}. Re-run the job; if it repeats, check GitHub status, or check out with fetch-depth: 0 so that the action reads the changes from git.`
      );
    const status = (err as { status?: number }).status;
    const hint =
      status === 401 || status === 403 || status === 404
        ? ` Give the job 'permissions: ${permission}', or pass a github-token that may read the repository.`
        : ' Re-run the job; if it repeats, check GitHub status.';
    throw new ActionError(
      `tables-from: reading ${what} from GitHub failed${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message.split('\n')[0].slice(0, 200)}.${hint}`
    );
  } finally {
    timeout.clear();
  }
}

export async function pullRequestFiles(event: EventInfo, token: string, number: number, bound: GitHubBound = {}): Promise<ChangedFile[]> {
  const what = `the files of pull request #${number}`;
  return fromGitHub(token, what, 'pull-requests: read', bound, async (octokit) => {
    const files: ApiFile[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data } = await octokit.rest.pulls.listFiles({ ...event.repository, pull_number: number, per_page: 100, page });
      files.push(...data);
      if (data.length < 100) break;
    }
    return toChanged(files);
  });
}

/** GitHub's compare lists at most 300 files (on its first page only): more are warned about. */
export async function compareFiles(
  event: EventInfo,
  token: string,
  before: string,
  after: string,
  warn: (line: string) => void,
  bound: GitHubBound = {}
): Promise<ChangedFile[]> {
  const what = `the files changed from ${before.slice(0, 7)} to ${after.slice(0, 7)}`;
  return fromGitHub(token, what, 'contents: read', bound, async (octokit) => {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...event.repository, basehead: `${before}...${after}` });
    if ((data.files?.length ?? 0) >= 300)
      warn(
        `tables-from: GitHub's compare lists only the first 300 changed files of this push; check out with fetch-depth: 0 so that the action reads the whole range from git.`
      );
    return toChanged(data.files);
  });
}

export async function commitFiles(event: EventInfo, token: string, sha: string, bound: GitHubBound = {}): Promise<ChangedFile[]> {
  const what = `the files of commit ${sha.slice(0, 7)}`;
  return fromGitHub(token, what, 'contents: read', bound, async (octokit) => {
    const files: ApiFile[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { data } = await octokit.rest.repos.getCommit({ ...event.repository, ref: sha, per_page: 100, page });
      files.push(...(data.files ?? []));
      if ((data.files?.length ?? 0) < 100) break;
    }
    return toChanged(files);
  });
}
