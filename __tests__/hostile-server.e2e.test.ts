/**
 * The bundled action against small local servers that answer what Peaka never should (issue 10):
 * workflow commands and markup in every text field, the key echoed around every cut, pages built
 * to slow a parser down, endless bodies and gzip bombs, unsafe ids, mentions, many caches with
 * broken values, answers that hang at the deadline, and crashes outside the operation.
 * Every case checks the safe outcome, that the key appears nowhere, and that the step ends within
 * its timeout.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'parse5';
import { startHostile, type Answer, type HostileRequest, type HostileServer } from '../simulator/hostile-server.js';
import { runAction, type ActionRun } from '../scripts/action-runner.js';

/** A key with characters that JSON and URLs escape, so its escaped forms can be looked for. */
const KEY = 'hk"7f\\3e9a1c2b5d8e4f60';
const PROJECT = 'mtKDhe1U';
const CACHE = '960bd651-7b3c-4511-9a88-18e14ac7742a';
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const TIMEOUT_MS = 5_000;
/** Starting and ending the process on a busy 2-core machine: generous, far below any overrun the issue saw. */
const SLACK_MS = 5_000;

let server: HostileServer | undefined;
/** The runs of the current case, checked after its own assertions: no key anywhere, an end within the timeout. */
const runs: { result: ActionRun; input: Record<string, string>; elapsedMs: number }[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  const done = runs.splice(0);
  for (const { result, input, elapsedMs } of done) {
    expectNoKey(result, input['api-key']);
    expect(elapsedMs).toBeLessThan(Number(/^(\d+)s$/.exec(input.timeout)![1]) * 1000 + SLACK_MS);
  }
});

async function serve(answer: (req: HostileRequest) => Answer | Promise<Answer>): Promise<HostileServer> {
  server = await startHostile(answer);
  return server;
}

const inputs = (url: string, extra: Record<string, string>) => ({
  'api-key': KEY,
  'project-id': PROJECT,
  'api-url': url,
  'poll-interval': '1s',
  timeout: '5s',
  'request-timeout': '2s',
  ...extra
});

/** Runs the bundled action; what every case must hold is checked after the case (see afterEach). */
async function run(input: Record<string, string>, options: Parameters<typeof runAction>[1] = {}): Promise<ActionRun> {
  const started = Date.now();
  const result = await runAction(input, { timeoutMs: 60_000, ...options });
  runs.push({ result, input, elapsedMs: Date.now() - started });
  return result;
}

/** The key appears nowhere, whole or in part, raw, JSON-escaped or URL-encoded (the mask command aside). */
function expectNoKey(result: ActionRun, key: string): void {
  const log = (result.stdout + result.stderr)
    .split('\n')
    .filter((l) => l !== `::add-mask::${key}`)
    .join('\n');
  const places = { log, outputs: JSON.stringify(result.outputs), state: JSON.stringify(result.state), summary: result.summary };
  const forms = [key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)];
  for (const [where, text] of Object.entries(places)) {
    // JSON.stringify of the outputs escapes them once more: look at them as they are, too.
    const texts = where === 'outputs' ? [text, ...Object.values(result.outputs)] : [text];
    const leaked = forms
      .flatMap((form) => Array.from({ length: form.length - 7 }, (_, i) => form.slice(0, i + 8)))
      .filter((part) => texts.some((t) => t.includes(part)));
    expect({ where, leaked }).toEqual({ where, leaked: [] });
  }
}

const OUR_COMMANDS = /^::(add-mask|group|endgroup|error|warning|notice|debug)( title=Peaka [A-Za-z ]+)?::/;

/** No line runs a workflow command the action did not write itself. */
function expectNoInjection(result: ActionRun): void {
  const lines = `${result.stdout}\n${result.stderr}`.split('\n');
  const commands = lines.map((l) => l.trimStart()).filter((l) => l.startsWith('::'));
  expect(commands.filter((c) => !OUR_COMMANDS.test(c))).toEqual([]);
  expect(commands.filter((c) => c.startsWith('::add-mask::'))).toEqual([`::add-mask::${KEY}`]);
  // The runner's older form runs wherever it is in a line (but not inside a command it has already read).
  expect(lines.filter((l) => l.includes('##[') && !OUR_COMMANDS.test(l.trimStart()))).toEqual([]);
  expect(result.annotations.filter((a) => a.message.startsWith('INJECTED'))).toEqual([]);
}

/** Elements the action writes into the summary; a parser must find no other. */
const OUR_ELEMENTS = new Set([
  'html',
  'head',
  'body',
  'h2',
  'table',
  'tbody',
  'tr',
  'th',
  'td',
  'br',
  'code',
  'strong',
  'p',
  'ul',
  'li',
  'em'
]);
interface Node {
  nodeName: string;
  tagName?: string;
  value?: string;
  childNodes?: Node[];
  attrs?: { name: string; value: string }[];
}
function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.childNodes ?? []) walk(child, visit);
}
function expectOnlyOurElements(html: string): void {
  const found = new Set<string>();
  const attrs: string[] = [];
  walk(parse(html) as unknown as Node, (n) => {
    if (n.tagName) found.add(n.tagName);
    for (const a of n.attrs ?? []) if (a.name !== 'colspan') attrs.push(a.name);
  });
  expect([...found].filter((t) => !OUR_ELEMENTS.has(t))).toEqual([]);
  expect(attrs).toEqual([]);
}
const textOf = (html: string) => {
  let text = '';
  walk(parse(html) as unknown as Node, (n) => {
    if (n.nodeName === '#text') text += n.value;
  });
  return text;
};

/** A text for every field: a line break then commands in every form the runner knows, markup, mentions, the key. */
const inject = (field: string) =>
  `${field}\n::error title=INJ::INJECTED ${field}\r\n  ::add-mask::INJECTED\n##[add-mask]INJECTED ##[stop-commands]INJECTED\n::stop-commands::INJECTED\u2028::warning::INJECTED <script>alert(1)</script><img src=x onerror=alert(1)> @acme/team #1 ${KEY}`;

const statusPath = /^\/api\/v1\/data\/projects\/mtKDhe1U\/cache\/([^/?]+)\/status\?excludeLogs=true$/;
const LIST_PATH = `/api/v1/data/projects/${PROJECT}/cache/status`;

/** Answers the project's list and each cache's status from `caches` (id to answer by read number), 404 otherwise. */
function peakaLike(caches: Record<string, (n: number) => unknown>, other?: (req: HostileRequest) => Answer | undefined) {
  return (req: HostileRequest): Answer => {
    const special = other?.(req);
    if (special) return special;
    if (req.path === LIST_PATH) return { json: Object.values(caches).map((answer) => answer(0)) };
    const m = statusPath.exec(req.path);
    const answer = m && caches[decodeURIComponent(m[1])];
    return answer ? { json: answer(req.n) } : { status: 404, json: { message: 'Cache not found' } };
  };
}

const execution = (fields: Record<string, unknown>) => ({
  id: 'e-1',
  status: 'COMPLETED',
  createdAt: '2026-11-22T10:00:00Z',
  updatedAt: '2026-11-22T10:01:00Z',
  finishedAt: '2026-11-22T10:01:00Z',
  progress: { numberOfCachedRecords: 10 },
  ...fields
});
const status = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  status: 'COMPLETED',
  catalogId: 'cat',
  schemaName: 'wh',
  tableName: 't',
  ...fields
});

describe('1. log command injection', () => {
  test('every text field of a status, followed to its end, prints no command of its own', async () => {
    const names = { status: inject('cachestatus'), catalogId: inject('catalog'), schemaName: inject('schema'), tableName: inject('table') };
    const s = await serve(
      peakaLike({
        [CACHE]: (n) =>
          status(CACHE, {
            ...names,
            lastFullRefreshCacheExecution: execution(
              n === 0
                ? { id: 'e-1', status: 'RUNNING', finishedAt: null, progress: { numberOfCachedRecords: 5 } }
                : { id: 'e-1', status: 'FAILED', error: { message: inject('error') } }
            ),
            lastIncrementalCacheExecution: execution({
              id: 'i-1',
              status: inject('incrementalstatus'),
              error: inject('olderror'),
              createdAt: '2026-11-21T10:00:00Z'
            })
          })
      })
    );
    const result = await run(inputs(s.url, { operation: 'wait', 'cache-id': CACHE }));
    expect(result.code).toBe(1);
    expectNoInjection(result);
    // The text is all there, on one line, where it cannot run.
    expect(result.stdout).toMatch(/Full refresh e-1: FAILED.* - error ::error title=INJ::INJECTED/);
    expectOnlyOurElements(result.summary);
  });

  test('error bodies of every shape, in retry lines and the failure, print no command', async () => {
    const bodies: Answer[] = [
      {
        status: 503,
        json: {
          message: inject('message'),
          error: inject('error'),
          detail: inject('detail'),
          title: inject('title'),
          errorCode: inject('code')
        }
      },
      { status: 502, text: inject('text') },
      { status: 500, text: `<html><head><title>${inject('html')}</title></head></html>` },
      { status: 400, json: { message: inject('final') } }
    ];
    const s = await serve((req) => bodies[Math.min(req.n, bodies.length - 1)]);
    // Three retries with backoff may take 7 s: a longer timeout, so that the last answer is read.
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE, timeout: '15s' }));
    expect(result.code).toBe(1);
    expect(s.requests).toHaveLength(4);
    expect(result.annotations.at(-1)!.message).toContain('Peaka answered HTTP 400: final');
    expectNoInjection(result);
  });

  test('names of many caches, which prefix their log lines, print no command', async () => {
    const caches: Record<string, (n: number) => unknown> = {};
    for (let i = 0; i < 3; i++) {
      const id = `c-${i}`;
      caches[id] = (n) =>
        status(id, {
          tableName: inject(`table${i}`),
          lastFullRefreshCacheExecution: execution({ id: `x${i}`, status: n === 0 ? 'RUNNING' : 'COMPLETED' })
        });
    }
    const s = await serve(peakaLike(caches));
    const result = await run(inputs(s.url, { operation: 'wait', 'schema-name': 'wh' }));
    expect(result.stdout).toMatch(/\[wh\.table0/);
    expectNoInjection(result);
    expectOnlyOurElements(result.summary);
  });
});

test('1. ids with line breaks and commands are no ids: nothing of them reaches the log or an output', async () => {
  const s = await serve(
    peakaLike({ [CACHE]: () => status(CACHE, { lastFullRefreshCacheExecution: execution({ id: inject('execution') }) }) })
  );
  const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE }));
  expectNoInjection(result);
  expect(result.outputs['execution-id']).toBeUndefined();
  expect(result.stdout).not.toContain('INJECTED');
});

describe('2. the key, whole or in part, leaks nowhere', () => {
  test('a key echoed at every offset around every cut, raw, JSON-escaped and URL-encoded', async () => {
    const offsets = [0, 5, ...Array.from({ length: 70 }, (_, i) => 150 + i)];
    const bodies: Answer[] = offsets.flatMap((at) => [
      { status: 400, text: `${'x'.repeat(at)}${KEY} and more` },
      { status: 400, json: { message: `${'x'.repeat(at)}${KEY} and more` } },
      { status: 400, text: `${'x'.repeat(at)}${encodeURIComponent(KEY)} and more` }
    ]);
    // Around the 64 KiB cap of an error body: white space collapses, so the key's start would lead the message.
    for (let k = 1; k <= KEY.length + 2; k++) bodies.push({ status: 400, text: `${' '.repeat((64 << 10) - k)}${KEY} and more` });
    const ids = bodies.map((_, i) => uuid(i));
    const s = await serve((req) => {
      const m = statusPath.exec(req.path);
      return m ? bodies[ids.indexOf(m[1])] : { status: 404 };
    });
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': ids.join(','), 'max-parallel': '50' }));
    expect(result.code).toBe(1);
    expect(JSON.parse(result.outputs.result)).toHaveLength(bodies.length);
    expect(result.outputs.result).toContain('***');
  });

  test('an execution error that echoes the key is logged redacted', async () => {
    const s = await serve(
      peakaLike({
        [CACHE]: (n) =>
          status(CACHE, {
            lastFullRefreshCacheExecution: execution(
              n === 0 ? { status: 'RUNNING', finishedAt: null } : { status: 'FAILED', error: `Bad key ${KEY}: rejected` }
            )
          })
      })
    );
    const result = await run(inputs(s.url, { operation: 'wait', 'cache-id': CACHE }));
    expect(result.stdout).toMatch(/^Full refresh e-1: FAILED.* - Bad key \*\*\*: rejected$/m);
  });
});

describe('2b. a key spelled with HTML character references', () => {
  test.each([
    ['hex and decimal references', 'pk_live_aB3/dE+fG9==', 'Unauthorized: API key pk_live_aB3&#x2F;dE&#43;fG9&#61;&#61; is not valid'],
    ['its first letter a reference', 'sim-partner-key-0001', 'Unauthorized: API key &#115;im-partner-key-0001 is not valid'],
    ['named references', 'pk_live_aB3/dE+fG9==', 'Unauthorized: API key pk_live_aB3&sol;dE&plus;fG9&equals;&equals; is not valid']
  ])('%s: redacted in the error, the outputs and the summary', async (_name, key, title) => {
    const s = await serve(() => ({
      status: 401,
      text: `<html><head><title>${title}</title></head><body>no</body></html>`,
      headers: { 'Content-Type': 'text/html' }
    }));
    // The check after each case looks for the key, and every 8 characters of it, everywhere.
    const result = await run({ ...inputs(s.url, { operation: 'status', 'cache-id': CACHE }), 'api-key': key });
    expect(result.code).toBe(1);
    expect(result.annotations.at(-1)!.message).toContain('Unauthorized: API key *** is not valid (HTML error page)');
  });
});

describe('2c. control characters from the API', () => {
  test('an execution error with NUL, ESC, BEL and a bidi override reaches no annotation, output or summary raw', async () => {
    const error = 'A\u0000B\u001b[31mRED\u202eRTL\u0007';
    const s = await serve(
      peakaLike({ [CACHE]: () => status(CACHE, { lastFullRefreshCacheExecution: execution({ status: 'FAILED', error }) }) })
    );
    const result = await run(inputs(s.url, { operation: 'wait', 'cache-id': CACHE }));
    expect(result.code).toBe(1);
    const failure = result.annotations.at(-1)!;
    expect(failure.level).toBe('error');
    expect(failure.message).toContain('A\ufffdB\ufffd[31mRED\ufffdRTL\ufffd');
    // eslint-disable-next-line no-control-regex
    const unsafe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    expect(result.stdout).not.toMatch(unsafe);
    expect(result.summary).not.toMatch(unsafe);
    for (const value of Object.values(result.outputs)) expect(value).not.toMatch(unsafe);
    expect(result.summary).toContain('RED\ufffdRTL');
  });
});

describe('3. HTML error pages are reduced to text in linear time', () => {
  test.each([
    [
      '100,000 "<" in the title (past the 64 KiB cap)',
      `<html><head><title>${'<'.repeat(100_000)}</title></head></html>`,
      'HTTP 500: an HTML error page'
    ],
    [
      '60,000 "<" in the title (within the cap)',
      `<html><head><title>Gateway ${'<'.repeat(60_000)}</title></head></html>`,
      'HTTP 500: Gateway (HTML error page)'
    ]
  ])('%s', async (_name, page, expected) => {
    const s = await serve(() => ({ status: 500, text: page, headers: { 'Content-Type': 'text/html' } }));
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE }));
    expect(result.code).toBe(1);
    expect(result.annotations.at(-1)!.message).toContain(expected);
  });
});

describe('4. bodies are read up to a cap', () => {
  test.each([
    ['an endless JSON body', { endless: true, mbPerSecond: 50 } as Answer],
    ['a gzip bomb (128 MiB of zeros)', { gzipMembers: 8 } as Answer]
  ])('%s is an unreadable answer, not asked for again, and the step fails saying so', async (_name, answer) => {
    const s = await serve(() => answer);
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE }));
    expect(result.code).toBe(1);
    expect(s.requests).toHaveLength(1);
    expect(result.annotations.at(-1)!.message).toMatch(/Peaka's answer could not be read \(an answer larger than 1 MiB\)/);
  });

  test('an endless error body is read up to 64 KiB for its message', async () => {
    const s = await serve((req) =>
      req.n === 0 ? { endless: true, status: 500, mbPerSecond: 50 } : { status: 404, json: { message: 'Cache not found' } }
    );
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE }));
    expect(result.code).toBe(1);
    expect(s.requests).toHaveLength(2);
    expect(result.stdout).toMatch(/Peaka answered HTTP 500: \[\[\[.*\.\.\.; retrying/);
  });
});

describe('5. keys that cannot travel in a header and ids that would change the path are refused', () => {
  test.each([
    ['a zero-width space', 'pk-abc\u200bdef-123456'],
    ['a euro sign', 'pk-abc€def-123456']
  ])('an api-key with %s: refused before any request', async (_name, key) => {
    const s = await serve(() => ({ json: {} }));
    const result = await run({ ...inputs(s.url, { operation: 'status', 'cache-id': CACHE }), 'api-key': key });
    expect(result.code).toBe(1);
    expect(result.annotations[0].message).toMatch(/^Input 'api-key' contains characters that cannot be sent in an HTTP header/);
    expect(s.requests).toHaveLength(0);
  });

  test.each(['..', '.'])('project-id %j: refused before any request', async (projectId) => {
    const s = await serve(() => ({ json: {} }));
    const result = await run({ ...inputs(s.url, { operation: 'status', 'cache-id': CACHE }), 'project-id': projectId });
    expect(result.code).toBe(1);
    expect(result.annotations[0].message).toContain("Input 'project-id'");
    expect(s.requests).toHaveLength(0);
  });

  test('create with names that are dot segments, hold a slash or a backslash: each refused by name', async () => {
    const s = await serve(() => ({ json: {} }));
    const result = await run(inputs(s.url, { operation: 'create', 'catalog-id': 'c\\d', 'schema-name': 'a/b', 'table-name': '..' }));
    expect(result.code).toBe(1);
    const message = result.annotations[0].message;
    for (const name of ['catalog-id', 'schema-name', 'table-name']) expect(message).toContain(`Input '${name}'`);
    expect(s.requests).toHaveLength(0);
  });

  test('cache ids from the API that are dot segments or hold a slash never change the path', async () => {
    const ids = ['..', '.', 'a/b', '../../x', 'ok-1'];
    const s = await serve(
      peakaLike(
        Object.fromEntries(ids.map((id) => [id, () => status(id, { schemaName: 'wh', lastFullRefreshCacheExecution: execution({}) })]))
      )
    );
    const result = await run(inputs(s.url, { operation: 'status', 'schema-name': 'wh' }));
    expect(result.code).toBe(1);
    const read = s.requests
      .filter((r) => r.path !== LIST_PATH)
      .map((r) => decodeURIComponent(statusPath.exec(r.path)?.[1] ?? `unexpected ${r.path}`));
    // Several caches read their statuses through the list; any single read left is of an id that is safe once encoded.
    expect(read.filter((id) => !['../../x', 'a/b', 'ok-1'].includes(id))).toEqual([]);
    const results = JSON.parse(result.outputs.result) as { 'cache-id': string; conclusion: string; message: string }[];
    expect(
      results
        .filter((r) => r.conclusion === 'failure')
        .map((r) => r['cache-id'])
        .sort()
    ).toEqual(['.', '..']);
    expect(results.find((r) => r['cache-id'] === '..')!.message).toMatch(/cache id "\.\.".*cannot be used in a request/);
  });

  test('a create that answers with a dot-segment id sends nothing to another path', async () => {
    const s = await serve((req) => {
      if (req.path.endsWith('/isCached')) return { json: { isCached: false, isCacheable: true } };
      if (req.method === 'POST' && req.path === `/api/v1/data/projects/${PROJECT}/cache`) return { json: { id: '..' } };
      return { status: 404, json: {} };
    });
    const result = await run(inputs(s.url, { operation: 'create', 'catalog-id': '1', 'schema-name': 'wh', 'table-name': 't' }));
    expect(result.code).toBe(1);
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/v1/data/projects/${PROJECT}/catalogs/1/schemas/wh/tables/t/isCached`,
      `POST /api/v1/data/projects/${PROJECT}/cache`
    ]);
  });
});

/** A stand-in for the GitHub REST endpoints comment-on-pr uses. */
async function fakeGitHub(): Promise<{ env: Record<string, string>; comments: string[]; close: () => Promise<void> }> {
  const comments: string[] = [];
  const github: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (code: number, json: unknown) => res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
      if (req.method === 'GET') return send(200, []);
      comments.push((JSON.parse(body) as { body: string }).body);
      send(201, { id: comments.length });
    });
  });
  await new Promise<void>((r) => github.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'gh-event-'));
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ pull_request: { number: 5 } }));
  return {
    env: {
      GITHUB_API_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}`,
      GITHUB_REPOSITORY: 'acme/data',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_SHA: 'abc123',
      GITHUB_WORKFLOW: 'Refresh',
      GITHUB_JOB: 'refresh',
      GITHUB_ACTION: 'peaka'
    },
    comments,
    close: () => new Promise((r) => github.close(() => r()))
  };
}

describe('6. pull request comments mention no one', () => {
  test('@team and #1 from the API are neither mentions nor references', async () => {
    const github = await fakeGitHub();
    try {
      const s = await serve(
        peakaLike({
          [CACHE]: () =>
            status(CACHE, {
              tableName: 'orders @acme/team #1 @octocat',
              lastFullRefreshCacheExecution: execution({ status: 'FAILED', error: 'ask @acme/admins, see #12 and acme/data#3' })
            })
        })
      );
      const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE, 'comment-on-pr': 'true' }), { env: github.env });
      expect(result.code).toBe(0);
      expect(github.comments).toHaveLength(1);
      const text = textOf(github.comments[0]);
      expect(text).toContain('orders');
      expect(text.match(/@[A-Za-z0-9]/g)).toBeNull();
      expect(text.match(/#\d/g)).toBeNull();
      expectOnlyOurElements(github.comments[0].replace(/^<!--.*-->\n/, ''));
    } finally {
      await github.close();
    }
  });
});

describe('7. many caches: totals from parsed values, one message per annotation, bounded summaries', () => {
  const caches = {
    [uuid(1)]: () =>
      status(uuid(1), {
        tableName: 'a',
        lastFullRefreshCacheExecution: execution({
          createdAt: '2026-01-01T10:00:00+01:00',
          finishedAt: '2026-01-01T09:10:00Z',
          progress: { numberOfCachedRecords: 100 }
        })
      }),
    [uuid(2)]: () =>
      status(uuid(2), {
        tableName: 'b',
        lastFullRefreshCacheExecution: execution({
          createdAt: '2026-01-01T09:05:00Z',
          finishedAt: '2026-01-01T10:20:00+01:00',
          progress: { numberOfCachedRecords: '42' }
        })
      })
  };

  test('mixed time zones and a count sent as a string: the true span and the full sum', async () => {
    const s = await serve(peakaLike(caches));
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': Object.keys(caches).join(',') }));
    expect(result.code).toBe(0);
    expect(result.outputs['duration-seconds']).toBe('1200');
    expect(Date.parse(result.outputs['started-at'])).toBe(Date.parse('2026-01-01T09:00:00Z'));
    expect(Date.parse(result.outputs['finished-at'])).toBe(Date.parse('2026-01-01T09:20:00Z'));
    expect(result.outputs['cached-records']).toBe('142');
  });

  test('values that cannot be parsed are left out and named in a warning, never NaN', async () => {
    const s = await serve(
      peakaLike({
        ...caches,
        [uuid(3)]: () =>
          status(uuid(3), {
            tableName: 'c',
            lastFullRefreshCacheExecution: execution({ finishedAt: 'soon', progress: { numberOfCachedRecords: 'lots' } })
          })
      })
    );
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': [uuid(1), uuid(2), uuid(3)].join(',') }));
    expect(result.code).toBe(0);
    const everything = JSON.stringify(result.outputs) + result.summary;
    expect(everything).not.toMatch(/NaN|null/);
    expect(result.outputs['finished-at']).toBeUndefined();
    expect(result.outputs['duration-seconds']).toBeUndefined();
    expect(result.outputs['cached-records']).toBe('142');
    const third = (JSON.parse(result.outputs.result) as Record<string, unknown>[])[2];
    expect(third['finished-at']).toBeUndefined();
    expect(third['cached-records']).toBeUndefined();
    const warnings = result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toHaveLength(1);
    for (const part of ['Cache wh.c:', 'finishedAt "soon"', 'numberOfCachedRecords "lots"']) expect(warnings[0]).toContain(part);
  });

  test('120 failed caches with long names: the summary stays under 1 MiB, the comment under 65,536 characters, the result lists all', async () => {
    const github = await fakeGitHub();
    try {
      const many: Record<string, (n: number) => unknown> = {};
      for (let i = 0; i < 120; i++) {
        many[uuid(i)] = () =>
          status(uuid(i), {
            tableName: `t${i}_${'n'.repeat(5_000)}`,
            lastFullRefreshCacheExecution: execution({ id: `e${i}`, status: 'FAILED', error: `broken ${i} ${'e'.repeat(600)}` })
          });
      }
      const s = await serve(peakaLike(many));
      const result = await run(inputs(s.url, { operation: 'wait', 'schema-name': 'wh', 'max-parallel': '50', 'comment-on-pr': 'true' }), {
        env: github.env
      });
      expect(result.code).toBe(1);
      expect(Buffer.byteLength(result.summary)).toBeLessThan(1 << 20);
      expect(JSON.parse(result.outputs.result)).toHaveLength(120);
      expect(github.comments).toHaveLength(1);
      expect(github.comments[0].length).toBeLessThan(65_536);
      expect(textOf(github.comments[0])).toMatch(/and \d+ more/);
      // One annotation per failed cache would be 120 of them; each carries its own message only.
      const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      for (const e of errors.slice(0, -2)) expect(e.match(/broken \d+/g)).toHaveLength(1);
      expect(errors.length).toBeLessThanOrEqual(12);
      expect(errors.at(-2)).toMatch(/^And 1\d\d more caches did not succeed/);
    } finally {
      await github.close();
    }
  });
});

describe('8. timeout is the whole budget', () => {
  test('a final status read and a cancel-on-timeout that hang end within timeout', async () => {
    let triggeredAt = 0;
    const s = await serve((req) => {
      if (req.method === 'POST' && req.path.endsWith('/fullRefreshUpdate')) {
        triggeredAt = Date.now();
        return { json: {} };
      }
      if (req.method === 'POST') return { hang: true };
      if (triggeredAt && Date.now() - triggeredAt > 1_500) return { hang: true };
      // Its record is created after the trigger (Peaka's clock): one older than that would be another actor's.
      const fresh = { createdAt: new Date(triggeredAt).toISOString(), updatedAt: new Date().toISOString() };
      const running = triggeredAt ? execution({ id: 'new', status: 'RUNNING', finishedAt: null, ...fresh }) : execution({ id: 'old' });
      return { json: status(CACHE, { lastFullRefreshCacheExecution: running }) };
    });
    const result = await run(inputs(s.url, { operation: 'full-refresh', 'cache-id': CACHE, 'cancel-on-timeout': 'true' }));
    expect(result.code).toBe(1);
    expect(result.outputs['timed-out']).toBe('true');
    expect(result.outputs['execution-id']).toBe('new');
    // Before a cancel, the step reads what runs (the cancel stops whatever runs of the kind): that read hangs too, so nothing is cancelled blindly.
    expect(s.requests.some((r) => r.method === 'POST' && r.path.endsWith('/cancelFullRefreshUpdate'))).toBe(false);
    expect(result.annotations.at(-1)!.message).toMatch(/^Timed out after \d\.\ds .*Cancelling it failed: .*The post step will try again/);
    // The process ran no longer than timeout plus its own start and end: no request outlived the budget.
    const last = Math.max(...s.requests.map((r) => r.at));
    expect(last - s.requests[0].at).toBeLessThan(TIMEOUT_MS);
  });
});

describe('9. nothing ends in a stack trace', () => {
  test('an error outside the operation fails the step with its message, redacted', async () => {
    const s = await serve(peakaLike({ [CACHE]: () => status(CACHE, { lastFullRefreshCacheExecution: execution({}) }) }));
    const result = await run(inputs(s.url, { operation: 'status', 'cache-id': CACHE }), {
      env: { GITHUB_OUTPUT: join(tmpdir(), 'missing-dir', KEY, 'output') }
    });
    expect(result.code).toBe(1);
    const error = result.annotations.find((a) => a.level === 'error');
    expect(error?.message).toMatch(/^Unexpected error: .*\*\*\*/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test.each([
    ['not JSON', '{"cacheId":'],
    ['not an object', '[{"cacheId": "x"}]'],
    ['an entry without a cache id', '{"kind": "full-refresh"}']
  ])('post-step state that is %s is a warning saying what may still run', async (_name, started) => {
    const s = await serve(() => ({ json: {} }));
    const result = await run(inputs(s.url, { operation: 'full-refresh', 'cache-id': CACHE }), { state: { 'started-0': started } });
    expect(result.code).toBe(0);
    expect(result.annotations).toEqual([
      {
        level: 'warning',
        message: expect.stringMatching(new RegExp(`^The post step could not read 1 of the 1 entries the main step saved .*${CACHE}`))
      }
    ]);
    expect(s.requests).toHaveLength(0);
  });
});
