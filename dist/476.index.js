export const id = 476;
export const ids = [476];
export const modules = {

/***/ 476:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   PULL_REQUEST_FILES_CAP: () => (/* binding */ PULL_REQUEST_FILES_CAP),
/* harmony export */   commitFiles: () => (/* binding */ commitFiles),
/* harmony export */   compareFiles: () => (/* binding */ compareFiles),
/* harmony export */   pullRequestFiles: () => (/* binding */ pullRequestFiles)
/* harmony export */ });
/* unused harmony export GITHUB_BUDGET_MS */
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3916);
/* harmony import */ var _clock_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(529);
/**
 * Changed files from GitHub's REST API, through Octokit (the same lazy chunk as comment-on-pr):
 * a pull request's files, a compare of two commits, one commit's files. GITHUB_API_URL is honoured,
 * so GitHub Enterprise Server works too.
 */



/** GitHub lists at most 3,000 files of a pull request or compare; 30 pages of 100. */
const MAX_PAGES = 30;
/** A pull request's file list this long may be cut by GitHub: the files past it are not listed. */
const PULL_REQUEST_FILES_CAP = MAX_PAGES * 100;
/** Longest time all of one step's GitHub requests may take together. */
const GITHUB_BUDGET_MS = 120_000;
const toChanged = (files) => (files ?? []).map((f) => ({ path: f.filename, removed: f.status === 'removed' }));
/**
 * Runs `work` with an Octokit whose requests end at GITHUB_BUDGET_MS, never past the step's
 * deadline, and not a moment after the run's cancel; a failure says what to do about it.
 */
async function fromGitHub(token, what, permission, bound, work) {
    if (!token)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .l(`tables-from needs 'github-token' to read ${what} from GitHub; pass \${{ github.token }} (the default).`);
    const clock = bound.clock ?? _clock_js__WEBPACK_IMPORTED_MODULE_2__/* .realClock */ .d;
    const budget = Math.max(1_000, Math.min(GITHUB_BUDGET_MS, (bound.deadline ?? Infinity) - clock.now()));
    const timeout = clock.timeout(budget);
    const octokit = _actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q(token, {
        request: { signal: AbortSignal.any([timeout.signal, ...(bound.signal ? [bound.signal] : [])]) }
    });
    try {
        return await work(octokit);
    }
    catch (err) {
        if (err instanceof _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .l)
            throw err;
        // Octokit reports an aborted request as an HTTP 500: say what really ended it.
        if (bound.signal?.aborted)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .l(`tables-from: reading ${what} from GitHub was stopped: the workflow run is being cancelled.`);
        if (timeout.signal.aborted)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .l(`tables-from: GitHub did not send ${what} within ${Math.round(budget / 1000)}s${budget < GITHUB_BUDGET_MS ? " (what was left of the step's timeout)" : ''}. Re-run the job; if it repeats, check GitHub status, or check out with fetch-depth: 0 so that the action reads the changes from git.`);
        const status = err.status;
        const hint = status === 401 || status === 403 || status === 404
            ? ` Give the job 'permissions: ${permission}', or pass a github-token that may read the repository.`
            : ' Re-run the job; if it repeats, check GitHub status.';
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ActionError */ .l(`tables-from: reading ${what} from GitHub failed${status ? ` (HTTP ${status})` : ''}: ${err.message.split('\n')[0].slice(0, 200)}.${hint}`);
    }
    finally {
        timeout.clear();
    }
}
async function pullRequestFiles(event, token, number, bound = {}) {
    const what = `the files of pull request #${number}`;
    return fromGitHub(token, what, 'pull-requests: read', bound, async (octokit) => {
        const files = [];
        for (let page = 1; page <= MAX_PAGES; page++) {
            const { data } = await octokit.rest.pulls.listFiles({ ...event.repository, pull_number: number, per_page: 100, page });
            files.push(...data);
            if (data.length < 100)
                break;
        }
        return toChanged(files);
    });
}
/** GitHub's compare lists at most 300 files (on its first page only): more are warned about. */
async function compareFiles(event, token, before, after, warn, bound = {}) {
    const what = `the files changed from ${before.slice(0, 7)} to ${after.slice(0, 7)}`;
    return fromGitHub(token, what, 'contents: read', bound, async (octokit) => {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...event.repository, basehead: `${before}...${after}` });
        if ((data.files?.length ?? 0) >= 300)
            warn(`tables-from: GitHub's compare lists only the first 300 changed files of this push; check out with fetch-depth: 0 so that the action reads the whole range from git.`);
        return toChanged(data.files);
    });
}
async function commitFiles(event, token, sha, bound = {}) {
    const what = `the files of commit ${sha.slice(0, 7)}`;
    return fromGitHub(token, what, 'contents: read', bound, async (octokit) => {
        const files = [];
        for (let page = 1; page <= MAX_PAGES; page++) {
            const { data } = await octokit.rest.repos.getCommit({ ...event.repository, ref: sha, per_page: 100, page });
            files.push(...(data.files ?? []));
            if ((data.files?.length ?? 0) < 100)
                break;
        }
        return toChanged(files);
    });
}


/***/ })

};

//# sourceMappingURL=476.index.js.map