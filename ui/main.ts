import {
  type Answer,
  type Dataset,
  type DatasetList,
  fetchAt,
  getJson,
  type LineageAnswer,
  type ProvenanceBundle,
  type ReadPoint,
  urlAt,
} from './api.js';
import { layoutGraph } from './graph-layout.js';
import { graphSvg } from './graph-svg.js';

/**
 * The lineage page (issue 14): datasets, versions, runs and the lineage graph of the API, at the
 * ledger head or a past seq, with the caller's token. Where things are is in the URL fragment
 * (`#/datasets/<id>[/versions/<version_id>][?as_of=<seq>]`), so a view can be linked and reloaded;
 * the token stays in this tab's sessionStorage and never enters a URL.
 */

const TOKEN_KEY = 'kfm.token';

type Child = Node | string | null;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) if (child !== null) node.append(child);
  return node;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface Place {
  datasetId: string | null;
  versionId: string | null;
  asOf: string | null;
}

function placeOf(hash: string): Place {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter((p) => p !== '');
  const asOf = new URLSearchParams(query).get('as_of');
  return {
    datasetId: parts[0] === 'datasets' && parts[1] !== undefined ? parts[1] : null,
    versionId: parts[2] === 'versions' && parts[3] !== undefined ? parts[3] : null,
    asOf: asOf === null || asOf === '' ? null : asOf,
  };
}

function hashOf(place: Place): string {
  const path =
    place.datasetId === null
      ? '#/'
      : `#/datasets/${place.datasetId}${place.versionId === null ? '' : `/versions/${place.versionId}`}`;
  return place.asOf === null ? path : `${path}?as_of=${place.asOf}`;
}

function pointOf(place: Place): ReadPoint {
  return { token: sessionStorage.getItem(TOKEN_KEY), asOf: place.asOf };
}

const link = (place: Place, text: string, attributes: Record<string, string> = {}) =>
  h('a', { href: hashOf(place), ...attributes }, text);

const short = (hex: string) => hex.slice(0, 12);

function failure(answer: Extract<Answer<unknown>, { ok: false }>): HTMLElement {
  return h('p', { class: 'error' }, `${answer.status} ${answer.code}: ${answer.message}`);
}

function table(headings: string[], rows: Child[][], attributes: Record<string, string> = {}) {
  return h(
    'table',
    attributes,
    h('thead', {}, h('tr', {}, ...headings.map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c))))),
  );
}

async function renderDatasets(place: Place): Promise<void> {
  const list = byId<HTMLUListElement>('datasets');
  const head = byId<HTMLSpanElement>('head');
  const answer = await getJson<DatasetList>('/datasets', pointOf(place));
  if (!answer.ok) {
    list.replaceChildren(h('li', {}, failure(answer)));
    head.textContent = '';
    return;
  }
  head.textContent = `ledger seq ${answer.body.ledger_head.seq}${place.asOf === null ? ' (head)' : ''}`;
  list.replaceChildren(
    ...answer.body.datasets.map((d) =>
      h(
        'li',
        { class: d.dataset_id === place.datasetId ? 'current' : '' },
        link({ ...place, datasetId: d.dataset_id, versionId: null }, d.dataset_id, {
          'data-dataset': d.dataset_id,
        }),
        h('span', { class: `badge ${d.sensitivity}` }, d.sensitivity),
        h('span', { class: 'count' }, `${d.versions} version${d.versions === 1 ? '' : 's'}`),
      ),
    ),
  );
}

function runsTable(lineage: LineageAnswer): HTMLElement {
  return table(
    ['run', 'stages', 'promotion'],
    lineage.runs.map((run) => {
      const promotion = run.promotion;
      const outcome =
        promotion === null
          ? '—'
          : promotion.outcome === 'denied'
            ? h(
                'span',
                { class: 'denied' },
                `denied: ${promotion.reasons.map((r) => `${r.code} (${r.message})`).join('; ')}`,
              )
            : `${promotion.outcome} ${promotion.version_id ?? ''}`;
      const stages = run.stages.map((s) =>
        h('span', { class: `stage ${s.status}` }, `${s.stage} ${s.status}`),
      );
      return [h('code', {}, run.run_id), h('span', { class: 'stages' }, ...stages), outcome];
    }),
    { id: 'runs' },
  );
}

async function renderDataset(place: Place, datasetId: string, view: HTMLElement): Promise<void> {
  const point = pointOf(place);
  const [dataset, lineage] = await Promise.all([
    getJson<Dataset>(`/datasets/${datasetId}`, point),
    getJson<LineageAnswer>(`/lineage/${datasetId}`, point),
  ]);
  if (!dataset.ok) return view.replaceChildren(failure(dataset));
  if (!lineage.ok) return view.replaceChildren(failure(lineage));
  const d = dataset.body;
  const graph = lineage.body.graph;
  view.replaceChildren(
    h('h2', {}, d.dataset_id),
    h(
      'p',
      {},
      `${d.registry.title ?? ''} · ${d.registry.sensitivity} · ${d.registry.license} · labels ${d.registry.policy_labels.join(', ')}`,
    ),
    h('h3', {}, 'versions'),
    d.versions.length === 0
      ? h('p', {}, 'No version at this point.')
      : table(
          ['version', 'content hash', 'published', 'supersedes'],
          d.versions.map((v) => [
            link({ ...place, datasetId, versionId: v.version_id }, v.version_id, {
              'data-version': v.version_id,
            }),
            h('code', { title: v.content_hash }, short(v.content_hash)),
            v.published_at,
            v.supersedes ?? '—',
          ]),
          { id: 'versions' },
        ),
    h('h3', {}, 'runs'),
    lineage.body.runs.length === 0 ? h('p', {}, 'No run at this point.') : runsTable(lineage.body),
    h('h3', {}, 'lineage'),
    h(
      'p',
      { id: 'graph-summary' },
      `${graph.nodes.length} nodes, ${graph.edges.length} edges, as of seq ${lineage.body.as_of.seq}`,
    ),
    h('div', { class: 'graph' }, graphSvg(layoutGraph(graph))),
  );
}

/** An artifact link: a plain link, or with a token a fetch that carries it (a link cannot). */
function artifactLink(url: string, name: string, point: ReadPoint): HTMLAnchorElement {
  const a = h('a', { href: urlAt(url, point.asOf), download: name, class: 'artifact' }, name);
  if (point.token === null) return a;
  a.addEventListener('click', (event) => {
    event.preventDefault();
    void fetchAt(url, point).then(async (res) => {
      const href = URL.createObjectURL(await res.blob());
      const save = h('a', { href, download: name });
      save.click();
      URL.revokeObjectURL(href);
    });
  });
  return a;
}

async function renderVersion(place: Place, datasetId: string, versionId: string, view: HTMLElement) {
  const point = pointOf(place);
  const answer = await getJson<ProvenanceBundle>(
    `/datasets/${datasetId}/versions/${versionId}/provenance`,
    point,
  );
  if (!answer.ok) return view.replaceChildren(failure(answer));
  const b = answer.body;
  const anchor = b.ledger_anchor;
  view.replaceChildren(
    h('p', {}, link({ ...place, versionId: null }, `← ${datasetId}`)),
    h('h2', { id: 'provenance' }, `${datasetId} ${versionId}`),
    table(
      ['', ''],
      [
        ['content hash', h('code', { id: 'content-hash' }, b.content_hash)],
        ['published', b.published_at],
        ['supersedes', b.supersedes ?? '—'],
        [
          'licence · class',
          `${b.registry.license} · ${b.registry.sensitivity} (${b.registry.policy_labels.join(', ')})`,
        ],
        [
          'validation',
          b.validation === null
            ? '—'
            : `${b.validation.passed ? 'passed' : 'failed'}: ${b.validation.checks.map((c) => `${c.name} ${c.passed ? '✓' : '✗'}`).join(', ')}`,
        ],
        ['transforms', b.transforms.map((t) => t.name).join(', ') || '—'],
        ['runs', b.runs.map((r) => `${r.run_id} (${r.relation}, seq ${r.seq})`).join('; ')],
      ],
      { class: 'facts' },
    ),
    h('h3', {}, 'artifacts'),
    table(
      ['file', 'bytes', 'sha256', 'media type'],
      b.artifacts.map((a) => [
        artifactLink(a.url, a.path, point),
        String(a.bytes),
        h('code', {}, a.sha256),
        a.media_type,
      ]),
      { id: 'artifacts' },
    ),
    h('h3', {}, 'checksums (sha256sum -c)'),
    h('pre', { id: 'checksums' }, b.checksums_sha256),
    h('h3', {}, 'ledger anchor'),
    table(
      ['', ''],
      [
        ['event', `${anchor.type} seq ${anchor.seq}`],
        ['hash', h('code', { id: 'anchor-hash' }, anchor.hash)],
        ['event id', anchor.event_id],
        ['recorded', anchor.recorded_at],
        ['read at head', `seq ${b.ledger_head.seq} ${short(b.ledger_head.hash)}`],
        ['check it', h('code', {}, b.verify_with)],
      ],
      { class: 'facts', id: 'anchor' },
    ),
    h('h3', {}, 'catalogs'),
    h('ul', {}, ...b.catalogs.map((c) => h('li', {}, `${c.kind}: ${c.path}`))),
    h('h3', {}, 'PROV-JSON'),
    h('pre', { class: 'prov' }, JSON.stringify(b.prov, null, 2)),
  );
}

let rendering = 0;

async function render(): Promise<void> {
  const turn = ++rendering;
  const place = placeOf(location.hash);
  byId<HTMLInputElement>('as-of').value = place.asOf ?? '';
  const view = h('main', { id: 'view' }, h('p', {}, 'Pick a dataset.'));
  await renderDatasets(place);
  if (place.datasetId !== null && place.versionId !== null)
    await renderVersion(place, place.datasetId, place.versionId, view);
  else if (place.datasetId !== null) await renderDataset(place, place.datasetId, view);
  // A later navigation won: its answer replaces this one, not the other way round.
  if (turn === rendering) byId('view').replaceWith(view);
}

function start(): void {
  const token = byId<HTMLInputElement>('token');
  byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = token.value.trim();
    if (value === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
    token.value = '';
    token.placeholder = value === '' ? 'kfm_… (restricted datasets)' : 'token in use';
    void render();
  });
  byId('token-clear').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    token.placeholder = 'kfm_… (restricted datasets)';
    void render();
  });
  byId<HTMLFormElement>('as-of-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = byId<HTMLInputElement>('as-of').value.trim();
    location.hash = hashOf({ ...placeOf(location.hash), asOf: value === '' ? null : value });
  });
  byId('as-of-clear').addEventListener('click', () => {
    location.hash = hashOf({ ...placeOf(location.hash), asOf: null });
  });
  if (sessionStorage.getItem(TOKEN_KEY) !== null) token.placeholder = 'token in use';
  window.addEventListener('hashchange', () => void render());
  void render();
}

start();
