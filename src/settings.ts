/**
 * Every input, read once and validated before any request is sent.
 * Problems are collected so that a user fixes all of them in one go.
 */
import * as core from '@actions/core';
import { parseDuration, parseIsoDuration } from './duration.js';

export const OPERATIONS = ['full-refresh', 'incremental', 'status', 'cancel-full-refresh', 'cancel-incremental', 'create'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const REGION_URLS = {
  us: 'https://partner.peaka.studio/api/v1',
  eu: 'https://partner.eu.peaka.studio/api/v1'
} as const;

export interface Settings {
  operation: Operation;
  apiKey: string;
  projectId: string;
  cacheId?: string;
  baseUrl: string;
  wait: boolean;
  timeoutMs: number;
  pollIntervalMs: number;
  requestTimeoutMs: number;
  cancelOnTimeout: boolean;
  cancelOnAbort: boolean;
  failOnError: boolean;
  summary: boolean;
  create?: {
    catalogId: string;
    schemaName: string;
    tableName: string;
    fullRefreshSchedule?: string;
    incrementalSchedule?: string;
  };
}

/** Raised for bad inputs; its message is shown to the user as it is. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} inputs need fixing:\n${problems.map((p) => `  - ${p}`).join('\n')}`
    );
    this.name = 'InputError';
  }
}

type Read = (name: string) => string;

const LIMITS = {
  timeout: { min: 1_000, max: 5 * 86_400_000, text: 'between 1s and 5d' },
  'poll-interval': { min: 1_000, max: 3_600_000, text: 'between 1s and 1h' },
  'request-timeout': { min: 1_000, max: 600_000, text: 'between 1s and 10m' }
} as const;

// eslint-disable-next-line no-control-regex -- control characters are exactly what these refuse
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const CREATE_ONLY = ['catalog-id', 'schema-name', 'table-name', 'full-refresh-schedule', 'incremental-schedule'] as const;

/** Reads the inputs through @actions/core. The API key is masked before anything else happens. */
export function readSettings(read: Read = (name) => core.getInput(name)): Settings {
  const apiKey = read('api-key').trim();
  if (apiKey) core.setSecret(apiKey);
  return parseSettings(read);
}

export function parseSettings(read: Read): Settings {
  const problems: string[] = [];
  const get = (name: string) => read(name).trim();
  const show = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);

  const operationText = get('operation').toLowerCase();
  const operation = OPERATIONS.find((op) => op === operationText);
  if (!operationText) problems.push(`Input 'operation' is required. Use one of: ${OPERATIONS.join(', ')}.`);
  else if (!operation) problems.push(`Input 'operation' is ${show(get('operation'))}, which is not an operation. Use one of: ${OPERATIONS.join(', ')}.`);

  const apiKey = get('api-key');
  if (!apiKey) problems.push(`Input 'api-key' is required. Pass a Peaka Partner or Project API key from a secret: api-key: \${{ secrets.PEAKA_API_KEY }}.`);
  else if (SPACE_OR_CONTROL.test(apiKey)) problems.push(`Input 'api-key' contains white space or control characters; an API key is one word. Check the secret's value.`);

  const projectId = get('project-id');
  if (!projectId) problems.push(`Input 'project-id' is required: the id of the Peaka project that owns the cache (e.g. mtKDhe1U).`);
  else if (!PROJECT_ID.test(projectId)) problems.push(`Input 'project-id' is ${show(projectId)}; a project id has only letters, digits, '_', '.' and '-' (e.g. mtKDhe1U).`);

  const cacheId = get('cache-id');
  if (operation && operation !== 'create') {
    if (!cacheId) problems.push(`Input 'cache-id' is required for operation '${operation}': the UUID of the cache (e.g. 960bd651-7b3c-4511-9a88-18e14ac7742a).`);
    else if (!UUID.test(cacheId)) problems.push(`Input 'cache-id' is ${show(cacheId)}, which is not a cache id; a cache id is a UUID such as 960bd651-7b3c-4511-9a88-18e14ac7742a.`);
    for (const name of CREATE_ONLY) {
      if (get(name)) problems.push(`Input '${name}' is only used by operation 'create'; remove it or set operation: create.`);
    }
  }
  if (operation === 'create' && cacheId) problems.push(`Input 'cache-id' is not used by operation 'create': Peaka assigns the id, and the step outputs it as 'cache-id'. Remove the input.`);

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
      problems.push(`Input '${name}' is ${show(text)}, which is not a duration. Use seconds (90), units (90s, 15m, 2h, 1h30m) or ISO-8601 (PT1H30M).`);
      return fallback;
    }
    if (ms < limit.min || ms > limit.max) {
      problems.push(`Input '${name}' is ${show(text)}; it must be ${limit.text}.`);
      return fallback;
    }
    return ms;
  };

  const settings: Settings = {
    operation: operation ?? 'status',
    apiKey,
    projectId,
    cacheId: cacheId || undefined,
    baseUrl,
    wait: bool('wait', true),
    timeoutMs: duration('timeout', 3_600_000),
    pollIntervalMs: duration('poll-interval', 30_000),
    requestTimeoutMs: duration('request-timeout', 30_000),
    cancelOnTimeout: bool('cancel-on-timeout', false),
    cancelOnAbort: bool('cancel-on-abort', true),
    failOnError: bool('fail-on-error', true),
    summary: bool('summary', true)
  };

  if (operation === 'create') {
    const required = (name: string, example: string) => {
      const value = get(name);
      if (!value) problems.push(`Input '${name}' is required for operation 'create' (e.g. ${example}).`);
      else if (CONTROL.test(value)) problems.push(`Input '${name}' contains control characters; check its value.`);
      return value;
    };
    const schedule = (name: string) => {
      const value = get(name);
      if (!value) return undefined;
      const ms = parseIsoDuration(value);
      if (ms === undefined || ms <= 0) {
        problems.push(`Input '${name}' is ${show(value)}, which is not an ISO-8601 duration. Use a form such as PT15M, PT6H, P1D or P1DT12H.`);
        return undefined;
      }
      return value.toUpperCase();
    };
    settings.create = {
      catalogId: required('catalog-id', '627249916703408649'),
      schemaName: required('schema-name', 'payment'),
      tableName: required('table-name', 'customers'),
      fullRefreshSchedule: schedule('full-refresh-schedule'),
      incrementalSchedule: schedule('incremental-schedule')
    };
  }

  if (problems.length) throw new InputError(problems);
  return settings;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function parseBaseUrl(regionText: string, apiUrl: string, problems: string[], show: (v: string) => string): string {
  const region = (regionText || 'us').toLowerCase();
  if (region !== 'us' && region !== 'eu') problems.push(`Input 'region' is ${show(regionText)}; use us or eu (or set api-url for another deployment).`);
  if (!apiUrl) return REGION_URLS[region === 'eu' ? 'eu' : 'us'];

  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    problems.push(`Input 'api-url' is ${show(apiUrl)}, which is not a URL; use a full base URL such as https://partner.peaka.studio/api/v1.`);
    return '';
  }
  if (url.username || url.password) {
    problems.push(`Input 'api-url' contains credentials; remove them from the URL and pass the key in api-key.`);
  } else if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    problems.push(`Input 'api-url' uses plain http to ${url.hostname}; the API key must not travel unencrypted. Use https (http is allowed only for localhost and 127.0.0.1).`);
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`Input 'api-url' uses ${url.protocol.replace(':', '')}; use an https URL such as https://partner.peaka.studio/api/v1.`);
  } else if (url.search || url.hash) {
    problems.push(`Input 'api-url' has a query or fragment; give only the base URL, such as https://partner.peaka.studio/api/v1.`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}
