/**
 * Every input, read once and validated before any request is sent.
 * Problems are collected so that a user fixes all of them in one go.
 */
import * as core from '@actions/core';
import { parseDuration, parseIsoDuration } from './duration.js';
import { ActionError } from './errors.js';
import { addSecret, say } from './safe-text.js';
import type { SqlDialect } from './migrations/touches.js';
import type { ExecutionKind, ScheduleSetting, ScheduleUpdate } from './peaka/client.js';

export const OPERATIONS = [
  'full-refresh',
  'incremental',
  'status',
  'cancel-full-refresh',
  'cancel-incremental',
  'create',
  'wait',
  'update-schedule',
  'delete',
  'history'
] as const;
export type Operation = (typeof OPERATIONS)[number];
export const IF_RUNNING = ['queue', 'attach', 'skip', 'cancel'] as const;
export type IfRunning = (typeof IF_RUNNING)[number];
export const SQL_DIALECTS: readonly SqlDialect[] = ['postgresql', 'mysql'];

export const REGION_URLS = {
  us: 'https://partner.peaka.studio/api/v1',
  eu: 'https://partner.eu.peaka.studio/api/v1'
} as const;

/** What every operation reads. */
export interface CommonInputs {
  apiKey: string;
  projectId: string;
  baseUrl: string;
  /** The whole step's budget. */
  timeoutMs: number;
  pollIntervalMs: number;
  /** How long the execution followed may show no change before the step calls it stalled; 0: never. */
  stallTimeoutMs: number;
  requestTimeoutMs: number;
  cancelOnTimeout: boolean;
  cancelOnAbort: boolean;
  failOnError: boolean;
  summary: boolean;
  commentOnPr: boolean;
  githubToken: string;
  maxParallel: number;
  /** min-records / max-drop: the volume gate (operations/volume.ts); undefined when neither is set. */
  volume?: VolumeGate;
}
/** max-drop as a percentage (30 for 30%). */
export type VolumeGate = { minRecords?: number; maxDropPercent?: number };

/** How an operation on existing caches chooses them: exactly one of these is set, or `cacheIds` is not empty. */
export interface CacheChoice {
  /** Every cache named in `cache-id`. */
  cacheIds: string[];
  /** Without cache-id: every cache of this catalog and/or schema. */
  selection?: { catalogId?: string; schemaName?: string };
  /** `tables`: schema.table patterns that choose the caches (instead of cache-id). */
  tables?: TablePatterns;
  /** `tables-from`: the caches of the tables that changed migration files touch. */
  tablesFrom?: TablesFrom;
}
export type TablePatterns = { patterns: string[]; catalogId?: string; allowNoMatch: boolean };
export type TablesFrom = { globs: string[]; dialect: SqlDialect; defaultSchema: string; catalogId?: string };

/** full-refresh, incremental. */
export interface TriggerInputs extends CommonInputs, CacheChoice {
  operation: 'full-refresh' | 'incremental';
  wait: boolean;
  ifRunning: IfRunning;
  /** Skip caches whose last success of this kind is younger than this. */
  maxAgeMs?: number;
}
export interface CancelInputs extends CommonInputs, CacheChoice {
  operation: 'cancel-full-refresh' | 'cancel-incremental';
  wait: boolean;
}
/** status and wait: `max-age` makes them a freshness gate. */
export interface InspectInputs extends CommonInputs, CacheChoice {
  operation: 'status' | 'wait';
  /** Which kind of execution to follow or judge (undefined: either). */
  executionType?: ExecutionKind;
  /** For wait: the one execution to follow (an earlier step's execution-id output), not whatever runs. */
  executionId?: string;
  maxAgeMs?: number;
}
export interface HistoryInputs extends CommonInputs, CacheChoice {
  operation: 'history';
  historyLimit: number;
}
export interface CreateInputs extends CommonInputs {
  operation: 'create';
  create: { catalogId: string; schemaName: string; tableName: string; fullRefreshSchedule?: string; incrementalSchedule?: string };
  ifExists: 'fail' | 'reuse';
  wait: boolean;
}
export interface UpdateScheduleInputs extends CommonInputs, CacheChoice {
  operation: 'update-schedule';
  schedules: ScheduleUpdate;
}
export interface DeleteInputs extends CommonInputs, CacheChoice {
  operation: 'delete';
}

/** Every input, read once: each operation's variant carries exactly what it uses. */
export type Inputs = TriggerInputs | CancelInputs | InspectInputs | HistoryInputs | CreateInputs | UpdateScheduleInputs | DeleteInputs;
/** The operations that act on existing caches. */
export type OnCachesInputs = Exclude<Inputs, CreateInputs>;

/** Raised for bad inputs; its message is shown to the user as it is. */
export class InputError extends ActionError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} inputs need fixing:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InputError';
  }
}

type Read = (name: string) => string;

/** The most caches worked on at once: their status reads share one list read per tick, so many are cheap. */
export const MAX_PARALLEL = 256;

const LIMITS = {
  timeout: { min: 1_000, max: 5 * 86_400_000, text: 'between 1s and 5d' },
  'poll-interval': { min: 1_000, max: 3_600_000, text: 'between 1s and 1h' },
  'request-timeout': { min: 1_000, max: 600_000, text: 'between 1s and 10m' },
  'max-age': { min: 1_000, max: 400 * 86_400_000, text: 'between 1s and 400d' },
  'stall-timeout': { min: 1_000, max: 5 * 86_400_000, text: '0 (off) or between 1s and 5d' }
} as const;
/** Durations where 0 means "off". */
const ZERO_IS_OFF: readonly string[] = ['stall-timeout'];

// eslint-disable-next-line no-control-regex -- control characters are exactly what these refuse
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;
/** What an HTTP header value can carry without trouble: visible ASCII. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;
/** The longest catalog id, schema or table name accepted (PostgreSQL's and MySQL's identifiers are far shorter). */
const NAME_MAX = 255;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const SCHEDULE_INPUTS = ['full-refresh-schedule', 'incremental-schedule'] as const;
/** Operations that act on existing caches, one or many. */
const ON_CACHES: Operation[] = [
  'full-refresh',
  'incremental',
  'status',
  'cancel-full-refresh',
  'cancel-incremental',
  'wait',
  'update-schedule',
  'history'
];
const CACHE_EXAMPLE = '960bd651-7b3c-4511-9a88-18e14ac7742a';
const MAX_AGE_OPERATIONS: Operation[] = ['status', 'wait', 'full-refresh', 'incremental'];
/** Defaults of the table inputs in action.yml: the runner passes them to every operation. */
const TABLE_DEFAULTS = { 'sql-dialect': 'postgresql', 'default-schema': 'public' } as const;

/** Every input of action.yml (inputs.test.ts holds the two equal). */
export const INPUT_NAMES = [
  'operation',
  'api-key',
  'project-id',
  'cache-id',
  'tables',
  'allow-no-match',
  'tables-from',
  'sql-dialect',
  'default-schema',
  'region',
  'api-url',
  'wait',
  'timeout',
  'poll-interval',
  'stall-timeout',
  'request-timeout',
  'cancel-on-timeout',
  'cancel-on-abort',
  'fail-on-error',
  'catalog-id',
  'schema-name',
  'table-name',
  'full-refresh-schedule',
  'incremental-schedule',
  'summary',
  'max-parallel',
  'if-running',
  'if-exists',
  'execution-id',
  'execution-type',
  'max-age',
  'confirm-delete',
  'history-limit',
  'min-records',
  'max-drop',
  'comment-on-pr',
  'github-token'
] as const;

/** An input the step passed under another spelling (`projectId:`), which the runner gives as INPUT_PROJECTID and nothing reads. */
export interface Misspelling {
  input: string;
  /** How the step probably wrote it: the runner upper-cases the name, so the case is a guess (projectId, project_id). */
  spelled: string;
  variable: string;
}

/**
 * The INPUT_* variables that name no input but one up to case, `-` and `_`. The runner upper-cases
 * an input's name and turns spaces into `_` (keeping `-`): project-id arrives as INPUT_PROJECT-ID.
 */
export function misspelledInputs(variables: readonly string[]): Misspelling[] {
  const squash = (name: string) => name.toLowerCase().replace(/[-_ ]/g, '');
  const found: Misspelling[] = [];
  for (const variable of variables) {
    if (!variable.startsWith('INPUT_')) continue;
    const written = variable.slice('INPUT_'.length);
    const input = INPUT_NAMES.find((name) => squash(name) === squash(written));
    if (!input || written === input.toUpperCase()) continue;
    const spelled = /[-_]/.test(written) ? written.toLowerCase() : input.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
    found.push({ input, spelled, variable });
  }
  return found;
}

/**
 * Reads the inputs through @actions/core. The runner masks the API key first (index.ts); it is
 * redacted from then on. An input spelled another way is named: in the error when the inputs are
 * refused, else in a warning (its value is not used).
 */
export function readInputs(read: Read = (name) => core.getInput(name), variables: readonly string[] = Object.keys(process.env)): Inputs {
  addSecret(read('api-key').trim());
  const misspelt = misspelledInputs(variables);
  const inputs = parseInputs(read, misspelt);
  for (const m of misspelt)
    say.warning(
      `Input '${m.input}' was passed as ${m.spelled} (the runner's ${m.variable}), which this action does not read, so its value is not used: inputs are spelled ${m.input}.`
    );
  return inputs;
}

export function parseInputs(read: Read, misspelt: readonly Misspelling[] = []): Inputs {
  const problems: string[] = [];
  const get = (name: string) => read(name).trim();
  const show = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

  const operationText = get('operation').toLowerCase();
  const operation = OPERATIONS.find((op) => op === operationText);
  if (!operationText) problems.push(`Input 'operation' is required. Use one of: ${OPERATIONS.join(', ')}.`);
  else if (!operation)
    problems.push(`Input 'operation' is ${show(get('operation'))}, which is not an operation. Use one of: ${OPERATIONS.join(', ')}.`);

  const apiKey = get('api-key');
  if (!apiKey)
    problems.push(
      `Input 'api-key' is required. Pass a Peaka Partner or Project API key from a secret: api-key: \${{ secrets.PEAKA_API_KEY }}.`
    );
  else if (SPACE_OR_CONTROL.test(apiKey))
    problems.push(`Input 'api-key' contains white space or control characters; an API key is one word. Check the secret's value.`);
  else if (!HEADER_SAFE.test(apiKey)) {
    const at = [...apiKey].findIndex((c) => !HEADER_SAFE.test(c));
    const char = [...apiKey][at].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    problems.push(
      `Input 'api-key' contains characters that cannot be sent in an HTTP header (character ${at + 1} is U+${char}); an API key has only visible ASCII letters, digits and punctuation. Check the secret's value for a stray or invisible character.`
    );
  }

  const projectId = get('project-id');
  if (!projectId) problems.push(`Input 'project-id' is required: the id of the Peaka project that owns the cache (e.g. mtKDhe1U).`);
  else if (!PROJECT_ID.test(projectId) || isDotSegment(projectId))
    problems.push(
      `Input 'project-id' is ${show(projectId)}; a project id has only letters, digits, '_', '.' and '-', and is not '.' or '..' (e.g. mtKDhe1U).`
    );

  const cacheText = get('cache-id');
  // The same UUID in two letter cases is one cache: lower-cased, as Peaka writes its ids.
  const cacheIds = [
    ...new Set(
      cacheText
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((id) => (UUID.test(id) ? id.toLowerCase() : id))
    )
  ];
  const catalogId = get('catalog-id');
  const schemaName = get('schema-name');
  let selection: CacheChoice['selection'];
  if (operation && operation !== 'create') {
    for (const id of cacheIds) {
      if (!UUID.test(id))
        problems.push(
          `Input 'cache-id' has ${show(id)}, which is not a cache id; a cache id is a UUID such as ${CACHE_EXAMPLE} (several: one per line or comma-separated).`
        );
    }
    for (const [name, value] of [
      ['catalog-id', catalogId],
      ['schema-name', schemaName]
    ]) {
      const problem = value ? pathProblem(name, value, show) : undefined;
      if (problem) problems.push(problem);
    }
    const byName = !!(get('tables') || get('tables-from'));
    const selects = ON_CACHES.includes(operation) && (catalogId || schemaName) && !byName;
    if (cacheIds.length && selects)
      problems.push(`Inputs 'cache-id' and 'catalog-id'/'schema-name' both choose caches; give one or the other.`);
    else if (selects) selection = { catalogId: catalogId || undefined, schemaName: schemaName || undefined };
    else if (!cacheIds.length && !byName)
      problems.push(
        `Input 'cache-id' is required for operation '${operation}': the UUID of the cache (e.g. ${CACHE_EXAMPLE})${ON_CACHES.includes(operation) ? ", or select caches with 'catalog-id' and/or 'schema-name', or by table name with 'tables'" : ", or name the table in 'tables'"}.`
      );
    if (!ON_CACHES.includes(operation) && (catalogId || schemaName) && !byName)
      problems.push(`Inputs 'catalog-id' and 'schema-name' are not used by operation '${operation}'; remove them.`);
    if (operation === 'delete' && cacheIds.length > 1)
      problems.push(`Operation 'delete' takes one cache-id at a time; it got ${cacheIds.length}.`);
    if (get('table-name')) problems.push(`Input 'table-name' is only used by operation 'create'; remove it or set operation: create.`);
    for (const name of SCHEDULE_INPUTS) {
      if (get(name) && operation !== 'update-schedule')
        problems.push(`Input '${name}' is only used by operations 'create' and 'update-schedule'; remove it.`);
    }
  }
  if (operation === 'create' && cacheText)
    problems.push(
      `Input 'cache-id' is not used by operation 'create': Peaka assigns the id, and the step outputs it as 'cache-id'. Remove the input.`
    );

  const baseUrl = parseBaseUrl(get('region'), get('api-url'), problems, show);

  const bool = (name: string, fallback: boolean) => {
    const value = get(name).toLowerCase();
    if (value === '') return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    problems.push(`Input '${name}' is ${show(get(name))}; use true or false.`);
    return fallback;
  };
  const duration = (name: keyof typeof LIMITS, fallback: number) => {
    const text = get(name);
    if (text === '') return fallback;
    const ms = parseDuration(text);
    const limit = LIMITS[name];
    if (ms === undefined) {
      problems.push(
        `Input '${name}' is ${show(text)}, which is not a duration. Use seconds (90), units (90s, 15m, 2h, 1h30m) or ISO-8601 (PT1H30M).`
      );
      return fallback;
    }
    if (ms === 0 && ZERO_IS_OFF.includes(name)) return 0;
    if (ms < limit.min || ms > limit.max) {
      problems.push(`Input '${name}' is ${show(text)}; it must be ${limit.text}.`);
      return fallback;
    }
    return ms;
  };

  const choice = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = get(name).toLowerCase();
    if (value === '') return fallback;
    const found = allowed.find((a) => a === value);
    if (!found) problems.push(`Input '${name}' is ${show(get(name))}; use one of: ${allowed.join(', ')}.`);
    return found ?? fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const text = get(name);
    if (text === '') return fallback;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      problems.push(`Input '${name}' is ${show(text)}; use a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return Number(text);
  };

  const maxAgeMs = get('max-age') ? duration('max-age', 0) || undefined : undefined;
  if (maxAgeMs !== undefined && operation && !MAX_AGE_OPERATIONS.includes(operation))
    problems.push(`Input 'max-age' is only used by operations ${MAX_AGE_OPERATIONS.join(', ')}; remove it.`);
  const executionType = choice('execution-type', ['any', 'full-refresh', 'incremental'] as const, 'any');
  const volume = parseVolumeGate(get, operation, problems, show);
  // The runner passes every input's default, so only a value other than the default was really set.
  if (executionType !== 'any' && operation !== 'wait' && !(operation === 'status' && (maxAgeMs !== undefined || volume)))
    problems.push(
      `Input 'execution-type' is only used by operation 'wait', and by 'status' with 'max-age', 'min-records' or 'max-drop'; remove it.`
    );
  const executionId = get('execution-id') || undefined;
  if (executionId !== undefined) {
    if (operation !== 'wait') problems.push(`Input 'execution-id' is only used by operation 'wait'; remove it.`);
    else if (executionId.length > 200 || SPACE_OR_CONTROL.test(executionId) || /[/\\]/.test(executionId))
      problems.push(
        `Input 'execution-id' is ${show(executionId)}, which is not an execution id; pass the execution-id output of the step that started it.`
      );
    else if (cacheIds.length !== 1 || get('tables') || get('tables-from') || catalogId || schemaName)
      problems.push(
        `Input 'execution-id' names one execution of one cache: give that cache in 'cache-id' (one id), and no other way of choosing caches.`
      );
  }
  const byTable = operation ? parseTableInputs(get, operation, { cacheIds, catalogId, schemaName }, problems, show, bool) : {};
  const confirm = get('confirm-delete');
  if (operation === 'delete' && byTable.tables && confirm !== byTable.tables.patterns[0])
    problems.push(
      `Operation 'delete' is irreversible: set input 'confirm-delete' to the table named in 'tables' (${byTable.tables.patterns[0]}) to confirm${confirm ? `; it is ${show(confirm)}` : ''}.`
    );
  else if (operation === 'delete' && cacheIds.length === 1 && confirm.toLowerCase() !== cacheIds[0].toLowerCase())
    problems.push(
      `Operation 'delete' is irreversible: set input 'confirm-delete' to the cache id (${cacheIds[0]}) to confirm${confirm ? `; it is ${show(confirm)}` : ''}.`
    );
  if (confirm && operation !== 'delete') problems.push(`Input 'confirm-delete' is only used by operation 'delete'; remove it.`);

  const common: CommonInputs = {
    apiKey,
    projectId,
    baseUrl,
    timeoutMs: duration('timeout', 3_600_000),
    pollIntervalMs: duration('poll-interval', 30_000),
    stallTimeoutMs: duration('stall-timeout', 1_800_000),
    requestTimeoutMs: duration('request-timeout', 30_000),
    cancelOnTimeout: bool('cancel-on-timeout', false),
    cancelOnAbort: bool('cancel-on-abort', true),
    failOnError: bool('fail-on-error', true),
    summary: bool('summary', true),
    commentOnPr: bool('comment-on-pr', false),
    githubToken: get('github-token'),
    maxParallel: integer('max-parallel', 4, 1, MAX_PARALLEL),
    volume
  };
  const wait = bool('wait', true);
  const ifRunning = choice('if-running', IF_RUNNING, 'queue');
  const ifExists = choice('if-exists', ['fail', 'reuse'] as const, 'fail');
  const historyLimit = integer('history-limit', 10, 1, 100);
  // Inputs only some operations use: the runner passes their defaults to every operation, so only a
  // value the workflow really set (another than the default) is a mistake elsewhere.
  const onlyFor = (name: string, set: boolean, used: Operation[]) => {
    if (operation && set && !used.includes(operation))
      problems.push(
        `Input '${name}' is only used by operation${used.length > 1 ? 's' : ''} ${used.map((o) => `'${o}'`).join(' and ')}; remove it.`
      );
  };
  onlyFor('if-running', ifRunning !== 'queue', ['full-refresh', 'incremental']);
  onlyFor('if-exists', ifExists !== 'fail', ['create']);
  onlyFor('history-limit', historyLimit !== 10, ['history']);
  if (common.commentOnPr && !common.githubToken)
    problems.push(
      `Input 'github-token' is empty but comment-on-pr is true; pass \${{ github.token }} (the default) or a token that may write pull request comments.`
    );

  const choose: CacheChoice = { cacheIds, selection, ...byTable };
  let inputs: Inputs | undefined;
  switch (operation) {
    case 'full-refresh':
    case 'incremental':
      inputs = { ...common, ...choose, operation, wait, ifRunning, maxAgeMs };
      break;
    case 'cancel-full-refresh':
    case 'cancel-incremental':
      inputs = { ...common, ...choose, operation, wait };
      break;
    case 'status':
    case 'wait':
      inputs = {
        ...common,
        ...choose,
        operation,
        executionType: executionType === 'any' ? undefined : executionType,
        executionId,
        maxAgeMs
      };
      break;
    case 'history':
      inputs = { ...common, ...choose, operation, historyLimit };
      break;
    case 'delete':
      inputs = { ...common, ...choose, operation };
      break;
    case 'create': {
      const required = (name: string, example: string) => {
        const value = get(name);
        const problem = value ? pathProblem(name, value, show) : `Input '${name}' is required for operation 'create' (e.g. ${example}).`;
        if (problem) problems.push(problem);
        return value;
      };
      const schedule = (name: string) => {
        const value = parseSchedule(name, get(name), problems, show, false);
        return value && value !== 'none' ? value.expression : undefined;
      };
      const create = {
        catalogId: required('catalog-id', '627249916703408649'),
        schemaName: required('schema-name', 'payment'),
        tableName: required('table-name', 'customers'),
        fullRefreshSchedule: schedule('full-refresh-schedule'),
        incrementalSchedule: schedule('incremental-schedule')
      };
      inputs = { ...common, operation, create, ifExists, wait };
      break;
    }
    case 'update-schedule': {
      const fullRefresh = parseSchedule('full-refresh-schedule', get('full-refresh-schedule'), problems, show, true);
      const incremental = parseSchedule('incremental-schedule', get('incremental-schedule'), problems, show, true);
      if (!get('full-refresh-schedule') && !get('incremental-schedule'))
        problems.push(
          `Operation 'update-schedule' needs 'full-refresh-schedule' and/or 'incremental-schedule': an ISO-8601 duration such as PT6H, or none to turn it off.`
        );
      inputs = { ...common, ...choose, operation, schedules: { fullRefresh, incremental } };
      break;
    }
    default:
      // Every operation of OPERATIONS has a branch above: a new one does not compile until it has.
      if (operation !== undefined) return unhandled(operation);
  }
  if (problems.length || !inputs) throw new InputError(withMisspellings(problems, misspelt));
  return inputs;
}

/** The operations whose execution a volume gate can judge. */
const VOLUME_OPERATIONS: Operation[] = ['full-refresh', 'incremental', 'create', 'status', 'wait'];

/** min-records (a whole number) and max-drop (a percentage: 30%): the volume gate, undefined when neither is set. */
function parseVolumeGate(
  get: (name: string) => string,
  operation: Operation | undefined,
  problems: string[],
  show: (v: string) => string
): VolumeGate | undefined {
  const minText = get('min-records');
  const dropText = get('max-drop');
  if (!minText && !dropText) return undefined;
  const gate: VolumeGate = {};
  if (minText) {
    const plain = minText.replace(/[,_]/g, '');
    if (/^\d{1,15}$/.test(plain)) gate.minRecords = Number(plain);
    else problems.push(`Input 'min-records' is ${show(minText)}; use a whole number of records from 0 up, such as 1000.`);
  }
  if (dropText) {
    const m = /^(\d{1,3}(?:\.\d{1,2})?)\s*%$/.exec(dropText);
    if (m && Number(m[1]) <= 100) gate.maxDropPercent = Number(m[1]);
    else problems.push(`Input 'max-drop' is ${show(dropText)}; use a percentage from 0% to 100% with its % sign, such as 30%.`);
  }
  for (const name of ['min-records', 'max-drop'])
    if (operation && get(name) && !VOLUME_OPERATIONS.includes(operation))
      problems.push(`Input '${name}' is only used by operations ${VOLUME_OPERATIONS.join(', ')}; remove it.`);
  return gate;
}

function unhandled(operation: never): never {
  throw new Error(`parseInputs: operation ${String(operation)} has no inputs variant`);
}

/** Each input spelled another way is named at its input's problem (project-id is required), or as a problem of its own. */
function withMisspellings(problems: string[], misspelt: readonly Misspelling[]): string[] {
  const all = [...problems];
  for (const { input, spelled, variable } of misspelt) {
    const hint = `You passed ${spelled} (the runner's ${variable}); inputs are spelled ${input}.`;
    const at = all.findIndex((p) => p.startsWith(`Input '${input}' `));
    if (at >= 0) all[at] = `${all[at]} ${hint}`;
    else
      all.push(
        `Input '${input}' was passed as ${spelled} (the runner's ${variable}), which this action does not read: inputs are spelled ${input}.`
      );
  }
  return all;
}

const isDotSegment = (value: string) => value === '.' || value === '..';

/**
 * Ids and names go into request paths: one that is a dot segment, or holds a slash, a backslash or
 * a control character, would send the request elsewhere or break it.
 */
function pathProblem(name: string, value: string, show: (v: string) => string): string | undefined {
  // Peaka's ids and SQL names are short: a longer value would only make huge requests and step state.
  if (value.length > NAME_MAX)
    return `Input '${name}' is ${value.length.toLocaleString('en-US')} characters long; a ${name.replace('-', ' ')} has at most ${NAME_MAX}.`;
  if (isDotSegment(value))
    return `Input '${name}' is ${show(value)}, which would change the request's path; give the real ${name.replace('-', ' ')}.`;
  if (/[/\\]/.test(value)) return `Input '${name}' is ${show(value)}; it must not contain '/' or '\\'.`;
  if (CONTROL.test(value)) return `Input '${name}' contains control characters; check its value.`;
  return undefined;
}

/** An ISO-8601 duration (upper-cased for the API), or 'none' where turning a schedule off is allowed. */
function parseSchedule(
  name: string,
  value: string,
  problems: string[],
  show: (v: string) => string,
  noneAllowed: boolean
): ScheduleSetting | undefined {
  if (!value) return undefined;
  if (noneAllowed && value.toLowerCase() === 'none') return 'none';
  const ms = parseIsoDuration(value);
  if (ms === undefined || ms <= 0) {
    problems.push(
      `Input '${name}' is ${show(value)}, which is not an ISO-8601 duration. Use a form such as PT15M, PT6H, P1D or P1DT12H${noneAllowed ? ', or none to turn the schedule off' : ''}.`
    );
    return undefined;
  }
  return { expression: value.toUpperCase() };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function parseBaseUrl(regionText: string, apiUrl: string, problems: string[], show: (v: string) => string): string {
  const region = (regionText || 'us').toLowerCase();
  if (region !== 'us' && region !== 'eu')
    problems.push(`Input 'region' is ${show(regionText)}; use us or eu (or set api-url for another deployment).`);
  if (!apiUrl) return REGION_URLS[region === 'eu' ? 'eu' : 'us'];

  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    problems.push(
      `Input 'api-url' is ${show(apiUrl)}, which is not a URL; use a full base URL such as https://partner.peaka.studio/api/v1.`
    );
    return '';
  }
  if (url.username || url.password) {
    problems.push(`Input 'api-url' contains credentials; remove them from the URL and pass the key in api-key.`);
  } else if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    problems.push(
      `Input 'api-url' uses plain http to ${url.hostname}; the API key must not travel unencrypted. Use https (http is allowed only for localhost and 127.0.0.1).`
    );
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`Input 'api-url' uses ${url.protocol.replace(':', '')}; use an https URL such as https://partner.peaka.studio/api/v1.`);
  } else if (url.search || url.hash) {
    problems.push(`Input 'api-url' has a query or fragment; give only the base URL, such as https://partner.peaka.studio/api/v1.`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/**
 * tables-from's globs, one per line or comma-separated like the other list inputs; a comma inside
 * braces (`db/{pg,mysql}/*.sql`) belongs to the glob.
 */
export function splitGlobs(text: string): string[] {
  const globs: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if ((c === ',' && depth === 0) || c === '\n') {
      globs.push(current);
      current = '';
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    current += c;
  }
  globs.push(current);
  return globs.map((g) => g.trim()).filter(Boolean);
}

/**
 * tables, allow-no-match, tables-from, sql-dialect, default-schema: caches chosen by the name of
 * their table. Defaults the runner passes are accepted everywhere; only a value that differs from
 * the default is refused where it means nothing.
 */
function parseTableInputs(
  get: (name: string) => string,
  operation: Operation,
  other: { cacheIds: string[]; catalogId: string; schemaName: string },
  problems: string[],
  show: (v: string) => string,
  bool: (name: string, fallback: boolean) => boolean
): Pick<CacheChoice, 'tables' | 'tablesFrom'> {
  const patterns = [
    ...new Set(
      get('tables')
        .split(/[\n,]+/)
        .map((p) => p.trim())
        .filter(Boolean)
    )
  ];
  const globs = [...new Set(splitGlobs(get('tables-from')))];
  const allowNoMatch = bool('allow-no-match', false);
  const dialectText = get('sql-dialect').toLowerCase();
  const dialect = dialectText === '' ? TABLE_DEFAULTS['sql-dialect'] : SQL_DIALECTS.find((d) => d === dialectText);
  if (!dialect)
    problems.push(
      `Input 'sql-dialect' is ${show(get('sql-dialect'))}; use one of: ${SQL_DIALECTS.join(', ')} (MariaDB migrations parse as mysql).`
    );
  const defaultSchema = get('default-schema') || TABLE_DEFAULTS['default-schema'];
  if (CONTROL.test(defaultSchema) || defaultSchema.includes('.') || defaultSchema.length > NAME_MAX)
    problems.push(
      `Input 'default-schema' is ${show(defaultSchema)}; give one schema name, without dots, of at most ${NAME_MAX} characters (e.g. public).`
    );

  if (!globs.length) {
    if (dialect && dialect !== TABLE_DEFAULTS['sql-dialect'])
      problems.push(`Input 'sql-dialect' is only used with 'tables-from'; remove it.`);
    if (defaultSchema !== TABLE_DEFAULTS['default-schema'])
      problems.push(`Input 'default-schema' is only used with 'tables-from'; remove it.`);
  }
  if (!patterns.length && allowNoMatch) problems.push(`Input 'allow-no-match' is only used with 'tables'; remove it.`);
  if (!patterns.length && !globs.length) return {};

  const input = patterns.length ? 'tables' : 'tables-from';
  const count = problems.length;
  if (patterns.length && globs.length) problems.push(`Inputs 'tables' and 'tables-from' both choose caches; give one or the other.`);
  if (operation === 'create')
    problems.push(
      `Input '${input}' is not used by operation 'create', which names its table with 'schema-name' and 'table-name'; remove it.`
    );
  if (operation === 'delete' && globs.length)
    problems.push(`Input 'tables-from' is not used by operation 'delete': name the one table whose cache to delete in 'tables'.`);
  if (other.cacheIds.length) problems.push(`Inputs 'cache-id' and '${input}' both choose caches; give one or the other.`);
  if (other.schemaName)
    problems.push(
      `Input 'schema-name' cannot be combined with '${input}': ${patterns.length ? 'each pattern names its schema (schema.table, payment.*)' : 'the migrations name their schemas (default-schema for unqualified names)'}; 'catalog-id' narrows the caches to one catalog.`
    );
  if (patterns.length > 100)
    problems.push(`Input 'tables' has ${patterns.length} patterns; at most 100 are allowed. Use * wildcards (payment.*).`);
  for (const pattern of patterns.slice(0, 100)) {
    const dot = pattern.indexOf('.');
    if (CONTROL.test(pattern) || pattern.length > 300)
      problems.push(`Input 'tables' has ${show(pattern)}, which contains control characters or is too long.`);
    else if (dot <= 0 || dot === pattern.length - 1)
      problems.push(
        `Input 'tables' has ${show(pattern)}, which is not a schema.table pattern. Write the schema and the table, with * for any characters: payment.invoices, payment.*, *.orders.`
      );
  }
  if (operation === 'delete' && patterns.length && (patterns.length > 1 || patterns[0].includes('*')))
    problems.push(`Operation 'delete' takes one table at a time, without wildcards; 'tables' is ${show(get('tables'))}.`);
  for (const glob of globs) {
    if (CONTROL.test(glob) || glob.startsWith('/') || glob.split('/').includes('..'))
      problems.push(
        `Input 'tables-from' has ${show(glob)}; give a glob of files relative to the repository root, such as migrations/**/*.sql.`
      );
  }
  if (problems.length > count || !dialect) return {};
  const catalogId = other.catalogId || undefined;
  return patterns.length ? { tables: { patterns, catalogId, allowNoMatch } } : { tablesFrom: { globs, dialect, defaultSchema, catalogId } };
}
