/**
 * Which files the triggering event changed: from a git repository built here (the pushed range,
 * a new branch's head commit), and from a fake of GitHub's compare, commit and pull request files
 * endpoints when the history is not in the checkout.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { ActionError } from '../src/errors.js';
import { changedFiles, gitChanges, isSafePath, parseNameStatus, readEvent } from '../src/migrations/changed-files.js';
import type { Logger } from '../src/safe-text.js';
import { createRepo, eventEnv, type TestRepo } from './helpers/git-repo.js';
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js';

const log: string[] = [];
const logger: Logger = {
  info: (l) => log.push(l),
  notice: (l) => log.push(`notice: ${l}`),
  warning: (l) => log.push(`warning: ${l}`),
  group: (_t, w) => w()
};
const paths = (files: { path: string; removed: boolean }[]) => files.map((f) => `${f.removed ? '-' : '+'}${f.path}`).sort();
const NOT_HERE = 'f'.repeat(40);

let repo: TestRepo;
let shas: string[];
let github: FakeGitHub;
beforeAll(async () => {
  repo = createRepo();
  shas = [
    repo.commit({ 'migrations/001_init.sql': 'CREATE TABLE a (id int);', 'README.md': '# data' }),
    repo.commit({ 'migrations/002_b.sql': 'CREATE TABLE b (id int);', 'migrations/001_init.sql': 'CREATE TABLE a (id bigint);' }),
    repo.commit({ 'migrations/003_c.sql': 'DROP TABLE b;', 'README.md': null }),
    repo.commit({ 'migrations/old/004.sql': 'ALTER TABLE a ADD x int;' })
  ];
  repo.git('mv', 'migrations/old/004.sql', 'migrations/004_moved.sql');
  shas.push(repo.commit({}, 'rename'));
  github = await startFakeGitHub();
  process.env.GITHUB_API_URL = github.url;
});
afterAll(() => github.close());
beforeEach(() => {
  log.length = 0;
  github.calls.length = 0;
  github.failWith = undefined;
});

describe('from the workspace git history', () => {
  test('a pushed range: every file changed in it, deletions marked, renames under their new path', async () => {
    expect(paths((await gitChanges(repo.dir, shas[0], shas[4]))!)).toEqual([
      '+migrations/001_init.sql',
      '+migrations/002_b.sql',
      '+migrations/003_c.sql',
      '+migrations/004_moved.sql',
      '-README.md'
    ]);
    expect(paths((await gitChanges(repo.dir, shas[3], shas[4]))!)).toEqual(['+migrations/004_moved.sql']);
  });

  test('a new branch (no before): the files of its head commit, the root commit included', async () => {
    expect(paths((await gitChanges(repo.dir, undefined, shas[1]))!)).toEqual(['+migrations/001_init.sql', '+migrations/002_b.sql']);
    expect(paths((await gitChanges(repo.dir, undefined, shas[0]))!)).toEqual(['+README.md', '+migrations/001_init.sql']);
  });

  test('a push event uses git when the range is in the history, without asking GitHub', async () => {
    const event = readEvent({ ...eventEnv('push', { before: shas[1], after: shas[3] }), GITHUB_WORKSPACE: repo.dir });
    const changed = await changedFiles(event, 'ghs_token', logger);
    expect(paths(changed.files)).toEqual(['+migrations/003_c.sql', '+migrations/old/004.sql', '-README.md']);
    expect(changed.source).toBe(`git history of the workspace, ${shas[1].slice(0, 7)}...${shas[3].slice(0, 7)}`);
    expect(github.calls).toEqual([]);
  });

  test('a shallow checkout (before not in the history) is not a git answer', async () => {
    expect(await gitChanges(repo.dir, NOT_HERE, shas[4])).toBeUndefined();
    expect(await gitChanges('/nonexistent-dir', shas[0], shas[4])).toBeUndefined();
  });
});

describe("from GitHub's API", () => {
  test('a push whose range is not in the history: the compare API, with the token', async () => {
    github.compares.set(`${NOT_HERE}...${shas[4]}`, [
      { filename: 'migrations/009.sql', status: 'added' },
      { filename: 'migrations/gone.sql', status: 'removed' }
    ]);
    const event = readEvent({ ...eventEnv('push', { before: NOT_HERE, after: shas[4] }), GITHUB_WORKSPACE: repo.dir });
    const changed = await changedFiles(event, 'ghs_compare_token', logger);
    expect(paths(changed.files)).toEqual(['+migrations/009.sql', '-migrations/gone.sql']);
    expect(changed.source).toMatch(/^GitHub's API, ffffff/);
    expect(github.calls.map((c) => [c.path.split('?')[0], c.auth])).toEqual([
      [`/api/v3/repos/acme/data/compare/${NOT_HERE}...${shas[4]}`, 'token ghs_compare_token']
    ]);
    expect(log.join('\n')).toContain("is not in the workspace's git history (actions/checkout with fetch-depth: 0 brings it)");
  });

  test("a new branch without history: the head commit's files, every page", async () => {
    const sha = 'a'.repeat(40);
    github.commits.set(
      sha,
      Array.from({ length: 130 }, (_, i) => ({ filename: `migrations/${i}.sql`, status: 'added' }))
    );
    const event = readEvent({ ...eventEnv('push', { before: '0'.repeat(40), after: sha }), GITHUB_WORKSPACE: repo.dir });
    expect((await changedFiles(event, 't', logger)).files).toHaveLength(130);
    expect(github.calls.map((c) => new URL(c.path, 'http://x').searchParams.get('page'))).toEqual(['1', '2']);
  });

  test('a pull request: its files, through every page', async () => {
    github.pulls.set(
      42,
      Array.from({ length: 205 }, (_, i) => ({
        filename: `migrations/${String(i).padStart(3, '0')}.sql`,
        status: i === 7 ? 'removed' : 'modified'
      }))
    );
    const event = readEvent(eventEnv('pull_request', { pull_request: { number: 42 } }));
    const changed = await changedFiles(event, 'ghs_pr', logger);
    expect(changed.files).toHaveLength(205);
    expect(changed.files.filter((f) => f.removed).map((f) => f.path)).toEqual(['migrations/007.sql']);
    expect(changed.source).toBe('the files of pull request #42');
    expect(github.calls).toHaveLength(3);
  });

  test('past the API cap of 3,000 files, a pull request is read from git when the checkout has its base and head', async () => {
    github.pulls.set(
      43,
      Array.from({ length: 3_200 }, (_, i) => ({ filename: `assets/${i}.png`, status: 'added' }))
    );
    const payload = { pull_request: { number: 43, base: { sha: shas[1] }, head: { sha: shas[3] } } };
    const changed = await changedFiles(readEvent({ ...eventEnv('pull_request', payload), GITHUB_WORKSPACE: repo.dir }), 'ghs_pr', logger);
    expect(paths(changed.files)).toEqual(['+migrations/003_c.sql', '+migrations/old/004.sql', '-README.md']);
    expect(changed.source).toBe(`git history of the workspace, pull request #43 (${shas[1].slice(0, 7)}...${shas[3].slice(0, 7)})`);
    expect(log).toEqual([
      "warning: tables-from: GitHub lists only the first 3,000 files of pull request #43; its 3 changed files are read from the workspace's git history instead."
    ]);
    expect(github.calls).toHaveLength(30);
  });

  test('past the API cap without the history, the step warns that later files are not read', async () => {
    github.pulls.set(
      44,
      Array.from({ length: 3_001 }, (_, i) => ({ filename: `assets/${i}.png`, status: 'added' }))
    );
    const payload = { pull_request: { number: 44, base: { sha: NOT_HERE }, head: { sha: shas[3] } } };
    const changed = await changedFiles(readEvent({ ...eventEnv('pull_request', payload), GITHUB_WORKSPACE: repo.dir }), 'ghs_pr', logger);
    expect(changed.files).toHaveLength(3_000);
    expect(changed.source).toBe('the first 3,000 files of pull request #44');
    expect(log).toEqual([
      expect.stringMatching(
        /^warning: tables-from: GitHub lists only the first 3,000 files of pull request #44, and the workspace's git history does not have its base and head commits: migrations past the first 3,000 files are not read\. Check out with fetch-depth: 0/
      )
    ]);
  });

  test('a refusal names the permission the job needs', async () => {
    github.failWith = 403;
    const event = readEvent(eventEnv('pull_request', { pull_request: { number: 42 } }));
    const error = await changedFiles(event, 'ghs_pr', logger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(
      /^tables-from: reading the files of pull request #42 from GitHub failed \(HTTP 403\): .*Give the job 'permissions: pull-requests: read'/
    );
  });

  test('without a token it says which input to set', async () => {
    const event = readEvent(eventEnv('pull_request', { number: 5 }));
    await expect(changedFiles(event, '', logger)).rejects.toThrow("tables-from needs 'github-token' to read the files of pull request #5");
  });
});

describe('events', () => {
  test('another event is refused with what to do', async () => {
    await expect(changedFiles(readEvent(eventEnv('workflow_dispatch', {})), 't', logger)).rejects.toThrow(
      "tables-from reads the migration files a push or a pull request changed, but this run was triggered by 'workflow_dispatch'. Run the workflow on push or pull_request, or name the tables in 'tables'."
    );
  });

  test('a deleted branch changed nothing', async () => {
    const event = readEvent(eventEnv('push', { before: shas[0], after: '0'.repeat(40), deleted: true }));
    expect(await changedFiles(event, 't', logger)).toEqual({ files: [], source: 'a deleted branch' });
  });

  test('only well-formed shas and pull request numbers are taken from the payload', () => {
    expect(readEvent(eventEnv('push', { before: 'HEAD~1; rm -rf /', after: '--upload-pack=x' })).push).toBeUndefined();
    expect(readEvent(eventEnv('pull_request', { pull_request: { number: '7' } })).pullRequest).toBeUndefined();
  });
});

test('git name-status output with renames, and paths that may not be read', () => {
  expect(parseNameStatus('M\0a.sql\0R087\0old.sql\0new.sql\0D\0gone.sql\0')).toEqual([
    { path: 'a.sql', removed: false },
    { path: 'new.sql', removed: false },
    { path: 'gone.sql', removed: true }
  ]);
  expect(
    ['migrations/a.sql', '../etc/passwd', '/etc/passwd', 'a/../../b.sql', 'bad\nname.sql', 'x::warning::y.sql'].map(isSafePath)
  ).toEqual([true, false, false, false, false, true]);
});
