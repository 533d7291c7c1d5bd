/**
 * comment-on-pr against a local fake of the GitHub REST endpoints it uses, through dist/index.js.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commentMarker } from '../src/pr-comment.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { PARTNER_KEY, baseInputs, runAction } from './helpers/run-action.js';

interface Comment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
}
/** Who the job token writes as. */
const BOT = { login: 'github-actions[bot]', type: 'Bot' as const };
let sim: PeakaSimulator;
let github: Server;
let apiUrl: string;
const comments = new Map<number, Comment[]>();
const calls: { method: string; path: string; auth?: string }[] = [];
let nextId = 100;

beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [PARTNER_KEY], defaultPlan: { durationMs: 500 } });
  // Only what the action calls: pull requests of a commit, and listing, creating and updating issue comments.
  github = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      calls.push({ method: req.method ?? '', path, auth: req.headers.authorization });
      const send = (status: number, json: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
      let m: RegExpExecArray | null;
      if ((m = /^\/api\/v3\/repos\/acme\/data\/commits\/(\w+)\/pulls$/.exec(path)))
        return send(200, m[1] === 'abc123' ? [{ number: 12, merged_at: '2026-11-01T00:00:00Z' }] : []);
      if ((m = /^\/api\/v3\/repos\/acme\/data\/issues\/(\d+)\/comments$/.exec(path))) {
        const list = comments.get(Number(m[1])) ?? [];
        if (req.method === 'GET') return send(200, list);
        const created = { id: nextId++, body: (JSON.parse(body) as Comment).body, user: BOT };
        comments.set(Number(m[1]), [...list, created]);
        return send(201, created);
      }
      if ((m = /^\/api\/v3\/repos\/acme\/data\/issues\/comments\/(\d+)$/.exec(path)) && req.method === 'PATCH') {
        for (const list of comments.values()) for (const c of list) if (c.id === Number(m[1])) c.body = (JSON.parse(body) as Comment).body;
        return send(200, { id: Number(m[1]) });
      }
      send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}/api/v3`;
});
afterAll(async () => {
  await sim.close();
  await new Promise((r) => github.close(r));
});
beforeEach(() => {
  calls.length = 0;
});

function githubEnv(event: string, payload: unknown, sha = 'abc123'): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-event-'));
  writeFileSync(join(dir, 'event.json'), JSON.stringify(payload));
  return {
    GITHUB_API_URL: apiUrl,
    GITHUB_REPOSITORY: 'acme/data',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_SHA: sha,
    GITHUB_WORKFLOW: 'Refresh',
    GITHUB_JOB: 'refresh',
    GITHUB_ACTION: 'peaka'
  };
}

test('on a pull request: one comment with the summary, updated (not added) on a re-run', async () => {
  const cache = sim.addCache({ schemaName: 'pr', tableName: 'orders' });
  const inputs = baseInputs(sim.url, {
    operation: 'full-refresh',
    'cache-id': cache.id,
    'comment-on-pr': 'true',
    'github-token': 'ghs_fake_token_1'
  });
  const env = githubEnv('pull_request', { pull_request: { number: 7 } });

  const first = await runAction(inputs, { env });
  expect(first.code).toBe(0);
  expect(comments.get(7)).toHaveLength(1);
  const [comment] = comments.get(7)!;
  const firstBody = comment.body;
  expect(comment.body.startsWith(commentMarker({ GITHUB_WORKFLOW: 'Refresh', GITHUB_JOB: 'refresh', GITHUB_ACTION: 'peaka' }))).toBe(true);
  expect(comment.body).toContain('<td>pr.orders<br>');
  expect(comment.body).not.toContain(PARTNER_KEY);
  expect(calls.every((c) => c.auth === 'token ghs_fake_token_1')).toBe(true);

  const second = await runAction(inputs, { env });
  expect(second.code).toBe(0);
  expect(comments.get(7)).toHaveLength(1);
  expect(calls.some((c) => c.method === 'PATCH' && c.path === `/api/v3/repos/acme/data/issues/comments/${comment.id}`)).toBe(true);
  expect(comments.get(7)![0].body).not.toBe(firstBody);
  expect(comments.get(7)![0].body).toContain(second.outputs['execution-id']);
});

test("a comment by a user that carries our marker is not ours: left alone, and the bot's own is created then updated", async () => {
  const marker = commentMarker({ GITHUB_WORKFLOW: 'Refresh', GITHUB_JOB: 'refresh', GITHUB_ACTION: 'peaka' });
  const planted = { id: nextId++, body: `${marker}\nmallory was here`, user: { login: 'mallory', type: 'User' as const } };
  comments.set(9, [planted]);
  const cache = sim.addCache();
  const inputs = baseInputs(sim.url, {
    operation: 'status',
    'cache-id': cache.id,
    'comment-on-pr': 'true',
    'github-token': 'ghs_fake_token_4'
  });
  const env = githubEnv('pull_request', { pull_request: { number: 9 } });

  const first = await runAction(inputs, { env });
  expect(first.code).toBe(0);
  expect(calls.filter((c) => c.method === 'PATCH')).toEqual([]);
  expect(comments.get(9)!.map((c) => c.user.login)).toEqual(['mallory', BOT.login]);
  expect(planted.body).toBe(`${marker}\nmallory was here`);

  calls.length = 0;
  const second = await runAction(inputs, { env });
  expect(second.code).toBe(0);
  const ours = comments.get(9)![1];
  expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([`/api/v3/repos/acme/data/issues/comments/${ours.id}`]);
  expect(comments.get(9)).toHaveLength(2);
  expect(planted.body).toBe(`${marker}\nmallory was here`);
});

describe('a GitHub API that accepts the connection and never answers', () => {
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  beforeAll(async () => {
    silent = createServer((req) => requests.push(`${req.method} ${req.url}`));
    silent.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/v3`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  test.each([
    [
      'timeout 5s: the comment ends with the step budget',
      { timeout: '5s' },
      /GitHub did not answer within the comment's \d\.\ds; no comment written/,
      5_000
    ],
    [
      'request-timeout 2s: each request ends at it',
      { timeout: '10m', 'request-timeout': '2s' },
      /GitHub did not answer within 2\.0s \(min\(request-timeout, 30s\)\); no comment written/,
      2_000
    ]
  ])('%s; a warning, and the step succeeds', async (_name, extra, warning, boundMs) => {
    requests.length = 0;
    const cache = sim.addCache();
    const inputs = baseInputs(sim.url, {
      operation: 'status',
      'cache-id': cache.id,
      'comment-on-pr': 'true',
      'github-token': 'ghs_fake_token_5',
      ...extra
    });
    const started = Date.now();
    const run = await runAction(inputs, {
      env: { ...githubEnv('pull_request', { pull_request: { number: 5 } }), GITHUB_API_URL: silentUrl },
      timeoutMs: 40_000
    });
    const elapsed = Date.now() - started;
    expect(run.code).toBe(0);
    expect(requests).toEqual(['GET /api/v3/repos/acme/data/issues/5/comments?per_page=100']);
    expect(run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([expect.stringMatching(warning)]);
    // Starting and ending the process on a busy 2-core machine: generous, far below the hang it was.
    expect(elapsed).toBeLessThan(boundMs + 5_000);
  });
});

test('on a push: the merged pull request of the commit gets the comment', async () => {
  const cache = sim.addCache();
  const run = await runAction(
    baseInputs(sim.url, { operation: 'status', 'cache-id': cache.id, 'comment-on-pr': 'true', 'github-token': 'ghs_fake_token_2' }),
    {
      env: githubEnv('push', { ref: 'refs/heads/main' })
    }
  );
  expect(run.code).toBe(0);
  expect(calls[0].path).toBe('/api/v3/repos/acme/data/commits/abc123/pulls');
  expect(comments.get(12)).toHaveLength(1);
});

test('no pull request behind the run: no comment, and the step still succeeds', async () => {
  const cache = sim.addCache();
  const run = await runAction(
    baseInputs(sim.url, { operation: 'status', 'cache-id': cache.id, 'comment-on-pr': 'true', 'github-token': 'ghs_fake_token_3' }),
    {
      env: githubEnv('push', {}, 'fff999')
    }
  );
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('comment-on-pr: this run belongs to no pull request');
  expect(calls.filter((c) => c.method !== 'GET')).toHaveLength(0);
});
