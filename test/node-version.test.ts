/**
 * One Node.js version, said alike everywhere: every version the documentation claims ("Node 24",
 * "Node.js ≥ 20", "nodejs24.x", "node@24", "Node v24.1.0"), the layer's `engines`, the pinned `node`
 * dev dependency and the functions' Lambda runtime are the major version package.json's `engines` names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { functionRuntime } from '../infra/constructs/secretm-function.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const pkg = readJson('package.json');
/** `>=24` → 24 */
const majorOf = (range: string) => Number(/(\d+)/.exec(range)?.[1]);
const engineMajor = majorOf(pkg.engines.node);

/** The Markdown a reader meets: the READMEs, docs/ and the bench results. */
function documents(): string[] {
  const inDocs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  return [
    join(root, 'README.md'),
    join(root, 'layers', 'secretm', 'README.md'),
    join(root, 'bench', 'RESULTS.md'),
    ...inDocs,
  ];
}

const claimPatterns = [
  /\bNode(?:\.js)?\s*(?:≥|>=|>|v|version\s*)?\s*(\d+)(?:\.\d+)*(?:\+| or later| and later)?/gi,
  /\bnodejs(\d+)\.x\b/gi,
  /\bnode@(\d+)\b/gi,
];

/** Every Node version claim of `text`, as `file:line: claim`, with its major version. */
function claimsIn(file: string, text: string): { where: string; major: number }[] {
  const claims: { where: string; major: number }[] = [];
  text.split('\n').forEach((line, index) => {
    for (const pattern of claimPatterns) {
      for (const match of line.matchAll(pattern)) {
        claims.push({ where: `${relative(root, file)}:${index + 1}: ${match[0]}`, major: Number(match[1]) });
      }
    }
  });
  return claims;
}

describe('the Node.js version', () => {
  it('is one major version in package.json: engines and the pinned node', () => {
    expect(engineMajor).toBeGreaterThan(0);
    expect(majorOf(pkg.devDependencies.node)).toBe(engineMajor);
  });

  it('is the one every claim of the documentation names', () => {
    const claims = documents().flatMap((file) => claimsIn(file, readFileSync(file, 'utf8')));
    const wrong = claims.filter((claim) => claim.major !== engineMajor).map((claim) => claim.where);

    expect(claims.length).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });

  it('is the one the layer declares and the functions run on', () => {
    expect(majorOf(readJson('layers/secretm/package.json').engines.node)).toBe(engineMajor);
    expect(functionRuntime.name).toBe(`nodejs${engineMajor}.x`);
  });

  it('catches the claims it is meant to', () => {
    const text = 'Node ≥ 20 with npm\nNode.js 18 and later\nruns nodejs22.x\nnode@16\nNode v24.21.0';

    expect(claimsIn(join(root, 'x.md'), text).map((claim) => claim.major)).toEqual([20, 18, 22, 16, 24]);
  });
});
