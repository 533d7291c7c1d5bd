/**
 * The licences a package may have to be bundled into dist/ (the action is MIT and ships dist/ in
 * every tag): permissive licences that ask only for the notice dist/licenses.txt carries.
 * `npm run bundle` (scripts/third-party-licenses.ts) checks every package of the bundle's module
 * graph against this list and stops on any other licence, so a new one is a reviewed change here.
 */
export const ALLOWED_LICENSES: readonly string[] = [
  '0BSD',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'Unlicense'
];

/** Whether an SPDX expression is allowed: `A OR B` when either is, `A AND B` when both are. */
export function licenseAllowed(expression: string, allowed: readonly string[] = ALLOWED_LICENSES): boolean {
  const expr = expression
    .trim()
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  // Operators split at the top level only: "(A OR B) AND C" needs C and one of A, B.
  const split = (op: 'OR' | 'AND'): string[] => {
    const parts: string[] = [];
    let depth = 0;
    let start = 0;
    const tokens = expr.split(/(\(|\)|\s+)/);
    let at = 0;
    for (const t of tokens) {
      if (t === '(') depth++;
      else if (t === ')') depth--;
      else if (depth === 0 && t === op) {
        parts.push(expr.slice(start, at));
        start = at + t.length;
      }
      at += t.length;
    }
    parts.push(expr.slice(start));
    return parts.map((p) => p.trim()).filter(Boolean);
  };
  const alternatives = split('OR');
  if (alternatives.length > 1) return alternatives.some((a) => licenseAllowed(a, allowed));
  const all = split('AND');
  if (all.length > 1) return all.every((a) => licenseAllowed(a, allowed));
  return allowed.some((id) => id.toLowerCase() === expr.toLowerCase());
}

/** One error for the packages whose licence is not allowed, naming each and what to do; undefined when all are. */
export function licenseViolations(
  packages: readonly { name: string; version: string; license: string }[],
  allowed: readonly string[] = ALLOWED_LICENSES
): string | undefined {
  const refused = packages.filter((p) => !licenseAllowed(p.license, allowed));
  if (refused.length === 0) return undefined;
  return [
    `${refused.length} package(s) bundled into dist/ have a licence outside the allow-list (${allowed.join(', ')}):`,
    ...refused.map((p) => `  ${p.name}@${p.version}: ${p.license}`),
    'Drop the dependency, or, if its licence suits an MIT-licensed action, add it to ALLOWED_LICENSES in scripts/license-allowlist.ts in a commit of its own for review.'
  ].join('\n');
}
