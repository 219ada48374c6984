import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { PACKAGE_ROOT } from '../../tool-info.js';
import { ApiError } from '../api-error.js';
import { jsonReply, type Reply } from '../reply.js';

/** Where `npm run build` writes the lineage page (ui/vite.config.ts). */
export const UI_DIR = join(PACKAGE_ROOT, 'dist', 'ui');
export const UI_PATH = '/ui/';

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page runs its own script and style and talks to this origin only: nothing inline, nothing
 * from elsewhere (the page works offline), no forms, no framing. The API's own answers keep their
 * `default-src 'none'; sandbox` (reply.ts).
 */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  contentType: string;
}

/**
 * The built page as a map from URL path to bytes: `/ui/` is its index.html, `/ui/<file>` each
 * other file under dist/ui. A request is answered only when its path equals one of these keys, so
 * no client text is ever joined to a file path.
 */
export function loadUiAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    const name = relative(dir, path).split(sep).join('/');
    const contentType = MEDIA_TYPES[extname(name)];
    if (contentType === undefined) continue;
    assets.set(name === 'index.html' ? UI_PATH : `${UI_PATH}${name}`, {
      body: readFileSync(path),
      contentType,
    });
  }
  return assets;
}

let loaded: Map<string, Asset> | undefined;

/**
 * GET|HEAD /ui/ and its files: the lineage page (issue 14), static and public. It holds no data:
 * the page calls the API with the token its user types in, so it shows what the API lets that
 * token see. undefined for any other path, which then goes through the API's checks and routes
 * like any request (a traversal attempt under /ui/ is PATH_REFUSED, an unknown file NOT_FOUND).
 * Read from dist/ui once, on first use.
 */
export function uiReply(rawTarget: string | undefined): Reply | undefined {
  const path = rawTarget?.split('?')[0];
  if (path === '/ui') return jsonReply({}, { Location: UI_PATH }, 308);
  if (path === undefined || !path.startsWith(UI_PATH)) return undefined;
  try {
    loaded ??= loadUiAssets(UI_DIR);
  } catch {
    if (path !== UI_PATH) return undefined;
    throw new ApiError('NOT_FOUND', 'the lineage page is not built: run `npm run build`', {
      reason: `no ${UI_DIR}`,
    });
  }
  const asset = loaded.get(path);
  if (asset === undefined) return undefined;
  return {
    kind: 'bytes',
    body: asset.body,
    contentType: asset.contentType,
    headers: { 'Cache-Control': 'no-cache', 'Content-Security-Policy': PAGE_CSP },
  };
}
