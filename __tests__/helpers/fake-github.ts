/**
 * A fake of the GitHub REST endpoints tables-from reads (a pull request's files, a compare, a
 * commit), on 127.0.0.1; Octokit reaches it through GITHUB_API_URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  url: string;
  calls: { method: string; path: string; auth?: string }[];
  /** pull request number -> its files */
  pulls: Map<number, { filename: string; status: string }[]>;
  /** 'base...head' or a commit sha -> files */
  compares: Map<string, { filename: string; status: string }[]>;
  commits: Map<string, { filename: string; status: string }[]>;
  /** Answer every request with this status (e.g. 403), when set. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const fake = { url: '', calls: [], pulls: new Map(), compares: new Map(), commits: new Map() } as unknown as FakeGitHub;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    fake.calls.push({ method: req.method ?? '', path: url.pathname + url.search, auth: req.headers.authorization });
    const send = (status: number, json: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
    if (fake.failWith) return send(fake.failWith, { message: 'Resource not accessible by integration' });
    const page = Number(url.searchParams.get('page') ?? 1);
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/v3\/repos\/acme\/data\/pulls\/(\d+)\/files$/.exec(url.pathname))) {
      const files = fake.pulls.get(Number(m[1]));
      return files ? send(200, files.slice((page - 1) * perPage, page * perPage)) : send(404, { message: 'Not Found' });
    }
    if ((m = /^\/api\/v3\/repos\/acme\/data\/compare\/(.+)$/.exec(url.pathname))) {
      const files = fake.compares.get(decodeURIComponent(m[1]));
      return files ? send(200, { status: 'ahead', commits: [], files: files.slice(0, 300) }) : send(404, { message: 'Not Found' });
    }
    if ((m = /^\/api\/v3\/repos\/acme\/data\/commits\/(\w+)$/.exec(url.pathname))) {
      const files = fake.commits.get(m[1]);
      return files ? send(200, { sha: m[1], files: files.slice((page - 1) * perPage, page * perPage) }) : send(404, { message: 'Not Found' });
    }
    send(404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}
