/**
 * The changed files from GitHub's REST API (src/migrations/github-files.ts): a pull request's files,
 * a compare of two commits, a commit's files, against a fake GitHub on 127.0.0.1 (GITHUB_API_URL).
 * Which of them changedFiles asks, and when, is in migrations-changed-files.test.ts; here: what each
 * reads (every page, and no more than GitHub lists), what it makes of a file's status, what it says
 * when GitHub refuses, and that the step's deadline and the run's cancel end a request GitHub never answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { EventInfo } from '../src/migrations/github-files.js';
import { ActionError } from '../src/errors.js';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js';
import { waitFor } from './helpers/in-process-step.js';

type GitHubFiles = typeof import('../src/migrations/github-files.js');

const TOKEN = 'ghs_githubFilesTest0000000000000000001';
const event = (repo = 'data'): EventInfo => ({ name: 'push', repository: { owner: 'acme', repo }, workspace: '/nonexistent' });
const BEFORE = 'b'.repeat(40);
const AFTER = 'c'.repeat(40);

let github: FakeGitHub;
/** In front of the fake: answers nothing for the repository acme/silent, passes the rest on. */
let front: Server;
const silentSockets = new Set<Socket>();
let silentRequests = 0;
let files: GitHubFiles;
const savedApiUrl = process.env.GITHUB_API_URL;

beforeAll(async () => {
  github = await startFakeGitHub();
  const upstream = new URL(github.url);
  front = createServer((req, res) => {
    if (req.url?.startsWith('/api/v3/repos/acme/silent/')) {
      silentSockets.add(req.socket);
      silentRequests++;
      return;
    }
    const forward = request(
      { host: '127.0.0.1', port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      }
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  // @actions/github reads GITHUB_API_URL once, when it is loaded: set it first, then load the module.
  process.env.GITHUB_API_URL = `http://127.0.0.1:${(front.address() as AddressInfo).port}/api/v3`;
  files = await import('../src/migrations/github-files.js');
});
afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  front.closeAllConnections();
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await github.close();
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedApiUrl;
});
beforeEach(() => {
  github.calls.length = 0;
  github.failWith = undefined;
});

const pages = () => github.calls.map((c) => new URL(c.path, 'http://x').searchParams.get('page'));
const many = (n: number, status = 'modified') =>
  Array.from({ length: n }, (_, i) => ({ filename: `migrations/${String(i).padStart(4, '0')}.sql`, status }));

describe('a pull request', () => {
  test("its files with the job's token; only a removed file counts as removed", async () => {
    github.pulls.set(11, [
      { filename: 'migrations/a.sql', status: 'added' },
      { filename: 'migrations/b.sql', status: 'modified' },
      { filename: 'migrations/c.sql', status: 'renamed' },
      { filename: 'migrations/d.sql', status: 'removed' }
    ]);
    expect(await files.pullRequestFiles(event(), TOKEN, 11)).toEqual([
      { path: 'migrations/a.sql', removed: false },
      { path: 'migrations/b.sql', removed: false },
      { path: 'migrations/c.sql', removed: false },
      { path: 'migrations/d.sql', removed: true }
    ]);
    expect(github.calls.map((c) => [c.path, c.auth])).toEqual([
      ['/api/v3/repos/acme/data/pulls/11/files?per_page=100&page=1', `token ${TOKEN}`]
    ]);
  });

  test('a full page asks for the next one, and an empty next page ends the list', async () => {
    github.pulls.set(12, many(100));
    expect(await files.pullRequestFiles(event(), TOKEN, 12)).toHaveLength(100);
    expect(pages()).toEqual(['1', '2']);
  });

  test('no more than the 3,000 files GitHub lists: 30 pages at most', async () => {
    github.pulls.set(13, many(3_100));
    expect(await files.pullRequestFiles(event(), TOKEN, 13)).toHaveLength(3_000);
    expect(pages()).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
  });
});

describe('a compare of two commits', () => {
  test('its files, and no warning when GitHub listed them all', async () => {
    github.compares.set(`${BEFORE}...${AFTER}`, [
      { filename: 'migrations/new.sql', status: 'added' },
      { filename: 'migrations/old.sql', status: 'removed' }
    ]);
    const warnings: string[] = [];
    expect(await files.compareFiles(event(), TOKEN, BEFORE, AFTER, (line) => warnings.push(line))).toEqual([
      { path: 'migrations/new.sql', removed: false },
      { path: 'migrations/old.sql', removed: true }
    ]);
    expect(warnings).toEqual([]);
  });

  test('300 files or more (all GitHub lists): a warning that says how to read the whole range', async () => {
    github.compares.set(`${BEFORE}...${AFTER}`, many(450));
    const warnings: string[] = [];
    expect(await files.compareFiles(event(), TOKEN, BEFORE, AFTER, (line) => warnings.push(line))).toHaveLength(300);
    expect(warnings).toEqual([
      "tables-from: GitHub's compare lists only the first 300 changed files of this push; check out with fetch-depth: 0 so that the action reads the whole range from git."
    ]);
  });
});

describe("a commit's files", () => {
  test('read page by page until a page is not full', async () => {
    github.commits.set(AFTER, [...many(150), { filename: 'migrations/gone.sql', status: 'removed' }]);
    const read = await files.commitFiles(event(), TOKEN, AFTER);
    expect(read).toHaveLength(151);
    expect(read.filter((f) => f.removed)).toEqual([{ path: 'migrations/gone.sql', removed: true }]);
    expect(pages()).toEqual(['1', '2']);
  });
});

describe('GitHub refuses', () => {
  test.each([
    [404, 'compare', "Give the job 'permissions: contents: read', or pass a github-token that may read the repository."],
    [401, 'commit', "Give the job 'permissions: contents: read', or pass a github-token that may read the repository."],
    [403, 'pull request', "Give the job 'permissions: pull-requests: read', or pass a github-token that may read the repository."],
    [500, 'commit', 'Re-run the job; if it repeats, check GitHub status.']
  ])('HTTP %i on a %s: the error says what was read, the status, and what to do; never the token', async (status, what, hint) => {
    github.failWith = status;
    const read =
      what === 'compare'
        ? files.compareFiles(event(), TOKEN, BEFORE, AFTER, () => undefined)
        : what === 'commit'
          ? files.commitFiles(event(), TOKEN, AFTER)
          : files.pullRequestFiles(event(), TOKEN, 9);
    const error = (await read.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ActionError);
    const reading = {
      compare: 'the files changed from bbbbbbb to ccccccc',
      commit: 'the files of commit ccccccc',
      'pull request': 'the files of pull request #9'
    }[what];
    expect(error.message.startsWith(`tables-from: reading ${reading} from GitHub failed (HTTP ${status}): `)).toBe(true);
    expect(error.message.endsWith(hint)).toBe(true);
    expect(error.message).not.toContain(TOKEN);
  });

  test('without a token, nothing is sent and the error names the input', async () => {
    await expect(files.compareFiles(event(), '', BEFORE, AFTER, () => undefined)).rejects.toThrow(
      "tables-from needs 'github-token' to read the files changed from bbbbbbb to ccccccc from GitHub; pass ${{ github.token }} (the default)."
    );
    await expect(files.commitFiles(event(), '', AFTER)).rejects.toThrow(
      "tables-from needs 'github-token' to read the files of commit ccccccc from GitHub"
    );
    expect(github.calls).toEqual([]);
  });
});

describe('a GitHub that never answers', () => {
  /** Settles with the error of `work`, or fails the test after `ms`. */
  async function errorWithin(work: Promise<unknown>, ms: number): Promise<Error> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
    try {
      return (await Promise.race([
        work.then(
          () => new Error('it answered'),
          (e: unknown) => e as Error
        ),
        guard
      ])) as Error;
    } finally {
      clearTimeout(timer);
    }
  }

  test("is given up at the step's deadline", async () => {
    const error = await errorWithin(files.commitFiles(event('silent'), TOKEN, AFTER, { deadline: Date.now() + 1_000 }), 10_000);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toMatch(
      /^tables-from: GitHub did not send the files of commit ccccccc within 1s \(what was left of the step's timeout\)\. Re-run the job/
    );
  });

  test("is given up at once on the run's cancel", async () => {
    const controller = new AbortController();
    const reading = files.pullRequestFiles(event('silent'), TOKEN, 5, { signal: controller.signal });
    const before = silentRequests;
    await waitFor('the request to reach GitHub', () => silentRequests > before, 5_000);
    controller.abort();
    const error = await errorWithin(reading, 5_000);
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toMatch(
      /^tables-from: reading the files of pull request #5 from GitHub was stopped: the workflow run is being cancelled\.$/
    );
  });

  // Octokit gives a request that got no answer status 500: the error says what really ended it instead.
  test('the error does not claim an HTTP status GitHub never sent', async () => {
    const timedOut = await errorWithin(files.commitFiles(event('silent'), TOKEN, AFTER, { deadline: Date.now() + 1_000 }), 10_000);
    const controller = new AbortController();
    const reading = files.pullRequestFiles(event('silent'), TOKEN, 6, { signal: controller.signal });
    const before = silentRequests;
    await waitFor('the request to reach GitHub', () => silentRequests > before, 5_000);
    controller.abort();
    const cancelled = await errorWithin(reading, 5_000);
    expect([timedOut.message, cancelled.message].filter((m) => m.includes('(HTTP 500)'))).toEqual([]);
  });
});
