/**
 * Checks an upstream URI as written in the registry. Accepted forms:
 * - absolute `http://` / `https://` URIs (no user:password part: credentials come from the
 *   environment, never from a committed file);
 * - absolute `file:///path` URIs (RFC 8089; host empty or `localhost`);
 * - relative `file:<path>` (no `//`), e.g. `file:connectors/ks_mesonet_stations/fixtures/stations.geojson`,
 *   resolved against `--root` when the file is there (a runtime connector's fixture, issue 15), else
 *   against the kfm *project* root (where its `connectors/` live), so the committed example registry
 *   works from any data root. Such a path may not climb out with `..`.
 * Pure: returns what is wrong and how to fix it, or null.
 */
export interface UriProblem {
  message: string;
  fix: string;
}

const FORMS = 'https://host/path, file:///absolute/path or file:<path inside the project>';

export function isRelativeFileUri(uri: string): boolean {
  return uri.startsWith('file:') && !uri.startsWith('file:/');
}

export function upstreamUriProblem(uri: string): UriProblem | null {
  const shown = `'${uri.length > 80 ? `${uri.slice(0, 77)}...` : uri}'`;
  if (/\s/.test(uri)) return { message: `${shown} contains white space`, fix: 'percent-encode it (%20)' };
  if (isRelativeFileUri(uri)) return relativeFileProblem(uri.slice('file:'.length), shown);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { message: `${shown} is not an absolute URI`, fix: `write ${FORMS}` };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (url.username !== '' || url.password !== '') {
      return {
        message: `${shown} carries credentials`,
        fix: 'remove user:password@ from the URI; the connector reads secrets from the environment',
      };
    }
    return null;
  }
  if (url.protocol === 'file:') {
    if (url.host !== '' && url.host !== 'localhost') {
      return { message: `${shown} names a remote host`, fix: 'write file:///absolute/path (empty host)' };
    }
    return null;
  }
  return { message: `${shown} uses the unsupported scheme ${url.protocol}`, fix: `write ${FORMS}` };
}

function relativeFileProblem(path: string, shown: string): UriProblem | null {
  if (path === '') return { message: `${shown} names no file`, fix: 'write file:<path inside the project>' };
  if (path.includes('\\'))
    return { message: `${shown} contains a backslash`, fix: 'separate folders with /' };
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    return {
      message: `${shown} has an empty, . or .. segment`,
      fix: 'write a plain path inside the project, e.g. file:connectors/<dataset_id>/fixtures/<file>',
    };
  }
  return null;
}
