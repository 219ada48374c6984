import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineageGraph, NodeKind } from '../../../src/projections/lineage-graph.js';
import { CHAR_WIDTH, LINE_HEIGHT, layoutGraph, MAX_CHARS, wrapLine } from '../../../ui/graph-layout.js';

describe('wrapLine', () => {
  it('breaks after a separator near the limit, and keeps a short line whole', () => {
    expect(wrapLine('dcat/ks_mesonet_stations.json')).toEqual(['dcat/ks_mesonet_stations.json']);
    expect(wrapLine('file:///work/kfm/connectors/ks_mesonet_stations/fixtures/stations.geojson')).toEqual([
      'file:///work/kfm/connectors/',
      'ks_mesonet_stations/fixtures/',
      'stations.geojson',
    ]);
    expect(wrapLine('ingest succeeded, validate succeeded, promote succeeded')).toEqual([
      'ingest succeeded, validate',
      'succeeded, promote succeeded',
    ]);
  });

  it('keeps the end of a line too long for three lines, marked with …', () => {
    expect(wrapLine('a/'.repeat(60))).toEqual([`…${'/a'.repeat(14)}/`, 'a/'.repeat(15), 'a/'.repeat(15)]);
  });

  it('gives at most three lines of at most MAX_CHARS; up to three, they are the line itself', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: fc.constantFrom('a', 'b', '/', ',', ' ', '-') }),
        (line) => {
          const lines = wrapLine(line);
          expect(lines.length).toBeGreaterThanOrEqual(1);
          expect(lines.length).toBeLessThanOrEqual(3);
          for (const l of lines) expect(l.length).toBeLessThanOrEqual(MAX_CHARS);
          if (!lines[0]!.startsWith('…') || line.startsWith('…'))
            expect(lines.join('').replace(/ /g, '')).toBe(line.replace(/ /g, ''));
        },
      ),
    );
  });
});

describe('layoutGraph', () => {
  const kinds: NodeKind[] = ['source', 'raw', 'run', 'transform', 'validation', 'version'];
  const chain: LineageGraph = {
    nodes: [
      ...kinds.map((kind) => ({ id: `${kind}:x`, kind, label: `${kind}\nsecond line` })),
      { id: 'catalog:a', kind: 'catalog', label: 'dcat/a.json' },
      { id: 'catalog:b', kind: 'catalog', label: 'stac/b.json' },
    ],
    edges: [
      ...kinds.slice(1).map((kind, i) => ({ from: `${kinds[i]}:x`, to: `${kind}:x`, label: 'then' })),
      { from: 'version:x', to: 'catalog:a', label: 'dcat' },
      { from: 'version:x', to: 'catalog:b', label: 'stac' },
    ],
  };

  it('places every node and edge, sources on top and catalogs at the foot, without overlaps', () => {
    const layout = layoutGraph(chain);
    expect(layout.nodes.map((n) => n.id)).toEqual(chain.nodes.map((n) => n.id));
    expect(layout.edges.map((e) => [e.from, e.to, e.label])).toEqual(
      chain.edges.map((e) => [e.from, e.to, e.label]),
    );
    const ys = layout.nodes.slice(0, kinds.length).map((n) => n.y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    expect(new Set(ys).size).toBe(kinds.length);
    const [a, b] = layout.nodes.slice(-2);
    expect(a!.y).toBe(b!.y);
    expect(a!.y).toBeGreaterThan(ys.at(-1)!);
    for (const [i, n] of layout.nodes.entries()) {
      expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
      for (const m of layout.nodes.slice(i + 1)) {
        const apart =
          Math.abs(n.x - m.x) >= (n.width + m.width) / 2 || Math.abs(n.y - m.y) >= (n.height + m.height) / 2;
        expect(apart).toBe(true);
      }
    }
    for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect(layout.nodes[0]!.lines).toEqual(['source', 'second line']);
    expect(layout.nodes[0]!.title).toBe('source\nsecond line');
  });

  it('places each node where the layered layout spacing puts it, worked out by hand', () => {
    // Two label lines ("<kind>", "second line": 11 characters) and one ("dcat/a.json": 11).
    const width = 11 * CHAR_WIDTH + 2 * 8;
    const [tall, short] = [2 * LINE_HEIGHT + 8, LINE_HEIGHT + 8];
    // marginy, then per rank: half of each node, ranksep, and the edge label's own rank between.
    const step = tall / 2 + 28 / 2 + LINE_HEIGHT + 28 / 2 + tall / 2;
    const chainY = (i: number) => 8 + tall / 2 + i * step;
    const catalogY = chainY(5) + tall / 2 + 28 / 2 + LINE_HEIGHT + 28 / 2 + short / 2;
    // The two catalogs side by side (nodesep 16) under the version, catalog b on the left.
    const left = 8 + width / 2;
    const centre = left + (width + 16) / 2;
    const layout = layoutGraph(chain);
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    expect(layout.nodes.map((n) => [n.id, round(n.x), round(n.y), round(n.width), n.height])).toEqual([
      ...kinds.map((kind, i) => [`${kind}:x`, round(centre), chainY(i), round(width), tall]),
      ['catalog:a', round(left + width + 16), catalogY, round(width), short],
      ['catalog:b', round(left), catalogY, round(width), short],
    ]);
    expect([layout.width, layout.height]).toEqual([
      Math.ceil(8 + width + 16 + width + 8),
      Math.ceil(catalogY + short / 2 + 8),
    ]);
  });
});
