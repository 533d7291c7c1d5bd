/**
 * A fake of the GitHub REST endpoints tables-from reads (a pull request's files, a compare, a
 * commit) and comment-on-pr writes (a pull request's comments), on 127.0.0.1; Octokit reaches it
 * through GITHUB_API_URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  url: string;
  calls: { method: string; path: string; auth?: string }[];
  /** pull request number -> its files */
  pulls: Map<number, { filename: string; status: string }[]>;
  /** 'base...head' or a commit sha -> files */
  compares: Map<string, { filename: string; status: string }[]>;
  commits: Map<string, { filename: string; status: string }[]>;
  /** pull request number -> its comments, as the job token's bot wrote them */
  comments: Map<number, { id: number; body: string; user: { login: string; type: string } }[]>;
  /** Answer every request with this status (e.g. 403), when set. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const fake = {
    url: '',
    calls: [],
    pulls: new Map(),
    compares: new Map(),
    commits: new Map(),
    comments: new Map()
  } as unknown as FakeGitHub;
  let nextId = 1;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d));
    req.on('end', () => answer(req, res, text));
  });
  const answer = (req: IncomingMessage, res: ServerResponse, text: string) => {
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
      return files
        ? send(200, { sha: m[1], files: files.slice((page - 1) * perPage, page * perPage) })
        : send(404, { message: 'Not Found' });
    }
    if ((m = /^\/api\/v3\/repos\/acme\/data\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const list = fake.comments.get(Number(m[1])) ?? [];
      if (req.method === 'GET') return send(200, list.slice((page - 1) * perPage, page * perPage));
      const created = {
        id: nextId++,
        body: (JSON.parse(text) as { body: string }).body,
        user: { login: 'github-actions[bot]', type: 'Bot' }
      };
      fake.comments.set(Number(m[1]), [...list, created]);
      return send(201, created);
    }
    if ((m = /^\/api\/v3\/repos\/acme\/data\/issues\/comments\/(\d+)$/.exec(url.pathname)) && req.method === 'PATCH') {
      const comment = [...fake.comments.values()].flat().find((c) => c.id === Number(m![1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = (JSON.parse(text) as { body: string }).body;
      return send(200, comment);
    }
    send(404, { message: 'Not Found' });
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
  fake.close = () => new Promise<void>((r) => server.close(() => r()));
  return fake;
}
