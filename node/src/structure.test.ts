/**
 * Guards the module structure of the sidecar (daemon/README.md "Modules"): imports only point down the layer
 * order below, the production files form no import cycle, and chain/ stays an adapter (types, events and status
 * names come from @inferchain/sdk). Tests (*.test.ts) may import anything: nothing imports them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Lowest first. A module may import from a lower layer or from itself; never from a higher or a sibling one. */
const LAYERS: readonly (readonly string[])[] = [
  ['util', 'commitment', 'tokenizer'],
  ['engine'], // ONNX engine; lock.ts: generations and audits take turns
  ['models'], // GGUF import, tiny model
  ['durable'], // record store, worker loop, broadcast-failure policy
  ['jobs'], // executor duty
  ['verify'], // verifier core (check, steps, salt)
  ['audits'], // verifier duty
  ['possession'], // proof-of-possession duty
  ['faults'], // fault injection (tests only)
  ['store'], // verified model store
  ['chain'], // chain adapters: client, follower, signer
  ['training'], // training duty: dataset -> trainer.py -> child model, durable submission, replay check
  ['api'],
  ['config'], // composes the sections each module owns
  ['daemon'], // lifecycle and wiring
  ['cli'],
  ['.'], // index.ts: the package's public surface
];

const rank = new Map<string, number>(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as [string, number])));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : files(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const moduleOf = (file: string): string => {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? '.' : rel[0]!;
};

const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Relative imports of a file, resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

const all = files(SRC);
const production = all.filter((f) => !f.endsWith('.test.ts'));

describe('node/src structure', () => {
  it('every module has a layer', () => {
    const unknown = [...new Set(all.map(moduleOf))].filter((m) => !rank.has(m));
    expect(unknown, `add these directories to LAYERS in structure.test.ts: ${unknown.join(', ')}`).toEqual([]);
  });

  it('imports only point down the layers (no upward or sideways import)', () => {
    const bad: string[] = [];
    for (const f of production) {
      const from = moduleOf(f);
      for (const target of importsOf(f)) {
        const to = moduleOf(target);
        if (to !== from && !(rank.get(to)! < rank.get(from)!)) bad.push(`${relative(SRC, f)} -> ${relative(SRC, target)} (${from} may not import ${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the production files form no import cycle', () => {
    const graph = new Map(production.map((f) => [f, importsOf(f).filter((t) => !t.endsWith('.test.ts'))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SRC, p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the checker itself sees imports and would report an upward one', () => {
    const daemon = production.find((f) => relative(SRC, f) === join('daemon', 'daemon.ts'))!;
    expect(importsOf(daemon).map((t) => moduleOf(t))).toContain('jobs');
    expect('import { x } from \'../config/config.js\';'.match(IMPORT)).not.toBeNull();
    expect(rank.get('config')! > rank.get('chain')!).toBe(true);
  });

  it('chain/ has no type URL, event decoder or status table of its own (they come from @inferchain/sdk)', () => {
    const own: string[] = [];
    for (const f of production.filter((p) => moduleOf(p) === 'chain')) {
      const text = readFileSync(f, 'utf8');
      if (/['"]\/inferchain\.\w+\.v\d+\.\w+['"]/.test(text)) own.push(`${relative(SRC, f)}: a type URL`);
      if (/\.attributes\b/.test(text)) own.push(`${relative(SRC, f)}: decodes event attributes`);
      if (/\[(JobStatus|ModelStatus|AuditOutcome|Verdict)\.\w+\]\s*:/.test(text)) own.push(`${relative(SRC, f)}: an enum-name table`);
    }
    expect(own).toEqual([]);
  });
});
