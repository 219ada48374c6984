/**
 * Tiny structural readers of the two graph formats `kfm lineage` prints, for tests where Graphviz
 * and Mermaid are not installed: every line must be a statement the renderer can emit, every edge
 * must join declared nodes, labels unescape to the graph's labels. Anything else throws, naming
 * the line.
 */
export interface ParsedGraph {
  nodes: Map<string, { label: string; shape: string }>;
  edges: { from: string; to: string; label: string }[];
}

const DOT_STRING = '"((?:[^"\\\\]|\\\\.)*)"';
const DOT_NODE = new RegExp(`^  (n\\d+) \\[label=${DOT_STRING}, shape=([a-z]+)\\];$`);
const DOT_EDGE = new RegExp(`^  (n\\d+) -> (n\\d+) \\[label=${DOT_STRING}\\];$`);
const unescapeDot = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

export function parseDot(text: string): ParsedGraph & { name: string } {
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('DOT output must end with a newline');
  lines.pop();
  const open = new RegExp(`^digraph ${DOT_STRING} \\{$`).exec(lines[0] ?? '');
  if (open === null) throw new Error(`line 1 is not "digraph <name> {": ${lines[0]}`);
  if (lines.at(-1) !== '}') throw new Error('the digraph is not closed by "}"');
  const graph: ParsedGraph = { nodes: new Map(), edges: [] };
  for (const [i, line] of lines.slice(1, -1).entries()) {
    const node = DOT_NODE.exec(line);
    const edge = DOT_EDGE.exec(line);
    if (node !== null) graph.nodes.set(node[1]!, { label: unescapeDot(node[2]!), shape: node[3]! });
    else if (edge !== null) graph.edges.push({ from: edge[1]!, to: edge[2]!, label: unescapeDot(edge[3]!) });
    else if (line !== '  rankdir=LR;' && !/^ {2}node \[fontname="[A-Za-z]+"\];$/.test(line))
      throw new Error(`line ${i + 2} is not a DOT statement the renderer emits: ${line}`);
  }
  checkEdges(graph);
  return { ...graph, name: unescapeDot(open[1]!) };
}

const MERMAID_SHAPES: [string, string][] = [
  ['[(', ')]'],
  ['[/', '/]'],
  ['[[', ']]'],
  ['([', '])'],
  ['{{', '}}'],
  ['[', ']'],
  ['{', '}'],
  ['>', ']'],
];
const MERMAID_EDGE = /^ {2}(n\d+) -->\|"([^"]*)"\| (n\d+)$/;
const unescapeMermaid = (s: string) => s.replace(/<br\/>/g, '\n').replace(/#quot;/g, '"');

export function parseMermaid(text: string): ParsedGraph {
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('Mermaid output must end with a newline');
  if (lines[0] !== 'flowchart LR') throw new Error(`line 1 is not "flowchart LR": ${lines[0]}`);
  const graph: ParsedGraph = { nodes: new Map(), edges: [] };
  for (const [i, line] of lines.slice(1).entries()) {
    const edge = MERMAID_EDGE.exec(line);
    if (edge !== null) {
      graph.edges.push({ from: edge[1]!, to: edge[3]!, label: unescapeMermaid(edge[2]!) });
      continue;
    }
    const id = /^ {2}(n\d+)/.exec(line)?.[1];
    const rest = id === undefined ? '' : line.slice(id.length + 2);
    const shape = MERMAID_SHAPES.find(
      ([o, c]) =>
        rest.startsWith(`${o}"`) &&
        rest.endsWith(`"${c}`) &&
        !rest.slice(o.length + 1, -c.length - 1).includes('"'),
    );
    if (id === undefined || shape === undefined)
      throw new Error(`line ${i + 2} is not a Mermaid node or edge the renderer emits: ${line}`);
    graph.nodes.set(id, {
      label: unescapeMermaid(rest.slice(shape[0].length + 1, -shape[1].length - 1)),
      shape: shape[0],
    });
  }
  checkEdges(graph);
  return graph;
}

function checkEdges(graph: ParsedGraph): void {
  for (const e of graph.edges) {
    if (!graph.nodes.has(e.from) || !graph.nodes.has(e.to))
      throw new Error(`edge ${e.from} -> ${e.to} joins an undeclared node`);
  }
}

/** The graph as label triples, so two renderings of one lineage compare regardless of node ids. */
export function labelledEdges(graph: ParsedGraph): string[] {
  return graph.edges.map(
    (e) => `${graph.nodes.get(e.from)!.label} -[${e.label}]-> ${graph.nodes.get(e.to)!.label}`,
  );
}
