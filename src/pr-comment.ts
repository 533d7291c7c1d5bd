/**
 * comment-on-pr: the job summary as one comment on the pull request behind the run, updated on
 * re-runs instead of added again. Loaded only when asked for (it brings Octokit into memory).
 * Uses the context's API URL, so it works on GitHub Enterprise Server too.
 */
import * as github from '@actions/github';
import type { Logger } from './operation-helpers.js';

/** Marks our comment, per workflow, job and step, so that re-runs find and update it. */
export function commentMarker(env: NodeJS.ProcessEnv = process.env): string {
  const id = [env.GITHUB_WORKFLOW, env.GITHUB_JOB, env.GITHUB_ACTION].filter(Boolean).join('/');
  return `<!-- peaka-cache-action:${id.replace(/--/g, '-')} -->`;
}

/**
 * Only a comment a bot wrote (the job token's github-actions[bot], or an app's) is ours to update:
 * anyone may paste the marker into a comment of their own, and that one is left alone.
 */
const isOurs = (marker: string) => (c: { body?: string; user?: { type?: string } | null }) => c.user?.type === 'Bot' && !!c.body?.startsWith(marker);

export async function commentOnPullRequest(token: string, html: string, log: Logger): Promise<void> {
  const { context } = github;
  try {
    const octokit = github.getOctokit(token);
    const { owner, repo } = context.repo;
    let number: number | undefined = context.payload.pull_request?.number;
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
    const body = `${marker}\n${html}`;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
    const ours = comments.find(isOurs(marker));
    if (ours) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });
      log.info(`comment-on-pr: updated the comment on pull request #${number}.`);
    } else {
      await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
      log.info(`comment-on-pr: commented on pull request #${number}.`);
    }
  } catch (err) {
    const status = (err as { status?: number }).status;
    const hint = status === 403 || status === 401 ? " Give the job 'permissions: pull-requests: write' (or pass a github-token that may comment)." : '';
    log.warning(`comment-on-pr: could not comment on the pull request: ${(err as Error).message}.${hint}`);
  }
}
