/**
 * Peaka's published contract (simulator/peaka-cache-openapi.json, a copy of the cache part of
 * Peaka's OpenAPI document) as a checker of answers: every answer the simulator gives in the test
 * suite goes through `checkAnswer`, and a violation fails the test that caused it
 * (__tests__/helpers/contract-setup.ts).
 *
 * Rules, from OpenAPI 3.0: the answer's status must be one the operation documents (or be a
 * generic error, 401/403/429/5xx, which the document leaves out); a documented response with a
 * schema needs a JSON body valid against it (no `nullable` anywhere, so `null` is never valid for
 * a property); a documented response without content needs an empty body, and an empty body
 * claims no JSON content type.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

interface OpenApiResponse {
  description?: string;
  content?: Record<string, { schema?: object }>;
}
interface OpenApi {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiResponse> }>>;
  components: { schemas: Record<string, object> };
}

const spec = JSON.parse(readFileSync(new URL('./peaka-cache-openapi.json', import.meta.url), 'utf8')) as OpenApi;
/** The base path of the partner API; the document's paths start below it. */
const BASE = '/api/v1';
/** Errors any endpoint may answer that the document does not list per operation. */
const GENERIC_ERRORS = new Set([401, 403, 429]);

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  /** Literal segments first: `/cache/status` wins over `/cache/{cacheId}`. */
  params: number;
  responses: Record<string, OpenApiResponse>;
}

const routes: Route[] = Object.entries(spec.paths)
  .flatMap(([template, operations]) =>
    Object.entries(operations)
      .filter(([method]) => ['get', 'post', 'put', 'delete', 'patch'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
        responses: operation.responses ?? {}
      }))
  )
  .sort((a, b) => a.params - b.params);

const validators = new Map<string, ValidateFunction>();
function validatorFor(key: string, schema: object): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    // The schema's $refs point at '#/components/...': compile it with the document's components beside it.
    validate = ajv.compile({ ...schema, components: spec.components });
    validators.set(key, validate);
  }
  return validate;
}

export interface Answer {
  method: string;
  /** The request's path and query, e.g. /api/v1/data/projects/p/cache/c/status?excludeLogs=true */
  path: string;
  status: number;
  contentType?: string;
  body: string;
}

/** What is wrong with an answer by the contract; [] when nothing is, or the endpoint is not in it. */
export function checkAnswer(answer: Answer): string[] {
  const pathname = answer.path.split('?')[0];
  if (!pathname.startsWith(BASE)) return [];
  const route = routes.find((r) => r.method === answer.method && r.pattern.test(pathname.slice(BASE.length)));
  if (!route) return [];
  const where = `${answer.method} ${route.template} answered ${answer.status}`;
  const empty = answer.body.trim() === '';
  const json = /json/i.test(answer.contentType ?? '');
  const problems: string[] = [];
  if (empty && json) problems.push(`${where} with an empty body but Content-Type ${answer.contentType}`);

  const documented = route.responses[String(answer.status)] ?? route.responses.default;
  if (!documented) {
    if (!GENERIC_ERRORS.has(answer.status) && answer.status < 500)
      problems.push(`${where}, a status the contract does not document for this operation`);
    return problems;
  }
  const content = Object.values(documented.content ?? {}).find((c) => c.schema && Object.keys(c.schema).length > 0);
  if (!content?.schema) {
    if (!empty) problems.push(`${where} with a body, where the contract documents none`);
    return problems;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return [...problems, `${where} with a body that is not JSON, where the contract documents a schema`];
  }
  const validate = validatorFor(`${answer.method} ${route.template} ${answer.status}`, content.schema);
  if (!validate(parsed)) {
    for (const e of validate.errors ?? [])
      problems.push(
        `${where}: ${e.instancePath || '(body)'} ${e.message}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`
      );
  }
  return problems;
}

/** Where answers are counted and violations kept while a test runs (set up by the jest setup file). */
export interface ContractLedger {
  checked: number;
  violations: string[];
}

const LEDGER = Symbol.for('peaka-simulator.contract-ledger');

export function contractLedger(): ContractLedger | undefined {
  return (globalThis as Record<symbol, ContractLedger | undefined>)[LEDGER];
}

export function installContractLedger(): ContractLedger {
  const ledger: ContractLedger = { checked: 0, violations: [] };
  (globalThis as Record<symbol, ContractLedger | undefined>)[LEDGER] = ledger;
  return ledger;
}
