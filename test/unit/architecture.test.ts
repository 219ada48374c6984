import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The folder names are the architecture (docs/design.md): cli → serve → {audit, replay} → contract →
 * compose → {upstream, ledger, zones, catalogs, policy, registry} → projections → events, where the
 * ledger knows no projection: compose hands it the read models. This reads every relative import
 * under src/ (static, type-only and dynamic) and fails on an import against that direction or on
 * any import cycle.
 */
const SRC = resolve(import.meta.dirname, '../../src');

const ALLOWED: Record<string, readonly string[]> = {
  events: [],
  /** The transparency log's pure formats and Merkle tree: the ledger will store its tiles. */
  tlog: [],
  /** Takes its read models as a parameter (src/ledger/read-models.ts): never src/projections. */
  ledger: ['events', 'tlog'],
  projections: ['events', 'ledger'],
  /** The composition root: opens ledgers with this project's read models. */
  compose: ['events', 'ledger', 'projections'],
  registry: ['events'],
  zones: [],
  policy: ['events'],
  catalogs: ['events', 'ledger', 'projections', 'registry', 'policy'],
  /** What a connector's upstream is reached through: HTTP and files, rate limits, retries. */
  upstream: ['registry'],
  contract: [
    'compose',
    'events',
    'ledger',
    'projections',
    'registry',
    'zones',
    'policy',
    'catalogs',
    'tlog',
    'upstream',
  ],
  /** `kfm verify --deep` (files and rows against the events and their replay) and version bundles. */
  audit: ['events', 'ledger', 'projections', 'zones', 'contract', 'tlog'],
  /** `kfm replay`: every projection rebuilt from the events. */
  replay: ['events', 'ledger', 'projections', 'zones', 'contract'],
  /** The governed read API sits beside the CLI: it reads what the contract published. */
  serve: [
    'compose',
    'events',
    'ledger',
    'projections',
    'registry',
    'zones',
    'policy',
    'catalogs',
    'contract',
    'tlog',
    'audit',
  ],
  cli: [
    'compose',
    'events',
    'ledger',
    'projections',
    'registry',
    'zones',
    'policy',
    'catalogs',
    'contract',
    'serve',
    'tlog',
    'upstream',
    'audit',
    'replay',
  ],
};
/** Shared leaves every layer may use (failpoints: the crash tests' fault injection at every write). */
const LEAVES = new Set(['errors.ts', 'tool-info.ts', 'failpoints.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `from '…'` (static and type-only imports), or with `lazy` also `import('…')` (loaded when called). */
function importsOf(file: string, lazy: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const pattern = lazy ? /(?:from |import\()'(\.{1,2}\/[^']+)'/g : /from '(\.{1,2}\/[^']+)'/g;
  return [...text.matchAll(pattern)].map((m) => resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;
const graphOf = (lazy: boolean) =>
  new Map(sourceFiles(SRC).map((f) => [f, importsOf(f, lazy).filter((i) => i.startsWith(SRC))]));
/** For the direction: a module loaded later is still a dependency. */
const graph = graphOf(true);
/** For cycles: a lazy import back into a module already loaded is how a backend is loaded on demand. */
const loadGraph = graphOf(false);

describe('the source tree', () => {
  it('imports only in the direction of the architecture', () => {
    const violations: string[] = [];
    for (const [file, imports] of graph) {
      const from = layerOf(file);
      for (const target of imports) {
        const to = layerOf(target);
        if (to === from || LEAVES.has(to) || LEAVES.has(from)) continue;
        if (!(ALLOWED[from] ?? []).includes(to))
          violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the projections out of the ledger: it is given its read models, it imports none', () => {
    const ledgerFiles = [...graph.keys()].filter((file) => layerOf(file) === 'ledger');
    const reaching = ledgerFiles.flatMap((file) =>
      graph
        .get(file)!
        .filter((target) => layerOf(target) === 'projections' || layerOf(target) === 'compose')
        .map((target) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
    );
    expect(ledgerFiles.length).toBeGreaterThan(0);
    expect(reaching).toEqual([]);
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of loadGraph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of loadGraph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('lets only the stage runtime and the ledger itself append core events', () => {
    // The door's append takes any type; every other door (the CLI's `kfm append`, whatever connectors
    // in other languages call) goes through appendExtensionEvents, which refuses core types.
    const privileged = new Set(['contract', 'ledger']);
    const appends = /\.appendEvents\(|\b(ledger|door|target|source)\.append\(/;
    const callers = [...graph.keys()].filter(
      (file) => !privileged.has(layerOf(file)) && appends.test(readFileSync(file, 'utf8')),
    );
    expect(callers.map((file) => relative(SRC, file))).toEqual([]);
  });
});
