export const id = 525;
export const ids = [525];
export const modules = {

/***/ 5525:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   commentOnPullRequest: () => (/* binding */ commentOnPullRequest),
/* harmony export */   legMarker: () => (/* binding */ legMarker)
/* harmony export */ });
/* unused harmony exports commentMarker, COMMENT_REQUEST_MAX_MS, COMMENT_TOTAL_MIN_MS, COMMENT_TOTAL_MAX_MS, commentBounds */
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _duration_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7607);
/* harmony import */ var _clock_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(529);
/**
 * comment-on-pr: the job summary as one comment on the pull request behind the run, updated on
 * re-runs instead of added again. Loaded only when asked for (it brings Octokit into memory).
 * Uses the context's API URL, so it works on GitHub Enterprise Server too.
 */




/** Marks our comment, per workflow, job and step, so that re-runs find and update it. */
function commentMarker(env = process.env) {
    const id = [env.GITHUB_WORKFLOW, env.GITHUB_JOB, env.GITHUB_ACTION].filter(Boolean).join('/');
    return `<!-- peaka-cache-action:${id.replace(/--/g, '-')} -->`;
}
/**
 * Tells apart the legs of a matrix, which share workflow, job and step: what the step acts on
 * (operation, project, API, caches chosen), hashed. Legs that act on the same caches share a comment.
 */
function legMarker(identity) {
    return `<!-- leg:${(0,node_crypto__WEBPACK_IMPORTED_MODULE_1__.createHash)('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 12)} -->`;
}
/** Events whose run belongs to a pull request: its own, or (push) the one whose merge made the commit. */
const PUSH = 'push';
/** One GitHub request gets request-timeout, at most this. */
const COMMENT_REQUEST_MAX_MS = 30_000;
/** The whole comment gets what is left of the step's timeout, but at least ... */
const COMMENT_TOTAL_MIN_MS = 5_000;
/** ... and at most this. */
const COMMENT_TOTAL_MAX_MS = 60_000;
/** How long one request, and the whole comment, may take (see the constants above). */
function commentBounds(limits, now = (limits.clock ?? _clock_js__WEBPACK_IMPORTED_MODULE_3__/* .realClock */ .d).now()) {
    const totalMs = Math.min(COMMENT_TOTAL_MAX_MS, Math.max(COMMENT_TOTAL_MIN_MS, limits.end - now));
    return { requestMs: Math.min(limits.requestTimeoutMs, COMMENT_REQUEST_MAX_MS, totalMs), totalMs };
}
/**
 * Only a comment a bot wrote (the job token's github-actions[bot], or an app's) is ours to update:
 * anyone may paste the marker into a comment of their own, and that one is left alone.
 */
const isOurs = (marker) => (c) => c.user?.type === 'Bot' && !!c.body?.startsWith(marker);
async function commentOnPullRequest(token, html, log, limits, leg = '') {
    const { /* context */ "_": context } = _actions_github__WEBPACK_IMPORTED_MODULE_0__;
    if (!context.payload.pull_request && context.eventName !== PUSH) {
        // A schedule or a manual run belongs to no pull request: the last merged one is not its.
        log.info(`comment-on-pr: this run was triggered by '${context.eventName || 'an unknown event'}', which belongs to no pull request; no comment written. Comments are written on pull_request runs (and on push runs, to the merged pull request).`);
        return;
    }
    const clock = limits.clock ?? _clock_js__WEBPACK_IMPORTED_MODULE_3__/* .realClock */ .d;
    const { requestMs, totalMs } = commentBounds(limits);
    const total = clock.timeout(totalMs);
    let timedOut = false;
    try {
        const octokit = _actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q(token);
        // Every request, each page of a list too, ends at its own timeout or the comment's, whichever comes first.
        // The options are set in place: the hooks inside this one (the token's) read that object, not an argument.
        octokit.hook.wrap('request', async (request, options) => {
            const own = clock.timeout(requestMs);
            const signal = AbortSignal.any([total.signal, own.signal]);
            options.request = { ...options.request, signal };
            try {
                return await request(options);
            }
            catch (err) {
                if (signal.aborted)
                    timedOut = true;
                throw err;
            }
            finally {
                own.clear();
            }
        });
        const { owner, repo } = context.repo;
        let number = context.payload.pull_request?.number;
        if (!number && context.sha) {
            // A push: the pull request whose merge produced this commit.
            const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: context.sha });
            number = (data.find((pr) => pr.merged_at) ?? data[0])?.number;
        }
        if (!number) {
            log.info('comment-on-pr: this run belongs to no pull request; no comment written.');
            return;
        }
        const marker = commentMarker();
        const body = `${marker}${leg}\n${html}`;
        const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
        // This leg's comment; else one written before comments had legs (its first line is the bare marker), taken over once.
        const ours = comments.find(isOurs(`${marker}${leg}\n`)) ?? comments.find(isOurs(`${marker}\n`));
        if (ours) {
            await octokit.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });
            log.info(`comment-on-pr: updated the comment on pull request #${number}.`);
        }
        else {
            await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
            log.info(`comment-on-pr: commented on pull request #${number}.`);
        }
    }
    catch (err) {
        if (timedOut) {
            const which = total.signal.aborted
                ? `the comment's ${(0,_duration_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(totalMs)}`
                : `${(0,_duration_js__WEBPACK_IMPORTED_MODULE_2__/* .formatDuration */ .a3)(requestMs)} (min(request-timeout, 30s))`;
            log.warning(`comment-on-pr: GitHub did not answer within ${which}; no comment written. The step goes on.`);
            return;
        }
        const status = err.status;
        const hint = status === 403 || status === 401
            ? " Give the job 'permissions: pull-requests: write' (or pass a github-token that may comment)."
            : '';
        log.warning(`comment-on-pr: could not comment on the pull request: ${err.message}.${hint}`);
    }
    finally {
        total.clear();
    }
}


/***/ })

};

//# sourceMappingURL=525.index.js.map