import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel, type Point } from '@dagrejs/dagre';
import type { LineageGraph, NodeKind } from '../src/projections/lineage-graph.js';

/**
 * Places the nodes of a lineage graph (src/projections/lineage-graph.ts, as /lineage/{id} returns
 * it) top to bottom with dagre's layered layout, so sources stand on top and catalogs at the foot. Pure:
 * the same graph gives the same positions; drawing is graph-svg.ts's job.
 */

export interface PlacedNode {
  id: string;
  kind: NodeKind;
  /** The label's lines, wrapped (wrapLine); `title` has the whole label. */
  lines: string[];
  title: string;
  /** Centre, and size. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  label: string;
  points: { x: number; y: number }[];
  /** Where dagre put the label (space is kept for it, so labels do not overlap nodes). */
  labelAt: { x: number; y: number };
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** The page's monospace text at 11px is about this wide per character. */
export const CHAR_WIDTH = 6.7;
export const LINE_HEIGHT = 14;
/** Longer label lines wrap (source URIs, catalog paths, stage lists), so nodes stay narrow. */
export const MAX_CHARS = 30;
const MAX_LINES = 3;
const PADDING = 8;

/**
 * One label line as at most MAX_LINES lines of at most MAX_CHARS, broken after a `/`, `,` or
 * space where one is near; what does not fit is cut from the front (`…`), as a path's end names it.
 */
export function wrapLine(line: string): string[] {
  const lines: string[] = [];
  let rest = line;
  while (rest.length > MAX_CHARS) {
    const window = rest.slice(0, MAX_CHARS);
    const breakAt = Math.max(window.lastIndexOf('/'), window.lastIndexOf(','), window.lastIndexOf(' ')) + 1;
    const end = breakAt > MAX_CHARS / 2 ? breakAt : MAX_CHARS;
    lines.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  lines.push(rest);
  if (lines.length <= MAX_LINES) return lines;
  const tail = lines.slice(-MAX_LINES);
  tail[0] = `…${tail[0]!.slice(1)}`;
  return tail;
}

export function layoutGraph(graph: LineageGraph): GraphLayout {
  const g = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 16, ranksep: 28, edgesep: 8, marginx: 8, marginy: 8 });
  const lines = new Map(graph.nodes.map((n) => [n.id, n.label.split('\n').flatMap(wrapLine)]));
  for (const node of graph.nodes) {
    const text = lines.get(node.id)!;
    g.setNode(node.id, {
      width: Math.max(...text.map((l) => l.length)) * CHAR_WIDTH + 2 * PADDING,
      height: text.length * LINE_HEIGHT + PADDING,
    });
  }
  graph.edges.forEach((edge, i) => {
    g.setEdge(
      edge.from,
      edge.to,
      { width: edge.label.length * CHAR_WIDTH, height: LINE_HEIGHT, labelpos: 'r', labeloffset: 6 },
      String(i),
    );
  });
  dagre.layout(g);
  const size = g.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: graph.nodes.map((node) => {
      const placed = g.node(node.id);
      return {
        id: node.id,
        kind: node.kind,
        lines: lines.get(node.id)!,
        title: node.label,
        x: placed.x ?? 0,
        y: placed.y ?? 0,
        width: placed.width,
        height: placed.height,
      };
    }),
    edges: graph.edges.map((edge, i) => {
      const placed = g.edge({ v: edge.from, w: edge.to, name: String(i) });
      return {
        from: edge.from,
        to: edge.to,
        label: edge.label,
        points: (placed.points ?? []).map((p: Point) => ({ x: p.x, y: p.y })),
        labelAt: { x: placed.x ?? 0, y: placed.y ?? 0 },
      };
    }),
  };
}
