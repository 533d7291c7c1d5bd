/** The transport against a real HTTP server on 127.0.0.1 (the simulator, with faults). */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { PeakaApiError } from '../src/peaka/errors.js';
import { Transport, parseRetryAfter, type RequestSpec } from '../src/peaka/transport.js';
import { startHostile } from '../simulator/hostile-server.js';
import { PeakaSimulator, startSimulator } from '../simulator/peaka-simulator.js';
import { settlesWithin } from './helpers/wait-for.js';

const KEY = 'pk-http-test-8a41c2';
let sim: PeakaSimulator;
let cacheId: string;
beforeAll(async () => {
  sim = await startSimulator({ partnerKeys: [KEY] });
  cacheId = sim.addCache().id;
});
afterAll(() => sim.close());
beforeEach(() => sim.clearFaults());

/** A transport whose attempts are counted through its debug log (one line per attempt). */
const transport = (extra: Partial<ConstructorParameters<typeof Transport>[0]> = {}) => {
  let attempts = 0;
  const t = new Transport({
    baseUrl: sim.url,
    apiKey: KEY,
    requestTimeoutMs: 2_000,
    backoffBaseMs: 50,
    backoffCapMs: 200,
    random: () => 1,
    debug: () => attempts++,
    ...extra
  });
  return Object.assign(t, { attempts: () => attempts });
};
const statusRequest = (extra: Partial<RequestSpec> = {}): RequestSpec => ({
  method: 'GET',
  path: `/data/projects/mtKDhe1U/cache/${cacheId}/status?excludeLogs=true`,
  action: 'reading the status',
  retry: true,
  deadline: Date.now() + 20_000,
  ...extra
});
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (err) {
    return err as PeakaApiError;
  }
  throw new Error('expected a failure');
};

test('sends the key as a Bearer token and parses the JSON answer', async () => {
  const response = await transport().request(statusRequest());
  expect(response.status).toBe(200);
  expect((response.json as { id: string }).id).toBe(cacheId);
  expect(sim.requests.at(-1)!.auth).toBe(`Bearer ${KEY}`);
});

describe('retries', () => {
  test.each([
    ['429 with Retry-After', { type: 'status', status: 429, retryAfter: '0' }],
    ['500 with an HTML page', { type: 'status', status: 500, body: 'html' }],
    ['502 with an empty body', { type: 'status', status: 502, body: 'empty' }],
    ['503 with text', { type: 'status', status: 503, body: 'text' }],
    ['408', { type: 'status', status: 408 }],
    ['a dropped connection', { type: 'drop' }],
    ['malformed JSON', { type: 'malformed' }]
  ] as const)('%s is retried and the request succeeds', async (_name, fault) => {
    sim.fault({ ...fault, times: 2, path: '/status' });
    const t = transport();
    const response = await t.request(statusRequest());
    expect(response.status).toBe(200);
    expect(t.attempts()).toBe(3);
  });

  test('a request that hangs is cut at request-timeout and retried', async () => {
    sim.fault({ type: 'hang', path: '/status' });
    const t = transport({ requestTimeoutMs: 300 });
    const from = sim.requests.length;
    await t.request(statusRequest());
    expect(t.attempts()).toBe(2);
    // The first never got an answer: had it not been cut at request-timeout, it would have run to the
    // deadline (20 s away) and left no time for the retry that answered.
    expect(sim.requests.slice(from).map((r) => r.outcome)).toEqual(['hung', 200]);
  });

  test.each([400, 401, 403, 404, 409])('HTTP %d is not retried', async (status) => {
    sim.fault({ type: 'status', status, path: '/status' });
    const t = transport();
    const error = await failure(t.request(statusRequest()));
    expect(error.status).toBe(status);
    expect(t.attempts()).toBe(1);
  });

  test('a request with retry: false is sent once', async () => {
    sim.fault({ type: 'status', status: 503, path: '/status' });
    const t = transport();
    await failure(t.request(statusRequest({ retry: false })));
    expect(t.attempts()).toBe(1);
  });

  test('Retry-After is honoured', async () => {
    sim.fault({ type: 'status', status: 429, retryAfter: '1', path: '/status' });
    const started = Date.now();
    await transport().request(statusRequest());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('a Retry-After past the deadline fails at once instead of waiting', async () => {
    sim.fault({ type: 'status', status: 503, retryAfter: '120', path: '/status' });
    const retries: string[] = [];
    const t = transport({ onRetry: (line) => retries.push(line) });
    // Failing at once is the behaviour: the bound (15 s) is far above a slow machine and far below
    // the deadline (60 s) a wait would have run into.
    const error = await settlesWithin(
      failure(t.request(statusRequest({ deadline: Date.now() + 60_000 }))),
      15_000,
      'the failure of the request'
    );
    expect(error.status).toBe(503);
    expect(t.attempts()).toBe(1);
    expect(retries).toEqual([]);
  });

  test('gives up after the last attempt with a message counting them', async () => {
    sim.fault({ type: 'status', status: 500, body: 'html', times: 10, path: '/status' });
    const error = await failure(transport({ maxAttempts: 3 }).request(statusRequest()));
    expect(error.message).toMatch(
      /^Failed reading the status: Peaka answered HTTP 500: HTTP Status 500 .*\(HTML error page\) after 3 attempts\. Peaka had an internal error/
    );
  });

  test('an abort stops a backoff wait at once', async () => {
    sim.fault({ type: 'status', status: 503, retryAfter: '30', times: 5, path: '/status' });
    const controller = new AbortController();
    // Aborted once the transport has said it waits (the 503 answered), from inside that wait.
    const t = transport({ signal: controller.signal, onRetry: () => setImmediate(() => controller.abort()) });
    // Ending at once is the behaviour: the bound (10 s) is far above a slow machine and far below
    // the 30 s Retry-After a wait that ignored the abort would sleep.
    const error = await settlesWithin(
      failure(t.request(statusRequest({ deadline: Date.now() + 60_000 }))),
      10_000,
      'the end of the request after the abort'
    );
    expect(error.kind).toBe('aborted');
    expect(t.attempts()).toBe(1);
  });
});

test('a refused connection is a network error naming the cause', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  const t = new Transport({
    baseUrl: `http://127.0.0.1:${port}/api/v1`,
    apiKey: KEY,
    requestTimeoutMs: 1_000,
    maxAttempts: 2,
    backoffBaseMs: 10
  });
  const error = await failure(t.request(statusRequest()));
  expect(error.kind).toBe('network');
  expect(error.message).toContain('ECONNREFUSED');
  expect(error.message).not.toContain(KEY);
});

describe('bodies are read up to a cap', () => {
  test.each([
    ['an endless body', { endless: true } as const],
    ['a gzip bomb (64 MiB of zeros)', { gzipMembers: 4 }]
  ])('%s is an unreadable answer after 1 MiB, and is not asked for again (the same answer would come back)', async (_name, answer) => {
    const server = await startHostile(() => answer);
    try {
      const t = new Transport({ baseUrl: server.url, apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 2, backoffBaseMs: 10 });
      const error = await failure(t.request(statusRequest()));
      expect(error.kind).toBe('invalid-response');
      expect(error.message).toContain("Peaka's answer could not be read (an answer larger than 1 MiB). It was not asked for again");
      expect(error.attempts).toBe(1);
    } finally {
      await server.close();
    }
  });

  test('an error body past 64 KiB gives its start as the message, without a key cut in two at the cap', async () => {
    const key = 'pk-cut-key-123456';
    const server = await startHostile(() => ({ status: 400, text: `${' '.repeat((64 << 10) - 5)}${key} rest` }));
    try {
      const error = await failure(new Transport({ baseUrl: server.url, apiKey: key, requestTimeoutMs: 2_000 }).request(statusRequest()));
      expect(error.message).toMatch(/^Failed reading the status: Peaka answered HTTP 400\. /);
      expect(error.message).not.toContain(key.slice(0, 5));
    } finally {
      await server.close();
    }
  });
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  expect(parseRetryAfter('3', now)).toBe(3_000);
  expect(parseRetryAfter(new Date(now + 10_000).toUTCString(), now)).toBe(10_000);
  expect(parseRetryAfter('soon', now)).toBeUndefined();
  expect(parseRetryAfter(null, now)).toBeUndefined();
});

describe('proxy', () => {
  let proxy: Server;
  let proxyUrl: string;
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // A CONNECT proxy on 127.0.0.1 that sends every tunnel to the simulator, whatever host was asked for.
    proxy = createServer();
    proxy.on('connect', (req, client: Socket) => {
      tunnels.push(req.url ?? '');
      const target = new URL(sim.url);
      const upstream = connect(Number(target.port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
      }
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
  });

  const withEnv = async <T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      return await work();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  // The loopback address in its IPv4-mapped IPv6 form: no DNS, and unlike 127.0.0.1 not exempt from proxying.
  const mappedHost = '[::ffff:7f00:1]';
  const viaProxyHost = () => `http://${mappedHost}:${new URL(sim.url).port}/api/v1`;

  test('HTTP_PROXY is used: the request goes through the CONNECT tunnel', async () => {
    const response = await withEnv({ http_proxy: proxyUrl, HTTP_PROXY: proxyUrl, no_proxy: '', NO_PROXY: '' }, () =>
      new Transport({ baseUrl: viaProxyHost(), apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 1 }).request(statusRequest())
    );
    expect(response.status).toBe(200);
    // The tunnel library drops the brackets of an IPv6 host in CONNECT; what matters is that it went through the proxy.
    expect(tunnels.at(-1)).toBe(`::ffff:7f00:1:${new URL(sim.url).port}`);
  });

  test('NO_PROXY bypasses the proxy', async () => {
    const before = tunnels.length;
    const response = await withEnv(
      { http_proxy: proxyUrl, HTTP_PROXY: proxyUrl, no_proxy: `example.com,${mappedHost}`, NO_PROXY: `example.com,${mappedHost}` },
      () => new Transport({ baseUrl: viaProxyHost(), apiKey: KEY, requestTimeoutMs: 2_000, maxAttempts: 1 }).request(statusRequest())
    );
    expect(response.status).toBe(200);
    expect(tunnels.length).toBe(before);
  });
});

test('256 requests at once (max-parallel: 256) are all on the wire together: none waits unsent in the agent', async () => {
  let open = 0;
  let most = 0;
  const held: (() => void)[] = [];
  const server = createServer((_req, res) => {
    most = Math.max(most, ++open);
    const answer = () => {
      open--;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    held.push(answer);
    // Every request is held until all 256 have arrived: with fewer sockets the rest would never come.
    if (held.length === 256) for (const release of held.splice(0)) release();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const t = new Transport({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: KEY,
      requestTimeoutMs: 10_000,
      maxAttempts: 1
    });
    const answers = await Promise.all(Array.from({ length: 256 }, () => t.request(statusRequest())));
    expect(answers).toHaveLength(256);
    expect(most).toBe(256);
  } finally {
    for (const release of held.splice(0)) release();
    server.closeAllConnections();
    server.close();
  }
}, 30_000);

describe('the debug log', () => {
  test('one line per attempt: method, path, outcome, attempt, milliseconds and bytes; never the key', async () => {
    const lines: string[] = [];
    sim.fault({ type: 'status', status: 503, path: '/status' });
    const response = await transport({ debug: (line) => lines.push(line) }).request(statusRequest());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^GET /data/projects/mtKDhe1U/cache/${cacheId}/status\\?excludeLogs=true -> 503 \\(attempt 1 of 6, \\d+ ms\\)$`)
    );
    const bytes = Buffer.byteLength(response.text).toLocaleString('en-US');
    expect(lines[1]).toMatch(new RegExp(`-> 200, ${bytes} bytes \\(attempt 2 of 6, \\d+ ms\\)$`));
    expect(lines.join('\n')).not.toContain(KEY);
  });

  test('a failure without an answer is named by its kind', async () => {
    const lines: string[] = [];
    sim.fault({ type: 'drop', path: '/status' });
    await transport({ debug: (line) => lines.push(line), maxAttempts: 1 })
      .request(statusRequest())
      .catch(() => undefined);
    expect(lines).toEqual([expect.stringMatching(/ -> network \(attempt 1 of 1, \d+ ms\)$/)]);
  });
});
