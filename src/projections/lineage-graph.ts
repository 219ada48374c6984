import type { Lineage } from './lineage.js';

/**
 * The lineage as a graph, and its Graphviz DOT and Mermaid renderings. Node ids are the things they
 * stand for (`raw:<path>`, `run:<run_id>`, `version:<version_id>` …), so the graphs of two queries
 * merge; the renderers number them (n1, n2 …) because neither format accepts every character in
 * an id. Nodes and edges come out in first-seen order, so the same lineage renders the same bytes.
 */

export type NodeKind =
  | 'source'
  | 'raw'
  | 'run'
  | 'transform'
  | 'validation'
  | 'denial'
  | 'version'
  | 'catalog';

export interface LineageNode {
  id: string;
  kind: NodeKind;
  label: string;
}

export interface LineageEdge {
  from: string;
  to: string;
  label: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

const short = (hex: string) => hex.slice(0, 12);

export function lineageGraph(lineage: Lineage): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const node = (kind: NodeKind, key: string, label: string) => {
    const id = `${kind}:${key}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind, label });
    return id;
  };
  const edge = (from: string, to: string, label: string) => {
    edges.set(`${from}\u0000${to}\u0000${label}`, { from, to, label });
  };
  const versionNode = (id: string) => {
    const known = lineage.versions.find((v) => v.version_id === id);
    return node('version', id, known === undefined ? id : `${id}\ncontent ${short(known.content_hash)}`);
  };

  for (const source of lineage.upstream) node('source', source.source_uri, source.source_uri);
  for (const run of lineage.runs) {
    const stages = run.stages.map((s) => `${s.stage} ${s.status}`).join(', ');
    const runId = node('run', run.run_id, `run ${run.run_id}\n${stages || run.status}`);
    for (const capture of run.inputs.captures) {
      const raw = node('raw', capture.path, `${capture.path}\nsha256 ${short(capture.sha256)}`);
      if (!capture.seen_before) edge(node('source', capture.source_uri, capture.source_uri), raw, 'captured');
      edge(raw, runId, 'input');
    }
    for (const input of run.inputs.versions) {
      if (input.relation === 'derived_from') edge(versionNode(input.version_id), runId, 'input');
    }
    // One path per run, in the order things happened to its data: transforms, validation, promotion.
    let last = runId;
    for (const t of run.transforms) {
      const kind = t.kind === 'transform' ? '' : ` (${t.kind})`;
      const id = node('transform', `${run.run_id}/${t.seq}`, `${t.name}${kind}\nseq ${t.seq}`);
      edge(last, id, 'applied');
      last = id;
    }
    const report = run.validation_report;
    if (report !== null) {
      const verdict = `validation ${report.passed ? 'passed' : 'failed'}\n${report.checks} checks, seq ${report.seq}`;
      const id = node('validation', `${run.run_id}/${report.seq}`, verdict);
      edge(last, id, 'validated');
      last = id;
    }
    const promotion = run.promotion;
    if (promotion?.outcome === 'denied') {
      const codes = promotion.reasons.map((r) => r.code).join(', ');
      edge(last, node('denial', `${run.run_id}/${promotion.seq}`, `denied\n${codes}`), 'promotion');
    } else if (promotion !== null && promotion.version_id !== null) {
      edge(last, versionNode(promotion.version_id), promotion.outcome);
    }
  }
  for (const version of lineage.versions) {
    const id = versionNode(version.version_id);
    if (version.supersedes !== null) edge(versionNode(version.supersedes), id, 'superseded by');
    for (const catalog of version.catalogs)
      edge(id, node('catalog', catalog.path, catalog.path), catalog.kind);
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

const DOT_SHAPES: Record<NodeKind, string> = {
  source: 'cylinder',
  raw: 'note',
  run: 'box',
  transform: 'component',
  validation: 'diamond',
  denial: 'octagon',
  version: 'folder',
  catalog: 'tab',
};

/** Graphviz DOT (https://graphviz.org/doc/info/lang.html): double-quoted ids, `\"` and `\\` escaped. */
export function renderDot(graph: LineageGraph, title: string): string {
  const ids = numbered(graph);
  const q = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const lines = [`digraph ${q(title)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  for (const n of graph.nodes)
    lines.push(`  ${ids.get(n.id)} [label=${q(n.label)}, shape=${DOT_SHAPES[n.kind]}];`);
  for (const e of graph.edges) lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [label=${q(e.label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const MERMAID_SHAPES: Record<NodeKind, [string, string]> = {
  source: ['[(', ')]'],
  raw: ['[/', '/]'],
  run: ['[', ']'],
  transform: ['[[', ']]'],
  validation: ['{', '}'],
  denial: ['{{', '}}'],
  version: ['([', '])'],
  catalog: ['>', ']'],
};

/**
 * A Mermaid `flowchart LR` (https://mermaid.js.org/syntax/flowchart.html). Labels are quoted
 * strings; `"` becomes the entity `#quot;`, and newlines `<br/>`, which Mermaid renders.
 */
export function renderMermaid(graph: LineageGraph): string {
  const ids = numbered(graph);
  const q = (text: string) => `"${text.replace(/"/g, '#quot;').replace(/\n/g, '<br/>')}"`;
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) {
    const [open, close] = MERMAID_SHAPES[n.kind];
    lines.push(`  ${ids.get(n.id)}${open}${q(n.label)}${close}`);
  }
  for (const e of graph.edges) lines.push(`  ${ids.get(e.from)} -->|${q(e.label)}| ${ids.get(e.to)}`);
  return `${lines.join('\n')}\n`;
}

function numbered(graph: LineageGraph): Map<string, string> {
  return new Map(graph.nodes.map((n, i) => [n.id, `n${i + 1}`]));
}
