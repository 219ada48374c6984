import type { GraphLayout } from './graph-layout.js';
import { LINE_HEIGHT } from './graph-layout.js';

const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

/**
 * The laid-out graph as plain SVG: one `g.node` per node (class = its kind, `data-id` = its id,
 * the whole label as a tooltip) and one `path.edge` per edge with its label. Text goes in as text
 * nodes, never as markup.
 */
export function graphSvg(layout: GraphLayout): SVGSVGElement {
  const arrow = el(
    'marker',
    { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
    el('path', { d: 'M0,0L10,5L0,10z', class: 'arrow' }),
  );
  const svg = el('svg', {
    id: 'lineage-graph',
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    width: layout.width,
    height: layout.height,
    role: 'img',
    'aria-label': `lineage graph: ${layout.nodes.length} nodes, ${layout.edges.length} edges`,
  });
  svg.append(el('defs', {}, arrow));
  for (const edge of layout.edges) {
    const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    svg.append(
      el(
        'g',
        { class: 'edge' },
        el('path', { d, 'marker-end': 'url(#arrow)' }),
        el('text', { x: edge.labelAt.x, y: edge.labelAt.y + 4, 'text-anchor': 'middle' }, edge.label),
      ),
    );
  }
  for (const node of layout.nodes) {
    const top = node.y - node.height / 2;
    const text = el('text', { x: node.x, y: top + LINE_HEIGHT, 'text-anchor': 'middle' });
    node.lines.forEach((line, i) => {
      text.append(el('tspan', { x: node.x, dy: i === 0 ? 0 : LINE_HEIGHT }, line));
    });
    svg.append(
      el(
        'g',
        { class: `node ${node.kind}`, 'data-id': node.id },
        el('title', {}, node.title),
        el('rect', { x: node.x - node.width / 2, y: top, width: node.width, height: node.height, rx: 4 }),
        text,
      ),
    );
  }
  return svg;
}
