import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  INPUT_NAMES,
  InputError,
  misspelledInputs,
  OPERATIONS,
  parseInputs,
  REGION_URLS,
  type CreateInputs,
  type Inputs,
  type InspectInputs,
  type TriggerInputs
} from '../src/inputs.js';
import { actionDefaults, JOB_TOKEN, ROOT } from '../scripts/action-runner.js';

const CACHE = '960bd651-7b3c-4511-9a88-18e14ac7742a';
const valid: Record<string, string> = { operation: 'full-refresh', 'api-key': 'key-123', 'project-id': 'mtKDhe1U', 'cache-id': CACHE };
/** Reads inputs as the runner passes them: every action.yml default, then the step's own. */
/** An operation's variant of the inputs, read as plain fields (each test knows which variant it made). */
type AnyFields = Partial<Omit<TriggerInputs, 'operation'> & Omit<CreateInputs, 'operation'> & Omit<InspectInputs, 'operation'>>;
const fields = (inputs: Inputs): AnyFields => inputs;
const reader = (inputs: Record<string, string>) => (name: string) => ({ ...actionDefaults(), ...inputs })[name] ?? '';
const problemsOf = (inputs: Record<string, string>): string[] => {
  try {
    parseInputs(reader(inputs));
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
};

describe('defaults', () => {
  test('a minimal full-refresh gets the documented defaults, and only the inputs a trigger uses', () => {
    expect(parseInputs(reader(valid))).toEqual({
      operation: 'full-refresh',
      apiKey: 'key-123',
      projectId: 'mtKDhe1U',
      cacheIds: [CACHE],
      selection: undefined,
      baseUrl: REGION_URLS.us,
      wait: true,
      timeoutMs: 3_600_000,
      pollIntervalMs: 30_000,
      stallTimeoutMs: 1_800_000,
      requestTimeoutMs: 30_000,
      cancelOnTimeout: false,
      cancelOnAbort: true,
      failOnError: true,
      summary: true,
      maxParallel: 4,
      ifRunning: 'queue',
      maxAgeMs: undefined,
      commentOnPr: false,
      githubToken: JOB_TOKEN
    });
  });

  test('region eu and api-url choose the base URL', () => {
    expect(parseInputs(reader({ ...valid, region: 'EU' })).baseUrl).toBe(REGION_URLS.eu);
    expect(parseInputs(reader({ ...valid, 'api-url': 'https://peaka.internal.example/api/v1/' })).baseUrl).toBe(
      'https://peaka.internal.example/api/v1'
    );
    expect(parseInputs(reader({ ...valid, 'api-url': 'http://127.0.0.1:8080/api/v1' })).baseUrl).toBe('http://127.0.0.1:8080/api/v1');
    expect(parseInputs(reader({ ...valid, 'api-url': 'http://localhost:3000' })).baseUrl).toBe('http://localhost:3000');
  });

  test('create reads the table and upper-cases the schedules', () => {
    const settings = parseInputs(
      reader({
        operation: 'create',
        'api-key': 'k',
        'project-id': 'p',
        'catalog-id': 'c',
        'schema-name': 's',
        'table-name': 't',
        'incremental-schedule': 'pt15m'
      })
    );
    expect(fields(settings).create).toEqual({
      catalogId: 'c',
      schemaName: 's',
      tableName: 't',
      fullRefreshSchedule: undefined,
      incrementalSchedule: 'PT15M'
    });
  });
});

describe('choosing caches without cache-id', () => {
  const bySelection = { operation: 'full-refresh', 'api-key': 'key-123', 'project-id': 'mtKDhe1U' };

  test('catalog-id and/or schema-name select every cache of that catalog and schema, never every cache', () => {
    expect(fields(parseInputs(reader({ ...bySelection, 'schema-name': 'payment' })))).toMatchObject({
      cacheIds: [],
      selection: { catalogId: undefined, schemaName: 'payment' }
    });
    expect(fields(parseInputs(reader({ ...bySelection, 'catalog-id': '627249916703408649' })))).toMatchObject({
      cacheIds: [],
      selection: { catalogId: '627249916703408649', schemaName: undefined }
    });
    expect(
      fields(parseInputs(reader({ ...bySelection, operation: 'history', 'catalog-id': '627249916703408649', 'schema-name': ' payment ' })))
        .selection
    ).toEqual({
      catalogId: '627249916703408649',
      schemaName: 'payment'
    });
  });

  test('every operation on existing caches takes a selection; delete and create do not', () => {
    for (const operation of [
      'full-refresh',
      'incremental',
      'status',
      'cancel-full-refresh',
      'cancel-incremental',
      'wait',
      'history'
    ] as const) {
      expect({
        operation,
        selection: fields(parseInputs(reader({ ...bySelection, operation, 'schema-name': 'payment' }))).selection
      }).toEqual({ operation, selection: { schemaName: 'payment' } });
    }
    expect(
      fields(
        parseInputs(reader({ ...bySelection, operation: 'update-schedule', 'schema-name': 'payment', 'full-refresh-schedule': 'PT6H' }))
      ).selection
    ).toEqual({ schemaName: 'payment' });
    expect(problemsOf({ ...bySelection, operation: 'delete', 'schema-name': 'payment' })).toEqual([
      "Input 'cache-id' is required for operation 'delete': the UUID of the cache (e.g. 960bd651-7b3c-4511-9a88-18e14ac7742a), or name the table in 'tables'.",
      "Inputs 'catalog-id' and 'schema-name' are not used by operation 'delete'; remove them."
    ]);
  });

  test('with cache-id there is no selection; with tables, catalog-id narrows the tables instead', () => {
    expect(fields(parseInputs(reader({ ...bySelection, 'cache-id': CACHE }))).selection).toBeUndefined();
    expect(problemsOf({ ...bySelection, 'cache-id': CACHE, 'schema-name': 'payment' })).toEqual([
      "Inputs 'cache-id' and 'catalog-id'/'schema-name' both choose caches; give one or the other."
    ]);
    const byTable = fields(parseInputs(reader({ ...bySelection, tables: 'payment.*', 'catalog-id': '42' })));
    expect({ selection: byTable.selection, tables: byTable.tables }).toEqual({
      selection: undefined,
      tables: { patterns: ['payment.*'], catalogId: '42', allowNoMatch: false }
    });
  });

  test('nothing that chooses caches: the error says every way to choose them', () => {
    expect(problemsOf(bySelection)).toEqual([
      "Input 'cache-id' is required for operation 'full-refresh': the UUID of the cache (e.g. 960bd651-7b3c-4511-9a88-18e14ac7742a), or select caches with 'catalog-id' and/or 'schema-name', or by table name with 'tables'."
    ]);
  });
});

describe('stall-timeout and max-parallel', () => {
  test('stall-timeout takes a duration, and 0 turns the check off', () => {
    expect(parseInputs(reader({ ...valid, 'stall-timeout': '45m' })).stallTimeoutMs).toBe(2_700_000);
    expect(parseInputs(reader({ ...valid, 'stall-timeout': '0' })).stallTimeoutMs).toBe(0);
  });

  test('max-parallel goes up to 256: many caches share their status reads', () => {
    expect(parseInputs(reader({ ...valid, 'max-parallel': '256' })).maxParallel).toBe(256);
  });
});

describe('refusals name the input and what is allowed', () => {
  test.each([
    [{ operation: '' }, "Input 'operation' is required"],
    [{ operation: 'refresh' }, 'Use one of: full-refresh, incremental, status'],
    [{ 'api-key': '' }, "Input 'api-key' is required"],
    [{ 'api-key': 'two words' }, "Input 'api-key' contains white space"],
    [{ 'project-id': 'a/b' }, 'Input \'project-id\' is "a/b"'],
    [
      { 'project-id': '..' },
      "Input 'project-id' is \"..\"; a project id has only letters, digits, '_', '.' and '-', and is not '.' or '..'"
    ],
    [{ 'api-key': 'pk-abc\u200bdef' }, "Input 'api-key' contains characters that cannot be sent in an HTTP header (character 7 is U+200B)"],
    [{ 'api-key': 'pk-€uro' }, "Input 'api-key' contains characters that cannot be sent in an HTTP header (character 4 is U+20AC)"],
    [{ 'schema-name': 'a/b' }, "Input 'schema-name' is \"a/b\"; it must not contain '/' or '\\'"],
    [{ 'catalog-id': '..' }, "Input 'catalog-id' is \"..\", which would change the request's path"],
    [{ 'cache-id': '' }, "Input 'cache-id' is required for operation 'full-refresh'"],
    [{ 'cache-id': 'customers' }, 'is not a cache id; a cache id is a UUID'],
    [{ region: 'asia' }, 'Input \'region\' is "asia"; use us or eu'],
    [{ 'api-url': 'not a url' }, 'Input \'api-url\' is "not a url", which is not a URL'],
    [{ 'api-url': 'http://peaka.example.com/api/v1' }, 'uses plain http to peaka.example.com'],
    [{ 'api-url': 'https://user:pw@peaka.example.com' }, "Input 'api-url' contains credentials"],
    [{ 'api-url': 'ftp://peaka.example.com' }, "Input 'api-url' uses ftp"],
    [{ wait: 'yes' }, 'Input \'wait\' is "yes"; use true or false'],
    [{ timeout: 'soon' }, 'Input \'timeout\' is "soon", which is not a duration'],
    [{ timeout: '10d' }, 'it must be between 1s and 5d'],
    [{ 'poll-interval': '0' }, 'Input \'poll-interval\' is "0"; it must be between 1s and 1h'],
    [{ 'stall-timeout': 'never' }, 'Input \'stall-timeout\' is "never", which is not a duration'],
    [{ 'stall-timeout': '500ms' }, 'Input \'stall-timeout\' is "500ms"; it must be 0 (off) or between 1s and 5d'],
    [{ 'max-parallel': '257' }, 'Input \'max-parallel\' is "257"; use a whole number from 1 to 256'],
    [{ 'table-name': 'orders' }, "Input 'table-name' is only used by operation 'create'"]
  ])('%j', (change, expected) => {
    const problems = problemsOf({ ...valid, ...change });
    expect(problems.join('\n')).toContain(expected);
  });

  test('create needs the table and refuses cache-id and bad schedules', () => {
    const problems = problemsOf({
      operation: 'create',
      'api-key': 'k',
      'project-id': 'p',
      'cache-id': CACHE,
      'full-refresh-schedule': '6h'
    });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/catalog-id.*\n.*schema-name.*\n.*table-name/);
    expect(problems.join('\n')).toContain('Input \'full-refresh-schedule\' is "6h", which is not an ISO-8601 duration');
    expect(problems.join('\n')).toContain("Input 'cache-id' is not used by operation 'create'");
  });

  test('create refuses names that are dot segments or hold a slash, a backslash or a control character', () => {
    const problems = problemsOf({
      operation: 'create',
      'api-key': 'key-123',
      'project-id': 'p',
      'catalog-id': '.',
      'schema-name': 'a\\b',
      'table-name': 'x\u2028y'
    });
    expect(problems).toEqual([
      "Input 'catalog-id' is \".\", which would change the request's path; give the real catalog id.",
      "Input 'schema-name' is \"a\\\\b\"; it must not contain '/' or '\\'.",
      "Input 'table-name' contains control characters; check its value."
    ]);
  });

  test('every problem is reported at once', () => {
    expect(problemsOf({ operation: 'x', 'api-key': '', 'project-id': '', timeout: 'y' })).toHaveLength(4);
  });
});

const INPUTS = Object.keys(parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')).inputs as Record<string, unknown>);
/** Inputs that make each operation valid, so that a bad value of the input under test is the only problem. */
const OPERATION_BASE: Partial<Record<string, Record<string, string>>> = {
  create: { 'catalog-id': 'c', 'schema-name': 's', 'table-name': 't' },
  'update-schedule': { 'full-refresh-schedule': 'PT6H' },
  delete: { 'confirm-delete': CACHE },
  wait: { 'execution-type': 'full-refresh' }
};

describe('the runner passes every default of action.yml, whatever the operation', () => {
  test.each([...OPERATIONS])('%s with only its required inputs is accepted', (operation) => {
    const inputs: Record<string, string> = {
      operation,
      'api-key': 'key-123',
      'project-id': 'mtKDhe1U',
      ...(operation === 'create' ? {} : { 'cache-id': CACHE }),
      ...OPERATION_BASE[operation]
    };
    if (operation === 'wait') delete inputs['execution-type'];
    expect(problemsOf(inputs)).toEqual([]);
    expect(parseInputs(reader(inputs)).githubToken).toBe(JOB_TOKEN);
  });

  test('if-running, if-exists and history-limit set to another value than their default are refused where unused', () => {
    expect(problemsOf({ ...valid, operation: 'status', 'if-exists': 'reuse' })).toEqual([
      "Input 'if-exists' is only used by operation 'create'; remove it."
    ]);
    expect(problemsOf({ ...valid, operation: 'status', 'if-running': 'skip' })).toEqual([
      "Input 'if-running' is only used by operations 'full-refresh' and 'incremental'; remove it."
    ]);
    expect(problemsOf({ ...valid, operation: 'status', 'history-limit': '50' })).toEqual([
      "Input 'history-limit' is only used by operation 'history'; remove it."
    ]);
    expect(problemsOf({ ...valid, operation: 'history', 'history-limit': '50' })).toEqual([]);
  });

  test('an input only some operations use is refused elsewhere only when it differs from its default', () => {
    expect(problemsOf({ ...valid, operation: 'status', 'execution-type': 'any' })).toEqual([]);
    expect(problemsOf({ ...valid, operation: 'status', 'execution-type': 'incremental' })).toEqual([
      "Input 'execution-type' is only used by operation 'wait', and by 'status' with 'max-age', 'min-records' or 'max-drop'; remove it."
    ]);
    // The table inputs' defaults (sql-dialect postgresql, default-schema public, allow-no-match false) pass everywhere.
    expect(
      problemsOf({ ...valid, operation: 'history', 'sql-dialect': 'postgresql', 'default-schema': 'public', 'allow-no-match': 'false' })
    ).toEqual([]);
    expect(problemsOf({ ...valid, 'sql-dialect': 'mysql', 'default-schema': 'shop', 'allow-no-match': 'true' })).toEqual([
      "Input 'sql-dialect' is only used with 'tables-from'; remove it.",
      "Input 'default-schema' is only used with 'tables-from'; remove it.",
      "Input 'allow-no-match' is only used with 'tables'; remove it."
    ]);
  });
});

describe('tables, tables-from and max-age', () => {
  const byTable = { operation: 'full-refresh', 'api-key': 'key-123', 'project-id': 'mtKDhe1U' };

  test('tables: patterns one per line or comma-separated, de-duplicated; catalog-id narrows them', () => {
    const settings = parseInputs(
      reader({
        ...byTable,
        tables: 'payment.invoices, payment.*\n*.orders\npayment.*',
        'catalog-id': '627249916703408649',
        'allow-no-match': 'true'
      })
    );
    expect(fields(settings).tables).toEqual({
      patterns: ['payment.invoices', 'payment.*', '*.orders'],
      catalogId: '627249916703408649',
      allowNoMatch: true
    });
    expect(fields(settings).cacheIds).toEqual([]);
    expect(fields(settings).selection).toBeUndefined();
  });

  test('tables-from: globs one per line, with the dialect and the default schema', () => {
    const settings = parseInputs(
      reader({
        ...byTable,
        operation: 'status',
        'tables-from': 'migrations/**/*.sql\ndb/*.sql',
        'sql-dialect': 'MySQL',
        'default-schema': 'shop'
      })
    );
    expect(fields(settings).tablesFrom).toEqual({
      globs: ['migrations/**/*.sql', 'db/*.sql'],
      dialect: 'mysql',
      defaultSchema: 'shop',
      catalogId: undefined
    });
    expect(fields(parseInputs(reader({ ...byTable, 'tables-from': 'migrations/*.sql' }))).tablesFrom).toMatchObject({
      dialect: 'postgresql',
      defaultSchema: 'public'
    });
  });

  test('tables-from: globs comma-separated too, like cache-id and tables; a comma inside braces belongs to its glob', () => {
    const settings = parseInputs(
      reader({
        ...byTable,
        operation: 'status',
        'tables-from': 'migrations/**/*.sql, db/{pg,mysql}/*.sql,\n sql/*.sql,migrations/**/*.sql'
      })
    );
    expect(fields(settings).tablesFrom?.globs).toEqual(['migrations/**/*.sql', 'db/{pg,mysql}/*.sql', 'sql/*.sql']);
    expect(problemsOf({ ...byTable, 'tables-from': 'migrations/*.sql, ../secrets/*.sql' }).join('\n')).toContain(
      `Input 'tables-from' has "../secrets/*.sql"`
    );
  });

  test('max-age takes the syntax of timeout, for the operations that use it', () => {
    expect(fields(parseInputs(reader({ ...valid, 'max-age': '6h' }))).maxAgeMs).toBe(21_600_000);
    expect(parseInputs(reader({ ...valid, operation: 'status', 'max-age': 'PT90M', 'execution-type': 'incremental' }))).toMatchObject({
      maxAgeMs: 5_400_000,
      executionType: 'incremental'
    });
    expect(fields(parseInputs(reader({ ...valid, operation: 'wait', 'max-age': '2d' }))).maxAgeMs).toBe(172_800_000);
  });

  test.each([
    [{ tables: 'payment.invoices', 'cache-id': CACHE }, "Inputs 'cache-id' and 'tables' both choose caches; give one or the other."],
    [{ tables: 'payment.invoices', 'tables-from': 'migrations/*.sql' }, "Inputs 'tables' and 'tables-from' both choose caches"],
    [
      { tables: 'payment.invoices', 'schema-name': 'payment' },
      "Input 'schema-name' cannot be combined with 'tables': each pattern names its schema"
    ],
    [
      { tables: 'invoices' },
      `Input 'tables' has "invoices", which is not a schema.table pattern. Write the schema and the table, with * for any characters: payment.invoices, payment.*, *.orders.`
    ],
    [{ tables: 'payment.' }, 'which is not a schema.table pattern'],
    [
      { tables: 'payment.invoices', operation: 'create', 'catalog-id': 'c', 'schema-name': 's', 'table-name': 't' },
      "Input 'tables' is not used by operation 'create'"
    ],
    [
      { tables: 'payment.*', operation: 'delete', 'confirm-delete': 'payment.*' },
      "Operation 'delete' takes one table at a time, without wildcards"
    ],
    [{ tables: 'payment.invoices', operation: 'delete' }, "set input 'confirm-delete' to the table named in 'tables' (payment.invoices)"],
    [{ 'tables-from': 'migrations/*.sql', operation: 'delete' }, "Input 'tables-from' is not used by operation 'delete'"],
    [
      { 'tables-from': '../secrets/*.sql' },
      'Input \'tables-from\' has "../secrets/*.sql"; give a glob of files relative to the repository root'
    ],
    [{ 'tables-from': 'migrations/*.sql', 'sql-dialect': 'oracle' }, 'Input \'sql-dialect\' is "oracle"; use one of: postgresql, mysql'],
    [{ 'tables-from': 'migrations/*.sql', 'default-schema': 'a.b' }, 'Input \'default-schema\' is "a.b"; give one schema name'],
    [{ tables: 'payment.*', 'max-age': 'soon' }, 'Input \'max-age\' is "soon", which is not a duration'],
    [
      { tables: 'payment.*', 'max-age': '6h', operation: 'history' },
      "Input 'max-age' is only used by operations status, wait, full-refresh, incremental"
    ]
  ])('%j', (change, expected) => {
    expect(problemsOf({ ...byTable, ...change }).join('\n')).toContain(expected);
  });

  test('delete by table: one name, confirmed by repeating it', () => {
    expect(
      fields(
        parseInputs(reader({ ...byTable, operation: 'delete', tables: 'payment.old_invoices', 'confirm-delete': 'payment.old_invoices' }))
      ).tables?.patterns
    ).toEqual(['payment.old_invoices']);
  });
});

test('property: any value of any input gives valid settings or an InputError naming that input, never a crash', () => {
  const nasty = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(
      '',
      ' ',
      '\n',
      'true',
      'FALSE',
      '-1',
      '0',
      '1e9',
      'PT',
      'P1D',
      '1h30m',
      'http://10.0.0.1',
      'https://x',
      '%00',
      '${{ x }}'
    )
  );
  fc.assert(
    fc.property(fc.constantFrom(...INPUTS), nasty, fc.constantFrom(...OPERATIONS), (input, value, operation) => {
      const base: Record<string, string> = { ...valid, operation, 'github-token': 'ghs_x', ...OPERATION_BASE[operation] };
      if (operation === 'create') delete base['cache-id'];
      const inputs = { ...base, [input]: value };
      try {
        const settings = parseInputs(reader(inputs));
        expect(settings.timeoutMs).toBeGreaterThanOrEqual(1_000);
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
        expect((err as InputError).message).toContain(`'${input}'`);
      }
    }),
    { numRuns: 2_000 }
  );
});

describe('ids and names', () => {
  test('the same cache id in two letter cases is one cache; confirm-delete matches it in either case', () => {
    expect(fields(parseInputs(reader({ ...valid, 'cache-id': `${CACHE}\n${CACHE.toUpperCase()}` }))).cacheIds).toEqual([CACHE]);
    expect(
      fields(parseInputs(reader({ ...valid, operation: 'delete', 'cache-id': CACHE.toUpperCase(), 'confirm-delete': CACHE.toUpperCase() })))
        .cacheIds
    ).toEqual([CACHE]);
  });

  test('a default-schema longer than 255 characters is refused too', () => {
    expect(
      problemsOf({ ...valid, 'cache-id': '', 'tables-from': 'migrations/*.sql', 'default-schema': 's'.repeat(300) }).join('\n')
    ).toContain('give one schema name, without dots, of at most 255 characters');
  });

  test('a name longer than 255 characters is refused before any request (it would go into every URL and the step state)', () => {
    expect(
      problemsOf({
        operation: 'create',
        'api-key': 'k',
        'project-id': 'p',
        'catalog-id': 'c',
        'schema-name': 'a'.repeat(40_000),
        'table-name': 't'
      })
    ).toEqual(["Input 'schema-name' is 40,000 characters long; a schema name has at most 255."]);
  });
});

describe('execution-id', () => {
  test('wait takes it for one cache-id', () => {
    expect(fields(parseInputs(reader({ ...valid, operation: 'wait', 'execution-id': 'exec-42' })))).toMatchObject({
      executionId: 'exec-42'
    });
  });

  test.each([
    [{ operation: 'full-refresh', 'execution-id': 'exec-42' }, "Input 'execution-id' is only used by operation 'wait'; remove it."],
    [
      { operation: 'wait', 'execution-id': 'exec 42' },
      `Input 'execution-id' is "exec 42", which is not an execution id; pass the execution-id output of the step that started it.`
    ],
    [
      { operation: 'wait', 'execution-id': 'exec-42', 'cache-id': `${CACHE},11111111-2222-4333-8444-555555555555` },
      "Input 'execution-id' names one execution of one cache: give that cache in 'cache-id' (one id), and no other way of choosing caches."
    ]
  ])('%j is refused before any request', (change, expected) => {
    expect(problemsOf({ ...valid, ...change })).toContain(expected);
  });
});

describe('min-records and max-drop', () => {
  test('read as a whole number and a percentage; neither set: no gate', () => {
    expect(parseInputs(reader({ ...valid, 'min-records': '1,000', 'max-drop': '30%' })).volume).toEqual({
      minRecords: 1000,
      maxDropPercent: 30
    });
    expect(parseInputs(reader({ ...valid, 'max-drop': '12.5 %' })).volume).toEqual({ maxDropPercent: 12.5 });
    expect(parseInputs(reader(valid)).volume).toBeUndefined();
  });

  test('status with a gate may name the execution-type it judges', () => {
    const inputs = parseInputs(
      reader({ ...valid, operation: 'status', 'max-drop': '30%', 'execution-type': 'incremental' })
    ) as InspectInputs;
    expect(inputs.executionType).toBe('incremental');
  });

  test.each([
    [{ 'max-drop': '30' }, 'Input \'max-drop\' is "30"; use a percentage from 0% to 100% with its % sign, such as 30%.'],
    [{ 'max-drop': '150%' }, 'Input \'max-drop\' is "150%"; use a percentage from 0% to 100% with its % sign, such as 30%.'],
    [{ 'min-records': '-5' }, 'Input \'min-records\' is "-5"; use a whole number of records from 0 up, such as 1000.'],
    [
      { operation: 'cancel-full-refresh', 'min-records': '5' },
      "Input 'min-records' is only used by operations full-refresh, incremental, create, status, wait; remove it."
    ],
    [
      { operation: 'history', 'max-drop': '5%' },
      "Input 'max-drop' is only used by operations full-refresh, incremental, create, status, wait; remove it."
    ]
  ])('%j is refused before any request', (change, expected) => {
    expect(problemsOf({ ...valid, ...change })).toContain(expected);
  });
});

describe('inputs spelled the other way (projectId:, cache_id:)', () => {
  const without = (inputs: Record<string, string>, name: string) =>
    Object.fromEntries(Object.entries(inputs).filter(([key]) => key !== name));
  test('INPUT_NAMES is exactly the inputs of action.yml', () => {
    expect([...INPUT_NAMES].sort()).toEqual([...INPUTS].sort());
  });

  test('a variable that names an input up to case, - and _ is a misspelling; the runner’s own spelling and other variables are not', () => {
    // The runner upper-cases the name, turns spaces into _ and keeps -.
    const variables = [
      'INPUT_PROJECTID',
      'INPUT_CACHE_ID',
      'INPUT_PROJECT-ID',
      'INPUT_API-KEY',
      'INPUT_MAXPARALLEL',
      'INPUT_TABLE',
      'INPUT_CACHE-IDS',
      'PROJECTID',
      'GITHUB_TOKEN',
      'INPUT_GITHUBTOKEN'
    ];
    expect(misspelledInputs(variables)).toEqual([
      { input: 'project-id', spelled: 'projectId', variable: 'INPUT_PROJECTID' },
      { input: 'cache-id', spelled: 'cache_id', variable: 'INPUT_CACHE_ID' },
      { input: 'max-parallel', spelled: 'maxParallel', variable: 'INPUT_MAXPARALLEL' },
      { input: 'github-token', spelled: 'githubToken', variable: 'INPUT_GITHUBTOKEN' }
    ]);
  });

  test('projectId instead of project-id: the error says which spelling was passed and how it is spelled', () => {
    const rest = without(valid, 'project-id');
    const problems = ((): string[] => {
      try {
        parseInputs(reader(rest), misspelledInputs(['INPUT_PROJECTID']));
        return [];
      } catch (err) {
        return (err as InputError).problems;
      }
    })();
    expect(problems).toEqual([
      "Input 'project-id' is required: the id of the Peaka project that owns the cache (e.g. mtKDhe1U). You passed projectId (the runner's INPUT_PROJECTID); inputs are spelled project-id."
    ]);
  });

  test('a misspelling whose input has no problem of its own is a problem of its own when the inputs are refused anyway', () => {
    expect(() => parseInputs(reader({ ...valid, timeout: 'soon' }), misspelledInputs(['INPUT_CANCEL_ON_TIMEOUT']))).toThrow(
      "Input 'cancel-on-timeout' was passed as cancel_on_timeout (the runner's INPUT_CANCEL_ON_TIMEOUT), which this action does not read: inputs are spelled cancel-on-timeout."
    );
  });

  test('an optional input misspelled where the inputs are otherwise valid is no error (readInputs warns)', () => {
    expect(
      fields(parseInputs(reader({ ...without(valid, 'cache-id'), tables: 'payment.*' }), misspelledInputs(['INPUT_CACHEID']))).tables
        ?.patterns
    ).toEqual(['payment.*']);
  });
});
