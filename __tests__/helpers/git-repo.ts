/**
 * A git repository built in a test: commits of given files, for the changed-file discovery of
 * tables-from (a workspace with its history, as actions/checkout with fetch-depth: 0 leaves it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestRepo {
  dir: string;
  /** Writes (content) or deletes (null) files, commits, and returns the new commit's sha. */
  commit(files: Record<string, string | null>, message?: string): string;
  git(...args: string[]): string;
}

export function createRepo(): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'peaka-repo-'));
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      ['-C', dir, '-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args],
      { encoding: 'utf8' }
    ).trim();
  git('init', '-q', '-b', 'main');
  return {
    dir,
    git,
    commit(files, message = 'change') {
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) rmSync(full);
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    }
  };
}

/** An event payload file as the runner writes it, and the environment that points at it. */
export function eventEnv(name: string, payload: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'peaka-event-'));
  writeFileSync(join(dir, 'event.json'), JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: join(dir, 'event.json'), GITHUB_REPOSITORY: 'acme/data', ...extra };
}
