/**
 * tables-from: the tables that the changed migration files touch. This module and everything it
 * imports (the SQL parser, Octokit) are a chunk of their own, loaded only when tables-from is set.
 */
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import picomatch from 'picomatch';
import type { Logger } from '../safe-text.js';
import type { TablesFrom } from '../inputs.js';
import { changedFiles, isSafePath, readEvent } from './changed-files.js';
import type { GitHubBound } from './github-files.js';
import { ActionError } from '../errors.js';
import { ReadingTimeout, loadParser, newReadContext, readMigration } from './sql-parser.js';
import type { MigrationScan, NameRules } from './touches.js';

/** Bounds on what one step reads. */
export const MAX_FILES = 500;
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Statements warned about one by one; the rest are counted in one line. */
export const MAX_STATEMENT_WARNINGS = 50;

export async function scanMigrations(
  options: TablesFrom,
  token: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  bound: GitHubBound = {}
): Promise<MigrationScan> {
  const event = readEvent(env);
  const changed = await changedFiles(event, token, log, bound);
  const isMigration = picomatch(options.globs, { dot: true });
  const matching = changed.files.filter((f) => !f.removed && isMigration(f.path));
  const unsafe = matching.filter((f) => !isSafePath(f.path));
  if (unsafe.length)
    log.warning(`tables-from: ${unsafe.length} changed path${unsafe.length === 1 ? '' : 's'} with control characters or '..' left out.`);
  const files = [...new Set(matching.filter((f) => isSafePath(f.path)).map((f) => f.path))].sort();
  const scan: MigrationScan = {
    source: changed.source,
    changed: changed.files.length,
    files: files.slice(0, MAX_FILES),
    touches: [],
    unreadable: []
  };
  const globs = options.globs.join(', ');
  log.info(
    `tables-from: ${changed.files.length} file${changed.files.length === 1 ? '' : 's'} changed (${changed.source}); ${files.length} match ${globs}${files.length ? `: ${files.slice(0, 20).join(', ')}${files.length > 20 ? ', ...' : ''}` : ''}.`
  );
  if (files.length > MAX_FILES)
    log.warning(`tables-from: ${files.length} migration files changed; only the first ${MAX_FILES} (by path) are read.`);
  if (!files.length) {
    scan.nothingToDo = `No changed file matches tables-from (${globs}) in ${changed.source}; nothing to do.`;
    return scan;
  }

  const parser = await loadParser(options.dialect);
  const rules: NameRules = { dialect: options.dialect, defaultSchema: options.defaultSchema };
  // One context for all the files, in path order: a procedure created in one and called in a later one is read.
  const context = newReadContext(bound.deadline, bound.clock);
  const passedOver: Record<string, number> = {};
  scan.dynamic = [];
  let warned = 0;
  // Past this many, the statements that could not be read are counted, not each warned about (a log of megabytes helps nobody).
  const warn = (line: string) => (++warned <= MAX_STATEMENT_WARNINGS ? log.warning(line) : undefined);
  for (const file of scan.files) {
    // Between files, the run's cancel and the step's other work get their turn.
    await new Promise((resolve) => setImmediate(resolve));
    bound.signal?.throwIfAborted();
    const text = readFile(event.workspace, file, log);
    if (text === undefined) continue;
    let reading: ReturnType<typeof readMigration>;
    try {
      reading = readMigration(parser, text, file, rules, context);
    } catch (err) {
      if (!(err instanceof ReadingTimeout)) throw err;
      throw new ActionError(
        `tables-from: reading the changed migrations took until the step's timeout (stopped at ${err.file} line ${err.line}, file ${scan.files.indexOf(file) + 1} of ${scan.files.length}). A migration this large is slow to parse: raise timeout, or name the caches with 'tables' instead.`
      );
    }
    const { touches, unreadable, unknowable, passedOver: passed } = reading;
    scan.touches.push(...touches);
    for (const u of unreadable) {
      const where = u.file ?? file;
      scan.unreadable.push({ file: where, line: u.line });
      const found = u.touches.length
        ? `; from its first words it ${u.touches[0].statement === 'RENAME' ? 'renames' : 'touches'} ${u.touches.map((t) => `${t.table.schema}.${t.table.table}`).join(u.touches[0].statement === 'RENAME' ? ' to ' : ', ')}, which is counted`
        : "; its tables are unknown: if it changes a cached table, refresh that cache with 'tables'";
      warn(`${where} line ${u.line}: the SQL parser (${options.dialect}) could not read this statement (${u.reason})${found}.`);
    }
    for (const u of unknowable) {
      scan.dynamic.push({ file, line: u.line });
      warn(
        `${file} line ${u.line}: ${u.reason}, so the tables it touches cannot be known; if it changes a cached table, refresh that cache with 'tables'.`
      );
    }
    for (const p of passed) passedOver[p.kind] = (passedOver[p.kind] ?? 0) + 1;
  }
  if (warned > MAX_STATEMENT_WARNINGS)
    log.warning(
      `tables-from: ${warned - MAX_STATEMENT_WARNINGS} more statements could not be read or their tables cannot be known (${warned} in all; the first ${MAX_STATEMENT_WARNINGS} are named above).`
    );
  const passedCount = Object.values(passedOver).reduce((a, b) => a + b, 0);
  if (passedCount) {
    scan.passedOver = passedOver;
    log.info(
      `tables-from: ${passedCount} statement${passedCount === 1 ? '' : 's'} the SQL parser could not read touch no table's data (${describeKinds(passedOver)}); passed over without a warning.`
    );
  }
  return scan;
}

/** `CREATE FUNCTION 12, COMMENT ON 3, ...`, most first. */
export function describeKinds(kinds: Record<string, number>, max = 8): string {
  const sorted = Object.entries(kinds).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, max).map(([k, n]) => `${k} ${n}`);
  return sorted.length > max ? `${shown.join(', ')}, ${sorted.length - max} more kinds` : shown.join(', ');
}

function readFile(workspace: string, file: string, log: Logger): string | undefined {
  let real: string;
  let root: string;
  try {
    real = realpathSync(join(workspace, file));
    root = realpathSync(workspace);
  } catch {
    log.warning(
      `${file} changed but is not in the workspace (${workspace}); it is left out. Check out the repository (actions/checkout) before this step.`
    );
    return undefined;
  }
  // A migration is a regular file inside the workspace: a link out of it (a secret, /dev/zero) is never read.
  const inside = relative(root, real);
  if (inside.startsWith('..') || isAbsolute(inside) || !statSync(real).isFile()) {
    log.warning(`${file} is a link out of the workspace or not a regular file; it is left out.`);
    return undefined;
  }
  const text = readCapped(real, MAX_FILE_BYTES);
  if (text === undefined) {
    log.warning(
      `${file}: more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB tables-from reads; it is left out. Refresh the caches it touches with 'tables'.`
    );
  }
  return text;
}

/** At most `cap` bytes of a file, read in chunks; undefined when it holds more (whatever its size says). */
function readCapped(path: string, cap: number): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(cap + 1);
    let size = 0;
    for (let reads = 0; reads < 10_000 && size <= cap; reads++) {
      const n = readSync(fd, buffer, size, cap + 1 - size, null);
      if (n === 0) break;
      size += n;
    }
    return size > cap ? undefined : buffer.subarray(0, size).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
