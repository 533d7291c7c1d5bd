/**
 * A tiny HTTP server on 127.0.0.1 that answers what Peaka never should: injected text, an echoed
 * key, endless bodies, gzip bombs, pages built to slow a parser down, answers that never come.
 * Each test or benchmark case gives it one function from the request to the answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface HostileRequest {
  method: string;
  /** The path and query as received (the client has already resolved any dot segments). */
  path: string;
  body: string;
  /** How many requests with this method and path (without the query) came before this one. */
  n: number;
  at: number;
}

export type Answer =
  | { status?: number; json?: unknown; text?: string; headers?: Record<string, string> }
  /** Headers, then nothing: the client's request timeout must end it. */
  | { hang: true }
  /** 200 with a body that never ends; `mbPerSecond` throttles it (unthrottled without). */
  | { endless: true; status?: number; mbPerSecond?: number }
  /** A JSON-typed body of `gzipMembers` gzip members of 16 MiB of zeros each (about 16 KiB each on the wire). */
  | { gzipMembers: number; status?: number };

export interface HostileServer {
  url: string;
  requests: HostileRequest[];
  close(): Promise<void>;
}

let member: Buffer | undefined;
/** 16 MiB of zeros, gzipped: about 16 KiB. */
function gzipMember(): Buffer {
  member ??= gzipSync(Buffer.alloc(16 << 20), { level: 9 });
  return member;
}

export async function startHostile(answer: (req: HostileRequest) => Answer | Promise<Answer>): Promise<HostileServer> {
  const requests: HostileRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const bare = path.split('?')[0];
      const n = requests.filter((r) => r.method === req.method && r.path.split('?')[0] === bare).length;
      const request = { method: req.method ?? 'GET', path, body, n, at: Date.now() };
      requests.push(request);
      void Promise.resolve(answer(request)).then((a) => send(res, a));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  };
}

function send(res: ServerResponse, answer: Answer): void {
  if ('hang' in answer) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    return;
  }
  if ('endless' in answer) {
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
    const chunk = Buffer.alloc(64 << 10, '[');
    const perTick = answer.mbPerSecond ? Math.max(1, Math.round((answer.mbPerSecond * 1e6) / chunk.length / 50)) : Infinity;
    let stopped = false;
    res.on('close', () => (stopped = true));
    const pump = () => {
      for (let i = 0; i < perTick && !stopped; i++) if (!res.write(chunk)) return void res.once('drain', pump);
      if (!stopped) setTimeout(pump, answer.mbPerSecond ? 20 : 0);
    };
    pump();
    return;
  }
  if ('gzipMembers' in answer) {
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    let left = answer.gzipMembers;
    let stopped = false;
    res.on('close', () => (stopped = true));
    const pump = () => {
      while (left > 0 && !stopped) {
        left--;
        if (!res.write(gzipMember())) return void res.once('drain', pump);
      }
      if (!stopped) res.end();
    };
    pump();
    return;
  }
  const isJson = answer.json !== undefined;
  const body = isJson ? JSON.stringify(answer.json) : (answer.text ?? '');
  res.writeHead(answer.status ?? 200, { 'Content-Type': isJson ? 'application/json' : 'text/plain', ...answer.headers });
  res.end(body);
}
