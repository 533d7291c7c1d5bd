/**
 * A tiny HTTP server on 127.0.0.1 that answers each request with the next answer of a script, for
 * tests that need exact control of a sequence (a 502, then a 409; a request that hangs until the
 * test aborts it). It records what it saw, and tells when a request arrives.
 */
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { realClock, type Clock } from '../../src/clock.js';

export type ScriptedAnswer =
  | { status: number; retryAfter?: string; body?: string }
  /** The connection is closed without an answer. */
  | 'drop'
  /** No answer until the client gives up or the server closes. */
  | 'hang';

export interface SeenRequest {
  method: string;
  path: string;
  at: number;
}

export class ScriptedServer {
  url = '';
  readonly requests: SeenRequest[] = [];
  /** Emits 'request' (with the SeenRequest) as each request arrives. */
  readonly events = new EventEmitter();
  private readonly script: ScriptedAnswer[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  /** `clock`: whose time `at` is (the virtual one the client runs on, or the real one). */
  constructor(clock: Clock = realClock) {
    this.server = createServer((req, res) => {
      const seen = { method: req.method ?? 'GET', path: req.url ?? '/', at: clock.now() };
      this.requests.push(seen);
      req.resume();
      req.on('end', () => {
        // When the script runs out, Peaka takes the request: 200 with an empty JSON object.
        const answer = this.script.shift() ?? { status: 200, body: '{}' };
        this.events.emit('request', seen);
        if (answer === 'hang') return;
        if (answer === 'drop') return void req.socket.destroy();
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (answer.retryAfter !== undefined) headers['Retry-After'] = answer.retryAfter;
        res.writeHead(answer.status, headers).end(answer.body ?? JSON.stringify({ message: `scripted ${answer.status}` }));
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
    return this;
  }

  /** The answers to the next requests, in order (appended to what is left of the script). */
  answer(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** Forgets the script and the requests seen (between tests). */
  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
  }

  /** Resolves when the next request arrives; rejects after `timeoutMs`. */
  nextRequest(timeoutMs = 5_000): Promise<SeenRequest> {
    return once(this.events, 'request', { signal: AbortSignal.timeout(timeoutMs) }).then(([seen]) => seen as SeenRequest);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function startScriptedServer(clock?: Clock): Promise<ScriptedServer> {
  return new ScriptedServer(clock).start();
}
