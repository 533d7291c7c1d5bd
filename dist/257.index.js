export const id = 257;
export const ids = [257];
export const modules = {

/***/ 8257:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  scanMigrations: () => (/* binding */ scanMigrations)
});

// UNUSED EXPORTS: MAX_FILES, MAX_FILE_BYTES

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/picomatch/index.js
var picomatch = __webpack_require__(4006);
var picomatch_default = /*#__PURE__*/__webpack_require__.n(picomatch);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
;// CONCATENATED MODULE: ./src/migrations/changed-files.ts
/**
 * The files the triggering event changed. push: the pushed range, from the workspace's git history
 * when the checkout has it (fetch-depth: 0), else GitHub's compare API; a new branch: its head
 * commit. pull_request: the pull request's files. Every path is checked before it is used: the
 * list comes from the network or from a repository anyone may have pushed to.
 */




const ZERO_SHA = /^0+$/;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;
const run = (0,external_node_util_.promisify)(external_node_child_process_.execFile);
function readEvent(env = process.env) {
    const name = env.GITHUB_EVENT_NAME ?? '';
    let payload = {};
    try {
        if (env.GITHUB_EVENT_PATH)
            payload = JSON.parse((0,external_node_fs_.readFileSync)(env.GITHUB_EVENT_PATH, 'utf8'));
    }
    catch {
        // Without a payload, only what the environment says is known.
    }
    const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
    const info = { name, repository: { owner, repo }, workspace: env.GITHUB_WORKSPACE || process.cwd() };
    if (name === 'push') {
        const sha = (v) => (typeof v === 'string' && SHA.test(v) ? v : undefined);
        const after = sha(payload.after) ?? sha(env.GITHUB_SHA);
        if (after)
            info.push = { before: sha(payload.before), after, deleted: payload.deleted === true };
    }
    if (name === 'pull_request' || name === 'pull_request_target') {
        const number = payload.pull_request?.number ?? payload.number;
        if (typeof number === 'number' && Number.isSafeInteger(number) && number > 0)
            info.pullRequest = number;
    }
    return info;
}
async function changedFiles(event, token, log, bound = {}) {
    if (event.pullRequest) {
        const { pullRequestFiles } = await Promise.all(/* import() */[__webpack_require__.e(413), __webpack_require__.e(476)]).then(__webpack_require__.bind(__webpack_require__, 476));
        return { files: await pullRequestFiles(event, token, event.pullRequest, bound), source: `the files of pull request #${event.pullRequest}` };
    }
    if (!event.push) {
        throw new errors/* ActionError */.l(event.name === 'push' || event.name.startsWith('pull_request')
            ? `tables-from: the ${event.name} event's payload does not say what changed (GITHUB_EVENT_PATH); nothing can be read from it.`
            : `tables-from reads the migration files a push or a pull request changed, but this run was triggered by '${event.name || 'an unknown event'}'. Run the workflow on push or pull_request, or name the tables in 'tables'.`);
    }
    const { before, after, deleted } = event.push;
    if (deleted)
        return { files: [], source: 'a deleted branch' };
    const newBranch = !before || ZERO_SHA.test(before);
    const range = newBranch ? `commit ${after.slice(0, 7)} (the head of a new branch)` : `${before.slice(0, 7)}...${after.slice(0, 7)}`;
    const local = await gitChanges(event.workspace, newBranch ? undefined : before, after);
    if (local)
        return { files: local, source: `git history of the workspace, ${range}` };
    log.info(`tables-from: the pushed range ${range} is not in the workspace's git history (actions/checkout with fetch-depth: 0 brings it); asking GitHub's API instead.`);
    const { compareFiles, commitFiles } = await Promise.all(/* import() */[__webpack_require__.e(413), __webpack_require__.e(476)]).then(__webpack_require__.bind(__webpack_require__, 476));
    const files = newBranch ? await commitFiles(event, token, after, bound) : await compareFiles(event, token, before, after, (line) => log.warning(line), bound);
    return { files, source: `GitHub's API, ${range}` };
}
/** The changes from `before` (their merge base, as a push's compare shows) to `after`; undefined when the history lacks them. */
async function gitChanges(workspace, before, after) {
    const git = (args) => run('git', ['-C', workspace, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    try {
        for (const sha of [before, after])
            if (sha)
                await git(['cat-file', '-e', `${sha}^{commit}`]);
        const { stdout } = before
            ? await git(['diff', '--name-status', '-z', '--no-color', '-M', `${before}...${after}`])
            : await git(['diff-tree', '-r', '--root', '--no-commit-id', '--name-status', '-z', '--no-color', '-M', after]);
        return parseNameStatus(stdout);
    }
    catch {
        return undefined;
    }
}
/** `git diff --name-status -z`: a status, then one path (two for renames and copies). */
function parseNameStatus(output) {
    const fields = output.split('\0');
    const files = [];
    for (let i = 0; i < fields.length - 1;) {
        const status = fields[i++];
        if (!status)
            continue;
        const twoPaths = status[0] === 'R' || status[0] === 'C';
        if (twoPaths)
            i++;
        const path = fields[i++];
        if (path !== undefined)
            files.push({ path, removed: status[0] === 'D' });
    }
    return files;
}
/** A path from git or the API that may be read from the workspace: relative, inside it, printable. */
function isSafePath(path) {
    // eslint-disable-next-line no-control-regex -- control characters are what this refuses
    return !!path && !/[\u0000-\u001f\u007f]/.test(path) && !path.startsWith('/') && !path.split(/[\\/]/).includes('..');
}

;// CONCATENATED MODULE: ./src/migrations/sql-statements.ts
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/y;
const DELIMITER_LINE = /DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|$)/iy;
function splitStatements(sql, dialect) {
    const statements = [];
    let delimiter = ';';
    let start = -1;
    let startLine = 1;
    let line = 1;
    const finish = (end) => {
        if (start >= 0) {
            const text = sql.slice(start, end).trim();
            if (text)
                statements.push({ text, line: startLine });
        }
        start = -1;
    };
    const begin = (i) => {
        if (start < 0) {
            start = i;
            startLine = line;
        }
    };
    /** Skips to just past `end`, counting lines; returns the index after it (or the end of the text). */
    const skipTo = (from, end) => {
        const at = sql.indexOf(end, from);
        const stop = at < 0 ? sql.length : at + end.length;
        for (let k = from; k < stop; k++)
            if (sql[k] === '\n')
                line++;
        return stop;
    };
    let i = 0;
    while (i < sql.length) {
        const c = sql[i];
        const next = sql[i + 1];
        if (c === '\n') {
            line++;
            i++;
            continue;
        }
        if (start < 0 && dialect === 'mysql' && (i === 0 || sql[i - 1] === '\n')) {
            DELIMITER_LINE.lastIndex = i;
            const m = DELIMITER_LINE.exec(sql);
            if (m) {
                delimiter = m[1];
                if (m[0].endsWith('\n'))
                    line++;
                i += m[0].length;
                continue;
            }
        }
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
            const eol = sql.indexOf('\n', i);
            i = eol < 0 ? sql.length : eol;
            continue;
        }
        if (c === '/' && next === '*') {
            i = skipBlockComment(i, dialect === 'postgresql');
            continue;
        }
        if (sql.startsWith(delimiter, i)) {
            finish(i);
            i += delimiter.length;
            continue;
        }
        begin(i);
        if (c === "'" || c === '"' || c === '`') {
            const backslashes = dialect === 'mysql' ? c !== '`' : c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
            i = skipQuoted(i, c, backslashes);
            continue;
        }
        if (c === '$' && dialect === 'postgresql' && !/[\w$]/.test(sql[i - 1] ?? '')) {
            DOLLAR_TAG.lastIndex = i;
            const tag = DOLLAR_TAG.exec(sql)?.[0];
            if (tag) {
                i = skipTo(i + tag.length, tag);
                continue;
            }
        }
        i++;
    }
    finish(sql.length);
    return statements;
    function skipQuoted(from, quote, backslashes) {
        let k = from + 1;
        while (k < sql.length) {
            const ch = sql[k];
            if (ch === '\n')
                line++;
            if (backslashes && ch === '\\')
                k += 2;
            else if (ch === quote && sql[k + 1] === quote)
                k += 2;
            else if (ch === quote)
                return k + 1;
            else
                k++;
        }
        return k;
    }
    function skipBlockComment(from, nested) {
        let depth = 0;
        let k = from;
        while (k < sql.length) {
            if (sql[k] === '/' && sql[k + 1] === '*' && (nested || depth === 0)) {
                depth++;
                k += 2;
            }
            else if (sql[k] === '*' && sql[k + 1] === '/') {
                depth--;
                k += 2;
                if (depth === 0)
                    return k;
            }
            else {
                if (sql[k] === '\n')
                    line++;
                k++;
            }
        }
        return k;
    }
}

;// CONCATENATED MODULE: ./src/migrations/touches.ts
/**
 * A name as the database stores it: PostgreSQL lower-cases names that are not in double quotes;
 * MySQL keeps them as written. Unqualified names take the default schema.
 */
function resolveName(ref, statement, rules, schemaOf) {
    const table = typeof ref.table === 'string' ? ref.table : undefined;
    if (!table)
        return undefined;
    const schema = (typeof ref.db === 'string' && ref.db) || (typeof ref.schema === 'string' && ref.schema) || schemaOf;
    const stored = (name) => (rules.dialect === 'postgresql' && !statement.includes(`"${name}"`) ? name.toLowerCase() : name);
    return { schema: schema ? (schemaOf && schema === schemaOf ? schema : stored(schema)) : rules.defaultSchema, table: stored(table) };
}
const refs = (value) => (Array.isArray(value) ? value.filter((v) => !!v && typeof v === 'object' && !Array.isArray(v)) : value && typeof value === 'object' ? [value] : []);
/** The tables of one parsed statement (the parser may answer one tree or a list of them). */
function touchesOfAst(ast, statement, rules, at) {
    const trees = (Array.isArray(ast) ? ast : [ast]).filter((a) => !!a && typeof a === 'object');
    return trees.flatMap((tree) => touchesOfTree(tree, statement, rules, at));
}
function touchesOfTree(ast, statement, rules, at) {
    const touch = (kind, ref, extra = {}) => {
        const table = resolveName(ref, statement, rules);
        return table ? [{ ...at, statement: kind, table, gone: false, ...extra }] : [];
    };
    const keyword = String(ast.keyword ?? '').toLowerCase();
    switch (ast.type) {
        case 'create':
            return keyword === 'table' ? refs(ast.table).flatMap((r) => touch('CREATE TABLE', r)) : [];
        case 'alter': {
            if (keyword && keyword !== 'table')
                return [];
            const [target] = refs(ast.table);
            if (!target)
                return [];
            const actions = Array.isArray(ast.expr) ? ast.expr : [];
            const renames = actions.filter((a) => a?.action === 'rename' && a.resource === 'table' && typeof a.table === 'string');
            const touches = renames.length === actions.length && actions.length ? [] : touch('ALTER TABLE', target);
            for (const rename of renames) {
                const from = resolveName(target, statement, rules);
                touches.push(...renameTouches(from, resolveName({ table: rename.table }, statement, rules, from.schema), at));
            }
            return touches;
        }
        case 'rename':
            return (Array.isArray(ast.table) ? ast.table : []).flatMap((pair) => {
                const [fromRef, toRef] = refs(pair);
                const from = fromRef && resolveName(fromRef, statement, rules);
                const to = toRef && resolveName(toRef, statement, rules);
                return from && to ? renameTouches(from, to, at) : [];
            });
        case 'drop':
            return keyword === 'table' ? refs(ast.name).flatMap((r) => touch('DROP TABLE', r, { gone: true })) : [];
        case 'truncate':
            return refs(ast.name).flatMap((r) => touch('TRUNCATE', r));
        case 'insert':
        case 'replace':
            return refs(ast.table).slice(0, 1).flatMap((r) => touch(ast.type === 'insert' ? 'INSERT' : 'REPLACE', r));
        case 'update':
            // Joined tables are read, not written: the first is the target.
            return refs(ast.table).slice(0, 1).flatMap((r) => touch('UPDATE', r));
        case 'delete':
            return refs(ast.table).flatMap((r) => touch('DELETE', r));
        default:
            return [];
    }
}
function renameTouches(from, to, at) {
    return [
        { ...at, statement: 'RENAME', table: from, gone: true, renamedTo: to },
        { ...at, statement: 'RENAME', table: to, gone: false, renamedFrom: from }
    ];
}
const IDENT = String.raw `(?:"(?:[^"]|"")+"|\x60[^\x60]+\x60|[A-Za-z_][\w$]*)`;
const NAME = `(${IDENT}(?:\\s*\\.\\s*${IDENT})?)`;
const HEADS = [
    ['ALTER TABLE', new RegExp(String.raw `^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
    ['CREATE TABLE', new RegExp(String.raw `^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i')],
    ['DROP TABLE', new RegExp(String.raw `^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${NAME}`, 'i')],
    ['TRUNCATE', new RegExp(String.raw `^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
    ['INSERT', new RegExp(String.raw `^INSERT\s+(?:IGNORE\s+)?INTO\s+${NAME}`, 'i')],
    ['UPDATE', new RegExp(String.raw `^UPDATE\s+(?:ONLY\s+)?${NAME}`, 'i')],
    ['DELETE', new RegExp(String.raw `^DELETE\s+FROM\s+(?:ONLY\s+)?${NAME}`, 'i')]
];
/** Splits `schema.table` as written, unquoting each part. */
function nameFromText(text) {
    const parts = text.match(new RegExp(IDENT, 'g')) ?? [];
    const unquote = (p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.startsWith('`') ? p.slice(1, -1) : p);
    return parts.length > 1 ? { db: unquote(parts[0] ?? ''), table: unquote(parts[1] ?? '') } : { table: unquote(parts[0] ?? '') };
}
/**
 * For a statement the parser rejects: its table, from its first words (ALTER TABLE x ..., DROP
 * TABLE x, INSERT INTO x, ...). Only the first table of a list is read this way.
 */
function touchesFromHead(statement, rules, at) {
    const text = statement.replace(/^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
    for (const [kind, pattern] of HEADS) {
        const m = pattern.exec(text);
        if (!m)
            continue;
        const table = resolveName(nameFromText(m[1] ?? ''), statement, rules);
        if (!table)
            return [];
        if (kind === 'ALTER TABLE') {
            const rename = new RegExp(String.raw `\bRENAME\s+TO\s+${NAME}`, 'i').exec(text.slice(m[0].length));
            if (rename) {
                const to = resolveName(nameFromText(rename[1] ?? ''), statement, rules, rules.dialect === 'postgresql' ? table.schema : undefined);
                return renameTouches(table, to, at).map((t) => ({ ...t, fromHead: true }));
            }
        }
        return [{ ...at, statement: kind, table, gone: kind === 'DROP TABLE', fromHead: true }];
    }
    return [];
}

;// CONCATENATED MODULE: ./src/migrations/sql-parser.ts


/** Longer statements (a bulk INSERT of seed data, say) are read from their first words only. */
const MAX_PARSED_STATEMENT = 200_000;
async function loadParser(dialect) {
    // Literal paths, so that the bundler makes one chunk per dialect and never bundles the others.
    const module = (dialect === 'mysql' ? await Promise.all(/* import() */[__webpack_require__.e(269), __webpack_require__.e(442)]).then(__webpack_require__.t.bind(__webpack_require__, 6442, 23)) : await Promise.all(/* import() */[__webpack_require__.e(269), __webpack_require__.e(228)]).then(__webpack_require__.t.bind(__webpack_require__, 4228, 23)));
    const Parser = module.Parser ?? module.default?.Parser;
    if (!Parser)
        throw new Error(`node-sql-parser's ${dialect} build has no Parser`);
    return new Parser();
}
function readStatement(parser, text, rules, at) {
    if (text.length > MAX_PARSED_STATEMENT)
        return { touches: touchesFromHead(text, rules, at), unreadable: `it is longer than ${MAX_PARSED_STATEMENT.toLocaleString('en-US')} characters` };
    try {
        return { touches: touchesOfAst(parser.astify(text, { database: rules.dialect }), text, rules, at) };
    }
    catch (err) {
        const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
        return { touches: touchesFromHead(text, rules, at), unreadable: reason.length > 160 ? `${reason.slice(0, 157)}...` : reason };
    }
}
/**
 * The schema a statement makes the default for the statements after it in the same file: MySQL's
 * `USE db`, PostgreSQL's `SET [SESSION|LOCAL] search_path TO a, b` (its first schema other than
 * "$user", where unqualified names are looked up first and created). Undefined for other statements.
 */
function defaultSchemaSetBy(text, dialect) {
    const bare = text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '').replace(/;\s*$/, '').trim();
    if (dialect === 'mysql') {
        const use = /^USE\s+(`(?:[^`]|``)+`|[A-Za-z0-9_$]+)$/i.exec(bare);
        return use ? use[1].replace(/^`|`$/g, '').replace(/``/g, '`') : undefined;
    }
    const set = /^SET\s+(?:SESSION\s+|LOCAL\s+)?search_path\s*(?:TO|=)\s*([\s\S]+)$/i.exec(bare);
    if (!set)
        return undefined;
    for (const part of set[1].split(',').map((p) => p.trim())) {
        const quoted = /^"((?:[^"]|"")+)"$/.exec(part) ?? /^'((?:[^']|'')+)'$/.exec(part);
        const name = quoted ? quoted[1].replace(/""/g, '"').replace(/''/g, "'") : part.toLowerCase();
        if (name && name !== '$user' && !/^default$/i.test(name))
            return name;
    }
    return undefined;
}
/**
 * Every statement of one migration file: the tables touched, and the statements the parser rejected.
 * Unqualified names take default-schema, or the schema a `USE`/`SET search_path` earlier in the file chose.
 */
function readMigration(parser, sql, file, fileRules) {
    const touches = [];
    const unreadable = [];
    let rules = fileRules;
    for (const statement of splitStatements(sql, rules.dialect)) {
        const schema = defaultSchemaSetBy(statement.text, rules.dialect);
        if (schema !== undefined) {
            rules = { ...rules, defaultSchema: schema };
            continue;
        }
        const result = readStatement(parser, statement.text, rules, { file, line: statement.line });
        touches.push(...result.touches);
        if (result.unreadable)
            unreadable.push({ line: statement.line, reason: result.unreadable, touches: result.touches });
    }
    return { touches, unreadable };
}

;// CONCATENATED MODULE: ./src/migrations/index.ts
/**
 * tables-from: the tables that the changed migration files touch. This module and everything it
 * imports (the SQL parser, Octokit) are a chunk of their own, loaded only when tables-from is set.
 */





/** Bounds on what one step reads. */
const MAX_FILES = 500;
const MAX_FILE_BYTES = 5 * 1024 * 1024;
async function scanMigrations(options, token, log, env = process.env, bound = {}) {
    const event = readEvent(env);
    const changed = await changedFiles(event, token, log, bound);
    const isMigration = picomatch_default()(options.globs, { dot: true });
    const matching = changed.files.filter((f) => !f.removed && isMigration(f.path));
    const unsafe = matching.filter((f) => !isSafePath(f.path));
    if (unsafe.length)
        log.warning(`tables-from: ${unsafe.length} changed path${unsafe.length === 1 ? '' : 's'} with control characters or '..' left out.`);
    const files = [...new Set(matching.filter((f) => isSafePath(f.path)).map((f) => f.path))].sort();
    const scan = { source: changed.source, changed: changed.files.length, files: files.slice(0, MAX_FILES), touches: [], unreadable: [] };
    const globs = options.globs.join(', ');
    log.info(`tables-from: ${changed.files.length} file${changed.files.length === 1 ? '' : 's'} changed (${changed.source}); ${files.length} match ${globs}${files.length ? `: ${files.slice(0, 20).join(', ')}${files.length > 20 ? ', ...' : ''}` : ''}.`);
    if (files.length > MAX_FILES)
        log.warning(`tables-from: ${files.length} migration files changed; only the first ${MAX_FILES} (by path) are read.`);
    if (!files.length) {
        scan.nothingToDo = `No changed file matches tables-from (${globs}) in ${changed.source}; nothing to do.`;
        return scan;
    }
    const parser = await loadParser(options.dialect);
    const rules = { dialect: options.dialect, defaultSchema: options.defaultSchema };
    for (const file of scan.files) {
        const text = readFile(event.workspace, file, log);
        if (text === undefined)
            continue;
        const { touches, unreadable } = readMigration(parser, text, file, rules);
        scan.touches.push(...touches);
        for (const u of unreadable) {
            scan.unreadable.push({ file, line: u.line });
            const found = u.touches.length
                ? `; from its first words it ${u.touches[0].statement === 'RENAME' ? 'renames' : 'touches'} ${u.touches.map((t) => `${t.table.schema}.${t.table.table}`).join(' to ')}, which is counted`
                : "; its tables are unknown: if it changes a cached table, refresh that cache with 'tables'";
            log.warning(`${file} line ${u.line}: the SQL parser (${options.dialect}) could not read this statement (${u.reason})${found}.`);
        }
    }
    return scan;
}
function readFile(workspace, file, log) {
    let real;
    let root;
    try {
        real = (0,external_node_fs_.realpathSync)((0,external_node_path_.join)(workspace, file));
        root = (0,external_node_fs_.realpathSync)(workspace);
    }
    catch {
        log.warning(`${file} changed but is not in the workspace (${workspace}); it is left out. Check out the repository (actions/checkout) before this step.`);
        return undefined;
    }
    // A migration is a regular file inside the workspace: a link out of it (a secret, /dev/zero) is never read.
    const inside = (0,external_node_path_.relative)(root, real);
    if (inside.startsWith('..') || (0,external_node_path_.isAbsolute)(inside) || !(0,external_node_fs_.statSync)(real).isFile()) {
        log.warning(`${file} is a link out of the workspace or not a regular file; it is left out.`);
        return undefined;
    }
    const text = readCapped(real, MAX_FILE_BYTES);
    if (text === undefined) {
        log.warning(`${file}: more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB tables-from reads; it is left out. Refresh the caches it touches with 'tables'.`);
    }
    return text;
}
/** At most `cap` bytes of a file, read in chunks; undefined when it holds more (whatever its size says). */
function readCapped(path, cap) {
    const fd = (0,external_node_fs_.openSync)(path, 'r');
    try {
        const buffer = Buffer.alloc(cap + 1);
        let size = 0;
        for (let reads = 0; reads < 10_000 && size <= cap; reads++) {
            const n = (0,external_node_fs_.readSync)(fd, buffer, size, cap + 1 - size, null);
            if (n === 0)
                break;
            size += n;
        }
        return size > cap ? undefined : buffer.subarray(0, size).toString('utf8');
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
}


/***/ })

};

//# sourceMappingURL=257.index.js.map