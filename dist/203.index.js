export const id = 203;
export const ids = [203];
export const modules = {

/***/ 8203:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  scanMigrations: () => (/* binding */ scanMigrations)
});

// UNUSED EXPORTS: MAX_FILES, MAX_FILE_BYTES, MAX_STATEMENT_WARNINGS, describeKinds

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
        const pr = payload.pull_request;
        const base = pr?.base?.sha;
        const head = pr?.head?.sha;
        if (typeof base === 'string' && SHA.test(base) && typeof head === 'string' && SHA.test(head))
            info.pullRequestRange = { base, head };
    }
    return info;
}
async function changedFiles(event, token, log, bound = {}) {
    if (event.pullRequest) {
        const { pullRequestFiles, PULL_REQUEST_FILES_CAP } = await Promise.all(/* import() */[__webpack_require__.e(413), __webpack_require__.e(476)]).then(__webpack_require__.bind(__webpack_require__, 476));
        const files = await pullRequestFiles(event, token, event.pullRequest, bound);
        if (files.length < PULL_REQUEST_FILES_CAP)
            return { files, source: `the files of pull request #${event.pullRequest}` };
        // GitHub lists no more than 3,000 files: a migration past them would be missed without a word.
        const range = event.pullRequestRange;
        const local = range && (await gitChanges(event.workspace, range.base, range.head));
        if (local) {
            log.warning(`tables-from: GitHub lists only the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files of pull request #${event.pullRequest}; its ${local.length.toLocaleString('en-US')} changed files are read from the workspace's git history instead.`);
            return {
                files: local,
                source: `git history of the workspace, pull request #${event.pullRequest} (${range.base.slice(0, 7)}...${range.head.slice(0, 7)})`
            };
        }
        log.warning(`tables-from: GitHub lists only the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files of pull request #${event.pullRequest}, and the workspace's git history does not have its base and head commits: migrations past the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files are not read. Check out with fetch-depth: 0 so that the action reads every change from git, or name the tables in 'tables'.`);
        return { files, source: `the first ${PULL_REQUEST_FILES_CAP.toLocaleString('en-US')} files of pull request #${event.pullRequest}` };
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
    const files = newBranch
        ? await commitFiles(event, token, after, bound)
        : await compareFiles(event, token, before, after, (line) => log.warning(line), bound);
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
    /** Only blanks between the line's start and `at`. */
    const atLineStart = (at) => {
        for (let k = at - 1; k >= 0 && sql[k] !== '\n'; k--)
            if (sql[k] !== ' ' && sql[k] !== '\t' && sql[k] !== '\r')
                return false;
        return true;
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
        if (dialect === 'mysql' && (c === 'd' || c === 'D')) {
            DELIMITER_LINE.lastIndex = i;
            const m = DELIMITER_LINE.exec(sql);
            if (m && atLineStart(i)) {
                finish(i);
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
            const end = blockCommentEnd(sql, i, dialect === 'postgresql');
            for (let k = i; k < end; k++)
                if (sql[k] === '\n')
                    line++;
            i = end;
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
}
/**
 * The statement with its comments blanked out wherever they are (newlines kept, so that offsets and
 * lines still match), strings, quoted names and dollar-quoted bodies left as they are.
 */
function withoutComments(sql, dialect) {
    let out = '';
    let from = 0;
    let i = 0;
    const blank = (end) => {
        out += sql.slice(from, i) + sql.slice(i, end).replace(/[^\n]/g, ' ');
        i = from = end;
    };
    while (i < sql.length) {
        const c = sql[i];
        const next = sql[i + 1];
        if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
            const eol = sql.indexOf('\n', i);
            blank(eol < 0 ? sql.length : eol);
        }
        else if (c === '/' && next === '*') {
            blank(blockCommentEnd(sql, i, dialect === 'postgresql'));
        }
        else if (c === "'" || c === '"' || c === '`') {
            const backslashes = dialect === 'mysql' ? c !== '`' : c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
            let k = i + 1;
            while (k < sql.length) {
                if (backslashes && sql[k] === '\\')
                    k += 2;
                else if (sql[k] === c && sql[k + 1] === c)
                    k += 2;
                else if (sql[k] === c)
                    break;
                else
                    k++;
            }
            i = Math.min(k + 1, sql.length);
        }
        else if (c === '$' && dialect === 'postgresql' && !/[\w$]/.test(sql[i - 1] ?? '')) {
            DOLLAR_TAG.lastIndex = i;
            const tag = DOLLAR_TAG.exec(sql)?.[0];
            if (tag) {
                const end = sql.indexOf(tag, i + tag.length);
                i = end < 0 ? sql.length : end + tag.length;
            }
            else
                i++;
        }
        else
            i++;
    }
    return out + sql.slice(from);
}
/**
 * The index just past the block comment that starts at `from` (the end of the text if it never
 * closes). `nested`: PostgreSQL's comments nest; MySQL's end at the first `*\/`.
 */
function blockCommentEnd(sql, from, nested) {
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
        else
            k++;
    }
    return sql.length;
}

;// CONCATENATED MODULE: ./src/migrations/sql-scan.ts
/**
 * Walking SQL text at parenthesis depth, past strings, quoted names and dollar-quoted bodies: the
 * one scanner the statement readers share (touches.ts, routines.ts).
 */
/**
 * The index of the last character of the quoted text that starts at `k` (a string, a quoted name,
 * or a `$tag$` body); `k` itself when nothing quoted starts there; -1 when it never closes.
 */
function quotedEnd(text, k) {
    const c = text[k];
    if (c === "'" || c === '"' || c === '`')
        return text.indexOf(c, k + 1);
    if (c !== '$')
        return k;
    const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(text.slice(k, k + 64))?.[0];
    if (!tag)
        return k;
    const end = text.indexOf(tag, k + tag.length);
    return end < 0 ? -1 : end + tag.length - 1;
}
/**
 * Scans from `from`, tracking depth; `stop` is asked at each character outside quotes with the
 * depth after it, and the scan ends at the first index it returns (not undefined). -1 if none.
 */
function scan(text, from, stop) {
    let depth = 0;
    for (let k = from; k < text.length; k++) {
        const end = quotedEnd(text, k);
        if (end < 0)
            return -1;
        if (end !== k) {
            k = end;
            continue;
        }
        if (text[k] === '(')
            depth++;
        else if (text[k] === ')')
            depth--;
        const at = stop(k, depth);
        if (at !== undefined)
            return at;
    }
    return -1;
}
/** The index of the parenthesis that closes the one at `open`; -1 if none. */
function closingParen(text, open) {
    return scan(text, open, (k, depth) => (text[k] === ')' && depth === 0 ? k : undefined));
}
/** From `from`, the index just past the first `word` (a sticky regex) at depth 0; -1 if none. */
function pastWord(text, from, word) {
    return scan(text, from, (k, depth) => {
        if (depth !== 0 || !/[A-Za-z]/.test(text[k]) || /[\w$]/.test(text[k - 1] ?? ''))
            return undefined;
        word.lastIndex = k;
        const m = word.exec(text);
        return m ? k + m[0].length : undefined;
    });
}

;// CONCATENATED MODULE: ./src/migrations/routines.ts
/**
 * Routines in migrations, read as text: a PostgreSQL DO block's body, the body of a function or
 * procedure a migration creates (to credit its tables to the statement that calls it), the calls of
 * such routines, and dynamic SQL (EXECUTE, PREPARE) whose tables cannot be known. The body is split
 * into statements and the control flow around each (BEGIN, IF ... THEN, LOOP, EXCEPTION WHEN ...,
 * DECLARE ... HANDLER FOR) is stepped over, so the SQL statements inside are read as any other.
 */


const IDENT = String.raw `(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const QUALIFIED = String.raw `${IDENT}(?:\s*\.\s*${IDENT})?`;
/** The key a routine's name is known by: its last part, unquoted; lower-cased unless PostgreSQL quotes it. */
function routineKey(written, dialect) {
    const parts = written.match(new RegExp(IDENT, 'g')) ?? [];
    const last = parts[parts.length - 1] ?? '';
    if (last.startsWith('"'))
        return last.slice(1, -1).replace(/""/g, '"');
    if (last.startsWith('`'))
        return last.slice(1, -1).replace(/``/g, '`').toLowerCase();
    return dialect === 'mysql' ? last.toLowerCase() : last.toLowerCase();
}
/** A quoted body at `at`: `$tag$ ... $tag$` or `'...'` (with '' for '). */
function quotedBody(text, at) {
    const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(text.slice(at, at + 64))?.[0];
    if (tag) {
        const end = text.indexOf(tag, at + tag.length);
        return end < 0 ? undefined : { text: text.slice(at + tag.length, end), offset: at + tag.length };
    }
    if (text[at] === "'") {
        let k = at + 1;
        while (k < text.length && !(text[k] === "'" && text[k + 1] !== "'"))
            k += text[k] === "'" ? 2 : 1;
        // Doubled quotes become single ones; the offset stays that of the body's start (lines do not change).
        return { text: text.slice(at + 1, k).replace(/''/g, "'"), offset: at + 1 };
    }
    return undefined;
}
const languageOf = (text) => /\bLANGUAGE\s+'?"?([A-Za-z_]\w*)/i.exec(text)?.[1]?.toLowerCase();
/** A PostgreSQL `DO [LANGUAGE l] $$ body $$ [LANGUAGE l]`: its body. `text` has no comments outside the body. */
function doBlock(text) {
    const m = /^DO\s+(?:LANGUAGE\s+'?"?\w+'?"?\s+)?/i.exec(text);
    if (!m)
        return undefined;
    const body = quotedBody(text, m[0].length);
    if (!body)
        return undefined;
    const outside = text.slice(0, body.offset) + text.slice(body.offset + body.text.length);
    return { ...body, language: languageOf(outside) ?? 'plpgsql' };
}
/**
 * `CREATE [OR REPLACE] FUNCTION|PROCEDURE name (...) ... AS $$ body $$` (PostgreSQL; also `BEGIN
 * ATOMIC ... END`), or MySQL's `CREATE [DEFINER = u] PROCEDURE|FUNCTION name (...) ... BEGIN ... END`.
 */
function routineDefinition(text, dialect) {
    const head = new RegExp(String.raw `^CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(FUNCTION|PROCEDURE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(${QUALIFIED})\s*\(`, 'i').exec(text);
    if (!head)
        return undefined;
    const kind = (head[1] ?? '').toUpperCase();
    const name = routineKey(head[2] ?? '', dialect);
    const close = closingParen(text, head[0].length - 1);
    const after = close < 0 ? -1 : close + 1;
    if (after < 0)
        return undefined;
    if (dialect === 'postgresql') {
        const as = /\bAS\s+(?=\$|')/i.exec(text.slice(after));
        if (as) {
            const body = quotedBody(text, after + as.index + as[0].length);
            if (!body)
                return undefined;
            const outside = text.slice(0, body.offset) + text.slice(body.offset + body.text.length);
            return { ...body, name, kind, language: languageOf(outside) };
        }
        const atomic = /\bBEGIN\s+ATOMIC\b/i.exec(text.slice(after));
        return atomic ? { text: text.slice(after + atomic.index), offset: after + atomic.index, name, kind, language: 'sql' } : undefined;
    }
    const begin = /\bBEGIN\b/i.exec(text.slice(after));
    if (begin)
        return { text: text.slice(after + begin.index), offset: after + begin.index, name, kind, language: 'sql' };
    // A body of one statement after the characteristics.
    const characteristics = /^(?:\s*(?:RETURNS\s+\w+(?:\s*\([^)]*\))?(?:\s+(?:UNSIGNED|CHARSET\s+\w+|CHARACTER\s+SET\s+\w+|COLLATE\s+\w+))*|COMMENT\s+'(?:[^']|'')*'|LANGUAGE\s+SQL|NOT\s+DETERMINISTIC|DETERMINISTIC|CONTAINS\s+SQL|NO\s+SQL|READS\s+SQL\s+DATA|MODIFIES\s+SQL\s+DATA|SQL\s+SECURITY\s+\w+))*\s*/i.exec(text.slice(after));
    const offset = after + (characteristics?.[0].length ?? 0);
    return { text: text.slice(offset), offset, name, kind, language: 'sql' };
}
const THEN = /THEN\b/iy;
const LOOP_OR_DO = /(?:LOOP|DO)\b/iy;
const WHEN = /WHEN\b/iy;
const HANDLER = /^DECLARE\s+(?:CONTINUE|EXIT|UNDO)\s+HANDLER\s+FOR\s+/i;
const CONDITION = /^(?:SQLEXCEPTION|SQLWARNING|NOT\s+FOUND|SQLSTATE\s+(?:VALUE\s+)?'[^']*'|\d+|[A-Za-z_]\w*)\s*/i;
/** PL/pgSQL and MySQL routine statements that run no SQL of their own (calls in them are still looked for). */
const PROCEDURAL = /^(?:PERFORM|RETURN|RAISE|NULL|GET|OPEN|FETCH|CLOSE|EXIT|CONTINUE|LEAVE|ITERATE|ASSERT|SET|SIGNAL|RESIGNAL|MOVE|COMMIT|ROLLBACK|CALL|SELECT|VALUES|DEALLOCATE|(?:[A-Za-z_][\w$]*(?:\s*\.\s*[A-Za-z_][\w$]*)?(?:\s*\[[^\]]*\])?\s*:?=(?!=)))/i;
/**
 * Where the statement inside one piece of a body starts, past the control flow around it; undefined
 * when the piece holds none (END IF, a declaration, UNTIL ... END REPEAT).
 */
function pastControlFlow(piece) {
    let k = 0;
    for (let n = 0; n < 100; n++) {
        while (k < piece.length && /\s/.test(piece[k] ?? ''))
            k++;
        const rest = piece.slice(k);
        let m;
        if ((m = /^<<\s*\w+\s*>>/.exec(rest)) || (m = /^[A-Za-z_]\w*\s*:(?!=)\s*(?=BEGIN|LOOP|WHILE|REPEAT|FOR)/i.exec(rest)))
            k += m[0].length;
        else if ((m = HANDLER.exec(rest))) {
            k += m[0].length;
            for (let c = 0; c < 100; c++) {
                const cond = CONDITION.exec(piece.slice(k));
                if (!cond)
                    break;
                k += cond[0].length;
                if (piece[k] !== ',')
                    break;
                k++;
                while (/\s/.test(piece[k] ?? ''))
                    k++;
            }
        }
        else if ((m = /^DECLARE\s+(?=BEGIN\b)/i.exec(rest)))
            k += m[0].length;
        else if (/^(?:DECLARE|END|UNTIL)\b/i.test(rest))
            return undefined;
        else if ((m = /^(?:BEGIN(?:\s+(?:NOT\s+)?ATOMIC)?|ELSE|EXCEPTION|LOOP|REPEAT|THEN)\b/i.exec(rest)))
            k += m[0].length;
        else if (/^(?:IF|ELSIF|ELSEIF|WHEN)\b/i.test(rest)) {
            const past = pastWord(piece, k + 2, THEN);
            if (past < 0)
                return undefined;
            k = past;
        }
        else if (/^CASE\b/i.test(rest)) {
            const past = pastWord(piece, k + 4, WHEN);
            if (past < 0)
                return undefined;
            k = past - 4;
        }
        else if (/^(?:WHILE|FOR|FOREACH)\b/i.test(rest)) {
            const past = pastWord(piece, k + 3, LOOP_OR_DO);
            if (past < 0)
                return undefined;
            // FOR r IN EXECUTE '...' LOOP runs dynamic SQL: the piece is kept whole for the dynamic check.
            if (/^FOR\b[\s\S]*\bIN\s+EXECUTE\b/i.test(piece.slice(k, past)))
                return k;
            k = past;
        }
        else
            break;
    }
    return k < piece.length ? k : undefined;
}
/** What one body statement is: SQL, procedural (calls only), or dynamic SQL (with the literal it runs, when it is one). */
function classify(text, offset, dialect) {
    if (dialect === 'postgresql') {
        const literal = /^EXECUTE\s+('(?:[^']|'')*'|\$(?:[A-Za-z_]\w*)?\$[\s\S]*\$(?:[A-Za-z_]\w*)?\$)\s*(?:$|USING\b|INTO\b)/i.exec(text);
        if (literal) {
            const body = quotedBody(literal[1] ?? '', 0);
            if (body)
                return [{ kind: 'sql', text: body.text.trim(), offset: offset + 'EXECUTE '.length }];
        }
        if (/^(?:EXECUTE|RETURN\s+QUERY\s+EXECUTE|FOR\b[\s\S]*\bIN\s+EXECUTE)\b/i.test(text))
            return [{ kind: 'dynamic', what: 'EXECUTE', offset }];
    }
    else {
        const literal = /^PREPARE\s+\w+\s+FROM\s+'((?:[^'\\]|''|\\.)*)'\s*$/i.exec(text);
        if (literal)
            return [{ kind: 'sql', text: (literal[1] ?? '').replace(/''/g, "'").replace(/\\(.)/g, '$1'), offset }];
        if (/^PREPARE\b/i.test(text))
            return [{ kind: 'dynamic', what: 'PREPARE', offset }];
        if (/^EXECUTE\b/i.test(text))
            return [];
    }
    if (PROCEDURAL.test(text))
        return [{ kind: 'calls', text, offset }];
    return [{ kind: 'sql', text, offset }];
}
/** The statements of a routine's body (DO block, function, procedure), each with its offset in the body. */
function bodyStatements(body, dialect) {
    const out = [];
    const lineStarts = [0];
    for (let k = body.indexOf('\n'); k >= 0; k = body.indexOf('\n', k + 1))
        lineStarts.push(k + 1);
    // PL/pgSQL declares its variables between DECLARE and BEGIN, one per statement: none of them is SQL.
    let declaring = false;
    for (const statement of splitStatements(body, dialect)) {
        const piece = withoutComments(statement.text, dialect);
        if (dialect === 'postgresql') {
            if (/^(?:<<\s*\w+\s*>>\s*)?DECLARE\b/i.test(piece))
                declaring = !/\bBEGIN\b/i.test(piece);
            else if (declaring && !/^(?:<<\s*\w+\s*>>\s*)?BEGIN\b/i.test(piece))
                continue;
            else
                declaring = false;
        }
        const start = pastControlFlow(piece);
        if (start === undefined)
            continue;
        // The piece's offset in the body: its first line's start plus its indentation there.
        const lineStart = lineStarts[statement.line - 1] ?? 0;
        const offset = body.indexOf(statement.text.slice(0, 40), lineStart) + start;
        out.push(...classify(piece.slice(start).trim(), Math.max(0, offset), dialect));
    }
    return out;
}
/** A top-level statement that runs dynamic SQL: MySQL's `PREPARE s FROM @sql` (a literal is read instead), PostgreSQL's `EXECUTE` of a prepared name is not. */
function topLevelDynamic(text, dialect) {
    if (dialect !== 'mysql' || !/^PREPARE\b/i.test(text))
        return undefined;
    return classify(text, 0, dialect)[0];
}
/**
 * The routines of `known` a statement calls: `CALL p(...)`, `CALL p`, `SELECT f(...)`, `PERFORM
 * f(...)`, `x := f(...)`. `text` has no comments; string literals are not calls.
 */
function callsIn(text, dialect, known) {
    if (!known.size)
        return [];
    const bare = text.replace(/'(?:[^']|'')*'/g, "''");
    const found = new Set();
    const call = new RegExp(String.raw `^CALL\s+(${QUALIFIED})`, 'i').exec(bare);
    if (call) {
        const key = routineKey(call[1] ?? '', dialect);
        if (known.has(key))
            found.add(key);
    }
    for (const m of bare.matchAll(new RegExp(String.raw `(?<![\w$."\x60])(${QUALIFIED})\s*\(`, 'g'))) {
        const key = routineKey(m[1] ?? '', dialect);
        if (known.has(key))
            found.add(key);
    }
    return [...found];
}
/** The name a `CALL` names, whether or not the migrations create it (MySQL and PostgreSQL procedures). */
function calledProcedure(text, dialect) {
    const call = new RegExp(String.raw `^CALL\s+(${QUALIFIED})`, 'i').exec(text);
    return call ? routineKey(call[1] ?? '', dialect) : undefined;
}

;// CONCATENATED MODULE: ./src/migrations/statement-kinds.ts
const OBJECTS = [
    'FUNCTION',
    'PROCEDURE',
    'ROUTINE',
    'VIEW',
    'MATERIALIZED VIEW',
    'TRIGGER',
    'CONSTRAINT TRIGGER',
    'EVENT TRIGGER',
    'TYPE',
    'DOMAIN',
    'EXTENSION',
    'SCHEMA',
    'DATABASE',
    'SEQUENCE',
    'INDEX',
    'UNIQUE INDEX',
    'FULLTEXT INDEX',
    'SPATIAL INDEX',
    'POLICY',
    'ROLE',
    'USER',
    'USER MAPPING',
    'GROUP',
    'RULE',
    'AGGREGATE',
    'OPERATOR',
    'OPERATOR CLASS',
    'OPERATOR FAMILY',
    'CAST',
    'COLLATION',
    'CONVERSION',
    'PUBLICATION',
    'SUBSCRIPTION',
    'EVENT',
    'SERVER',
    'FOREIGN DATA WRAPPER',
    'FOREIGN TABLE',
    'TEXT SEARCH',
    'LANGUAGE',
    'STATISTICS',
    'ACCESS METHOD',
    'TRANSFORM',
    'TABLESPACE',
    'DEFAULT PRIVILEGES',
    'LARGE OBJECT',
    'OWNED BY',
    'LOGFILE GROUP',
    'RESOURCE GROUP',
    'SYSTEM',
    'INSTANCE'
];
const OBJECT = `(?:${OBJECTS.map((o) => o.replace(/ /g, '\\s+')).join('|')})\\b`;
/** `CREATE [OR REPLACE] [DEFINER = x] [ALGORITHM = y] [SQL SECURITY z] [TEMP] [RECURSIVE] [TRUSTED] [PROCEDURAL] [CONCURRENTLY] <object>` */
const CREATE = new RegExp(String.raw `^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:DEFINER\s*=\s*(?:\S+)|ALGORITHM\s*=\s*\w+|SQL\s+SECURITY\s+\w+|TEMP|TEMPORARY|RECURSIVE|TRUSTED|PROCEDURAL|DEFAULT|AGGREGATE)\s+)*${OBJECT}`, 'i');
const ALTER = new RegExp(String.raw `^ALTER\s+${OBJECT}`, 'i');
const DROP = new RegExp(String.raw `^DROP\s+${OBJECT}`, 'i');
const OTHER = new RegExp(String.raw `^(?:COMMENT\s+ON|GRANT|REVOKE|SET|RESET|SHOW|BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|LOCK|UNLOCK|ANALYZE|ANALYSE|VACUUM|REINDEX|CLUSTER|REFRESH\s+MATERIALIZED\s+VIEW|NOTIFY|LISTEN|UNLISTEN|EXPLAIN|EXECUTE|DEALLOCATE|DISCARD|CHECKPOINT|SECURITY\s+LABEL|FLUSH|OPTIMIZE|CHECK|CHECKSUM|REPAIR|USE|DESCRIBE|DESC|HELP|DECLARE|FETCH|CLOSE|MOVE|INSTALL|UNINSTALL|PURGE|KILL|SIGNAL|RESIGNAL|XA|HANDLER|CACHE\s+INDEX|LOAD\s+INDEX)\b`, 'i');
/** The statement's kind as its first words say it, for the count: `CREATE FUNCTION`, `COMMENT ON`, `SET`. */
function kindOf(text) {
    const words = text
        .replace(/^CREATE\s+OR\s+REPLACE\s+/i, 'CREATE ')
        .replace(/^(CREATE)\s+(?:DEFINER\s*=\s*\S+\s+|ALGORITHM\s*=\s*\w+\s+|SQL\s+SECURITY\s+\w+\s+)+/i, '$1 ')
        .split(/[\s(;]+/)
        .filter(Boolean);
    const first = (words[0] ?? '').toUpperCase();
    const two = ['CREATE', 'ALTER', 'DROP', 'COMMENT', 'START', 'REFRESH', 'SECURITY'].includes(first);
    return (two ? `${first} ${(words[1] ?? '').toUpperCase()}` : first).replace(/[^A-Z_ ]/g, '').trim() || 'statement';
}
/**
 * Whether a statement, by its kind alone, changes no table's data, so that not reading it loses
 * nothing. `text` has no comments. A plain SELECT reads; PostgreSQL's `SELECT ... INTO t` creates a
 * table, and a WITH may hide a write, so neither counts as touching nothing.
 */
function touchesNoTable(text, dialect) {
    if (CREATE.test(text) || ALTER.test(text) || DROP.test(text) || OTHER.test(text))
        return !/^(?:DROP|CREATE|ALTER)\s+(?:TEMPORARY\s+)?TABLE\b/i.test(text);
    if (/^(?:SELECT|VALUES|TABLE)\b/i.test(text))
        return dialect === 'mysql' || !/\bINTO\b/i.test(text);
    return false;
}

;// CONCATENATED MODULE: ./src/migrations/touches.ts
/**
 * The tables one migration statement touches, from node-sql-parser's syntax tree: what it creates,
 * alters, renames, drops, truncates or writes. Index, view, function, grant and other statements
 * touch no table's data and are passed over.
 */


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
const refs = (value) => Array.isArray(value)
    ? value.filter((v) => !!v && typeof v === 'object' && !Array.isArray(v))
    : value && typeof value === 'object'
        ? [value]
        : [];
/** The tables of one parsed statement (the parser may answer one tree or a list of them). */
function touchesOfAst(ast, statement, rules, at) {
    const trees = (Array.isArray(ast) ? ast : [ast]).filter((a) => !!a && typeof a === 'object');
    return trees.flatMap((tree) => [...withTouches(tree, statement, rules, at, 0), ...touchesOfTree(tree, statement, rules, at)]);
}
/** The writes of a statement's data-modifying WITH parts (`WITH x AS (INSERT INTO a ...) UPDATE b ...`). */
function withTouches(ast, statement, rules, at, depth) {
    if (!Array.isArray(ast.with) || depth > 8)
        return [];
    return ast.with.flatMap((part) => {
        const stmt = part?.stmt;
        const tree = stmt && typeof stmt === 'object' ? (stmt.ast && typeof stmt.ast === 'object' ? stmt.ast : stmt) : undefined;
        return tree ? [...withTouches(tree, statement, rules, at, depth + 1), ...touchesOfTree(tree, statement, rules, at)] : [];
    });
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
            return refs(ast.table)
                .slice(0, 1)
                .flatMap((r) => touch(ast.type === 'insert' ? 'INSERT' : 'REPLACE', r));
        case 'update':
            // Joined tables are read, not written: the first is the target.
            return refs(ast.table)
                .slice(0, 1)
                .flatMap((r) => touch('UPDATE', r));
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
const touches_IDENT = String.raw `(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const NAME = `(${touches_IDENT}(?:\\s*\\.\\s*${touches_IDENT})?)`;
const HEADS = [
    ['ALTER TABLE', new RegExp(String.raw `^ALTER\s+(?:ONLINE\s+|OFFLINE\s+|IGNORE\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
    [
        'CREATE TABLE',
        new RegExp(String.raw `^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i')
    ],
    ['TRUNCATE', new RegExp(String.raw `^TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?${NAME}`, 'i')],
    ['INSERT', new RegExp(String.raw `^INSERT\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?${NAME}`, 'i')],
    ['REPLACE', new RegExp(String.raw `^REPLACE\s+(?:(?:LOW_PRIORITY|DELAYED)\s+)?(?:INTO\s+)?${NAME}`, 'i')],
    ['UPDATE', new RegExp(String.raw `^UPDATE\s+(?:(?:LOW_PRIORITY|IGNORE|ONLY)\s+)*${NAME}`, 'i')],
    ['DELETE', new RegExp(String.raw `^DELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*FROM\s+(?:ONLY\s+)?${NAME}`, 'i')],
    ['MERGE', new RegExp(String.raw `^MERGE\s+INTO\s+(?:ONLY\s+)?${NAME}`, 'i')]
];
/** Statements that name a list of tables: DROP TABLE a, b; TRUNCATE a, b; MySQL's RENAME TABLE a TO b, c TO d. */
const DROP_LIST = /^DROP\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?/i;
const TRUNCATE_LIST = /^TRUNCATE\s+(?:TABLE\s+)?/i;
const RENAME_LIST = /^RENAME\s+TABLES?\s+/i;
const LIST_NAME = new RegExp(String.raw `\s*(?:ONLY\s+)?${NAME}\s*\*?\s*`, 'iy');
const CTE_HEAD = new RegExp(String.raw `\s*${touches_IDENT}\s*(?:\([^()]*\)\s*)?AS\s+(?:(?:NOT\s+)?MATERIALIZED\s+)?\(`, 'iy');
/** Splits `schema.table` as written, unquoting each part. */
function nameFromText(text) {
    const parts = text.match(new RegExp(touches_IDENT, 'g')) ?? [];
    const unquote = (p) => p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.startsWith('`') ? p.slice(1, -1).replace(/``/g, '`') : p;
    return parts.length > 1 ? { db: unquote(parts[0] ?? ''), table: unquote(parts[1] ?? '') } : { table: unquote(parts[0] ?? '') };
}
/** The names of a comma-separated list at `from` (`a, b.c, ONLY d *`), and where the list ends. */
function nameList(text, from, separator = ',') {
    const names = [];
    let at = from;
    for (let n = 0; n < 10_000; n++) {
        LIST_NAME.lastIndex = at;
        const m = LIST_NAME.exec(text);
        if (!m)
            break;
        names.push(m[1] ?? '');
        at = LIST_NAME.lastIndex;
        if (text[at] !== separator)
            break;
        at++;
    }
    return { names, end: at };
}
/**
 * For a statement the parser rejects: its tables, from its first words (ALTER TABLE x ..., DROP
 * TABLE a, b, INSERT INTO x, RENAME TABLE a TO b, c TO d, ...), with comments anywhere left out. A
 * leading `WITH x AS (...)` is stepped over to the statement inside, and each of its parts that
 * writes (`x AS (INSERT INTO a ...)`) is read the same way.
 */
function touchesFromHead(statement, rules, at) {
    const text = withoutComments(statement, rules.dialect).trim();
    return headTouches(text, statement, rules, at, 0).map((t) => ({ ...t, fromHead: true }));
}
function headTouches(text, statement, rules, at, depth) {
    const name = (written, schemaOf) => resolveName(nameFromText(written), statement, rules, schemaOf);
    const cte = /^WITH\s+(?:RECURSIVE\s+)?/i.exec(text);
    if (cte && depth < 8) {
        const found = [];
        let k = cte[0].length;
        for (let n = 0; n < 1_000; n++) {
            CTE_HEAD.lastIndex = k;
            const head = CTE_HEAD.exec(text);
            if (!head)
                return found;
            const open = CTE_HEAD.lastIndex - 1;
            const close = closingParen(text, open);
            if (close < 0)
                return found;
            found.push(...headTouches(text.slice(open + 1, close).trim(), statement, rules, at, depth + 1));
            k = close + 1;
            const comma = /^\s*,/.exec(text.slice(k, k + 200));
            if (!comma)
                break;
            k += comma[0].length;
        }
        return [...found, ...headTouches(text.slice(k).trim(), statement, rules, at, depth + 1)];
    }
    const drop = DROP_LIST.exec(text);
    if (drop)
        return nameList(text, drop[0].length)
            .names.flatMap((n) => name(n) ?? [])
            .map((table) => ({ ...at, statement: 'DROP TABLE', table, gone: true }));
    const truncate = TRUNCATE_LIST.exec(text);
    if (truncate)
        return nameList(text, truncate[0].length)
            .names.flatMap((n) => name(n) ?? [])
            .map((table) => ({ ...at, statement: 'TRUNCATE', table, gone: false }));
    const rename = RENAME_LIST.exec(text);
    if (rename) {
        const touches = [];
        let k = rename[0].length;
        for (let n = 0; n < 10_000; n++) {
            const pair = new RegExp(String.raw `\s*${NAME}\s+TO\s+${NAME}\s*`, 'iy');
            pair.lastIndex = k;
            const m = pair.exec(text);
            if (!m)
                break;
            const from = name(m[1] ?? '');
            const to = name(m[2] ?? '');
            if (from && to)
                touches.push(...renameTouches(from, to, at));
            k = pair.lastIndex;
            if (text[k] !== ',')
                break;
            k++;
        }
        return touches;
    }
    for (const [kind, pattern] of HEADS) {
        const m = pattern.exec(text);
        if (!m)
            continue;
        const table = name(m[1] ?? '');
        if (!table)
            return [];
        if (kind === 'ALTER TABLE') {
            const rest = text.slice(m[0].length);
            const renamed = new RegExp(String.raw `\bRENAME\s+(?:TO|AS)\s+${NAME}`, 'i').exec(rest);
            if (renamed)
                return renameTouches(table, name(renamed[1] ?? '', rules.dialect === 'postgresql' ? table.schema : undefined), at);
            const moved = new RegExp(String.raw `^\s*SET\s+SCHEMA\s+(${touches_IDENT})\s*$`, 'i').exec(rest);
            if (moved && rules.dialect === 'postgresql') {
                const movedTo = resolveName({ db: nameFromText(moved[1] ?? '').table, table: table.table }, statement, rules);
                if (movedTo)
                    return renameTouches(table, movedTo, at);
            }
        }
        return [{ ...at, statement: kind, table, gone: false }];
    }
    return [];
}

// EXTERNAL MODULE: ./src/clock.ts + 1 modules
var src_clock = __webpack_require__(529);
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
        return {
            touches: touchesFromHead(text, rules, at),
            unreadable: `it is longer than ${MAX_PARSED_STATEMENT.toLocaleString('en-US')} characters`
        };
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
    const bare = text
        .replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '')
        .replace(/;\s*$/, '')
        .trim();
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
const newReadContext = (deadline, clock = src_clock/* realClock */.d) => ({ routines: new Map(), deadline, clock });
/** The reading of the migrations reached the step's deadline. */
class ReadingTimeout extends Error {
    file;
    line;
    constructor(file, line) {
        super(`tables-from: reading the migrations reached the step's timeout at ${file} line ${line}`);
        this.file = file;
        this.line = line;
        this.name = 'ReadingTimeout';
    }
}
/** How deep routines may call routines (and DO blocks hold DO-like bodies) before the reading stops. */
const MAX_DEPTH = 8;
const newlines = (text, end) => {
    let n = 0;
    for (let k = text.indexOf('\n'); k >= 0 && k < end; k = text.indexOf('\n', k + 1))
        n++;
    return n;
};
/**
 * Every statement of one migration file: the tables touched, and the statements the parser rejected.
 * Unqualified names take default-schema, or the schema a `USE`/`SET search_path` earlier in the file chose.
 * `context` carries the routines created by the files read before (in the order the step reads them),
 * so that a call in this file credits the tables of a procedure created in an earlier one.
 */
function readMigration(parser, sql, file, fileRules, context = newReadContext()) {
    const out = { touches: [], unreadable: [], unknowable: [], passedOver: [] };
    let rules = fileRules;
    for (const statement of splitStatements(sql, rules.dialect)) {
        if (context.deadline !== undefined && context.clock.now() >= context.deadline)
            throw new ReadingTimeout(file, statement.line);
        const schema = defaultSchemaSetBy(statement.text, rules.dialect);
        if (schema !== undefined) {
            rules = { ...rules, defaultSchema: schema };
            continue;
        }
        readOne(parser, statement.text, { file, line: statement.line }, rules, context, out, { depth: 0, inBody: false, stack: [] });
    }
    return out;
}
function readOne(parser, text, at, rules, context, out, where) {
    const { dialect } = rules;
    const bare = withoutComments(text, dialect).trim();
    const definition = routineDefinition(bare, dialect);
    if (definition) {
        context.routines.set(definition.name, {
            ...definition,
            text: text.slice(definition.offset, definition.offset + definition.text.length),
            file: at.file,
            line: at.line,
            bodyLine: at.line + newlines(text, definition.offset),
            rules
        });
        return;
    }
    const block = dialect === 'postgresql' ? doBlock(bare) : undefined;
    if (block) {
        const body = text.slice(block.offset, block.offset + block.text.length);
        if (block.language !== 'plpgsql' && block.language !== 'sql') {
            out.unknowable.push({ line: at.line, reason: `this DO block is in LANGUAGE ${block.language}, which is not read` });
            return;
        }
        const inner = readBody(parser, body, at.file, at.line + newlines(text, block.offset), rules, context, out, where);
        out.touches.push(...inner.map((t) => ({ ...t, file: at.file, line: at.line, routine: t.routine ?? 'DO block' })));
        return;
    }
    const dynamic = topLevelDynamic(bare, dialect);
    if (dynamic?.kind === 'dynamic') {
        out.unknowable.push({ line: at.line, reason: `it runs dynamic SQL (${dynamic.what})` });
        return;
    }
    const sql = dynamic?.kind === 'sql' ? dynamic.text : text;
    const result = readStatement(parser, sql, rules, at);
    out.touches.push(...result.touches);
    // Only a statement that runs now runs the routines it names: not a trigger, a view or a default that names them.
    const runsNow = /^(?:SELECT|VALUES|CALL|PERFORM|WITH|INSERT|UPDATE|DELETE|MERGE|REPLACE)\b/i.test(bare);
    const calls = runsNow ? callsIn(bare, dialect, new Set(context.routines.keys())) : [];
    for (const name of calls)
        credit(parser, name, at, context, out, where);
    const procedure = calledProcedure(bare, dialect);
    if (procedure && !calls.includes(procedure))
        out.unknowable.push({ line: at.line, reason: `it calls procedure ${procedure}, which the changed migration files do not create` });
    if (!result.unreadable)
        return;
    // A SELECT that only calls routines (their tables are credited above), or sets variables in a body, writes nothing itself.
    const onlyCalls = (calls.length > 0 || where.inBody) && /^(?:SELECT|VALUES|CALL)\b/i.test(bare);
    if (!result.touches.length && (onlyCalls || procedure || touchesNoTable(bare, dialect))) {
        out.passedOver.push({ line: at.line, kind: kindOf(bare) });
        return;
    }
    out.unreadable.push({ line: at.line, reason: result.unreadable, touches: result.touches });
}
/** The tables a body (DO block, function, procedure) writes; what it cannot read goes to `out` at its own lines. */
function readBody(parser, body, file, bodyLine, rules, context, out, where) {
    if (where.depth >= MAX_DEPTH)
        return [];
    const inner = { touches: [], unreadable: [], unknowable: [], passedOver: [] };
    const lineOf = (offset) => bodyLine + newlines(body, offset);
    const deeper = { ...where, depth: where.depth + 1, inBody: true };
    for (const statement of bodyStatements(body, rules.dialect)) {
        const at = { file, line: lineOf(statement.offset) };
        if (statement.kind === 'dynamic')
            inner.unknowable.push({ line: at.line, reason: `it runs dynamic SQL (${statement.what})` });
        else if (statement.kind === 'calls')
            for (const name of callsIn(statement.text, rules.dialect, new Set(context.routines.keys())))
                credit(parser, name, at, context, inner, deeper);
        else
            readOne(parser, statement.text, at, rules, context, inner, deeper);
    }
    out.unreadable.push(...inner.unreadable);
    out.unknowable.push(...inner.unknowable);
    out.passedOver.push(...inner.passedOver);
    return inner.touches;
}
/** A call of a routine the migrations created: its body's tables, credited to the call. */
function credit(parser, name, at, context, out, where) {
    const routine = context.routines.get(name);
    if (!routine || where.stack.includes(name) || where.depth >= MAX_DEPTH)
        return;
    const label = `${routine.kind.toLowerCase()} ${name} (created at ${routine.file}:${routine.line})`;
    if (!routine.reading) {
        routine.reading = { touches: [], unreadable: [], unknowable: [], passedOver: [] };
        if (routine.language === 'sql' || routine.language === 'plpgsql' || routine.language === undefined)
            routine.reading.touches = readBody(parser, routine.text, routine.file, routine.bodyLine, routine.rules, context, routine.reading, {
                depth: where.depth + 1,
                inBody: true,
                stack: [...where.stack, name]
            });
        else
            routine.reading.unknowable.push({ line: routine.line, reason: `its LANGUAGE ${routine.language} is not read` });
    }
    const reading = routine.reading;
    out.touches.push(...reading.touches.map((t) => ({
        ...t,
        file: at.file,
        line: at.line,
        routine: t.routine && t.routine !== 'DO block' ? t.routine : label
    })));
    for (const u of reading.unknowable)
        out.unknowable.push({ line: at.line, reason: `it calls ${label}, which at ${routine.file}:${u.line} ${u.reason.replace(/^it /, '')}` });
    if (!routine.warned) {
        routine.warned = true;
        out.unreadable.push(...reading.unreadable.map((u) => ({ ...u, file: u.file ?? routine.file })));
    }
}

;// CONCATENATED MODULE: ./src/migrations/index.ts
/**
 * tables-from: the tables that the changed migration files touch. This module and everything it
 * imports (the SQL parser, Octokit) are a chunk of their own, loaded only when tables-from is set.
 */






/** Bounds on what one step reads. */
const MAX_FILES = 500;
const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** Statements warned about one by one; the rest are counted in one line. */
const MAX_STATEMENT_WARNINGS = 50;
async function scanMigrations(options, token, log, env = process.env, bound = {}) {
    const event = readEvent(env);
    const changed = await changedFiles(event, token, log, bound);
    const isMigration = picomatch_default()(options.globs, { dot: true });
    const matching = changed.files.filter((f) => !f.removed && isMigration(f.path));
    const unsafe = matching.filter((f) => !isSafePath(f.path));
    if (unsafe.length)
        log.warning(`tables-from: ${unsafe.length} changed path${unsafe.length === 1 ? '' : 's'} with control characters or '..' left out.`);
    const files = [...new Set(matching.filter((f) => isSafePath(f.path)).map((f) => f.path))].sort();
    const scan = {
        source: changed.source,
        changed: changed.files.length,
        files: files.slice(0, MAX_FILES),
        touches: [],
        unreadable: []
    };
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
    // One context for all the files, in path order: a procedure created in one and called in a later one is read.
    const context = newReadContext(bound.deadline, bound.clock);
    const passedOver = {};
    scan.dynamic = [];
    let warned = 0;
    // Past this many, the statements that could not be read are counted, not each warned about (a log of megabytes helps nobody).
    const warn = (line) => (++warned <= MAX_STATEMENT_WARNINGS ? log.warning(line) : undefined);
    for (const file of scan.files) {
        // Between files, the run's cancel and the step's other work get their turn.
        await new Promise((resolve) => setImmediate(resolve));
        bound.signal?.throwIfAborted();
        const text = readFile(event.workspace, file, log);
        if (text === undefined)
            continue;
        let reading;
        try {
            reading = readMigration(parser, text, file, rules, context);
        }
        catch (err) {
            if (!(err instanceof ReadingTimeout))
                throw err;
            throw new errors/* ActionError */.l(`tables-from: reading the changed migrations took until the step's timeout (stopped at ${err.file} line ${err.line}, file ${scan.files.indexOf(file) + 1} of ${scan.files.length}). A migration this large is slow to parse: raise timeout, or name the caches with 'tables' instead.`);
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
            warn(`${file} line ${u.line}: ${u.reason}, so the tables it touches cannot be known; if it changes a cached table, refresh that cache with 'tables'.`);
        }
        for (const p of passed)
            passedOver[p.kind] = (passedOver[p.kind] ?? 0) + 1;
    }
    if (warned > MAX_STATEMENT_WARNINGS)
        log.warning(`tables-from: ${warned - MAX_STATEMENT_WARNINGS} more statements could not be read or their tables cannot be known (${warned} in all; the first ${MAX_STATEMENT_WARNINGS} are named above).`);
    const passedCount = Object.values(passedOver).reduce((a, b) => a + b, 0);
    if (passedCount) {
        scan.passedOver = passedOver;
        log.info(`tables-from: ${passedCount} statement${passedCount === 1 ? '' : 's'} the SQL parser could not read touch no table's data (${describeKinds(passedOver)}); passed over without a warning.`);
    }
    return scan;
}
/** `CREATE FUNCTION 12, COMMENT ON 3, ...`, most first. */
function describeKinds(kinds, max = 8) {
    const sorted = Object.entries(kinds).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const shown = sorted.slice(0, max).map(([k, n]) => `${k} ${n}`);
    return sorted.length > max ? `${shown.join(', ')}, ${sorted.length - max} more kinds` : shown.join(', ');
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

//# sourceMappingURL=203.index.js.map