import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { KfmError } from '../errors.js';
import type { BodySink, ResponseMeta } from './http-attempt.js';
import { redactUrl } from './redact-url.js';

/**
 * `file://` upstreams (the demo's fixtures, mirrored archives). A local file has no transient
 * failures worth retrying, so there is one attempt; the status is 200 so callers treat both schemes
 * alike. The caller resolves relative `file:<path>` URIs; this module sees absolute file URLs only.
 */

export async function statFile(uri: string): Promise<{ path: string; meta: ResponseMeta }> {
  const path = toPath(uri);
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const why = code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`;
    throw new KfmError('UPSTREAM_FAILED', `${redactUrl(uri)}: ${why}; check the registry's upstream.uri`, {
      details: { uri: redactUrl(uri), path, error: code },
    });
  }
  if (!info.isFile()) {
    throw new KfmError(
      'UPSTREAM_FAILED',
      `${redactUrl(uri)}: not a regular file; point upstream.uri at a file`,
      {
        details: { uri: redactUrl(uri), path },
      },
    );
  }
  const meta: ResponseMeta = {
    status: 200,
    headers: {},
    content_length: info.size,
    // IMF-fixdate (RFC 9110 §5.6.7), the same form an HTTP upstream gives, so capabilities compare.
    last_modified: info.mtime.toUTCString(),
  };
  return { path, meta };
}

export async function fetchFile<T>(uri: string, sink: BodySink<T>): Promise<T> {
  const { path, meta } = await statFile(uri);
  let failure: string | undefined;
  async function* body(): AsyncGenerator<Uint8Array> {
    let received = 0;
    try {
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        received += chunk.byteLength;
        yield chunk;
      }
    } catch (error) {
      failure = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw error;
    }
    // A file that grows or shrinks while read would be captured as bytes nobody ever saw together.
    if (received !== meta.content_length) {
      failure = `changed while being read (${received} bytes read, ${meta.content_length} at start)`;
      throw new Error(failure);
    }
  }
  try {
    return await sink(body(), meta);
  } catch (error) {
    if (failure === undefined) throw error;
    throw new KfmError('UPSTREAM_FAILED', `${redactUrl(uri)}: ${failure}`, {
      details: { uri: redactUrl(uri), path, error: failure },
      cause: error,
    });
  }
}

function toPath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw new KfmError(
      'INVALID_INPUT',
      `${redactUrl(uri)}: not an absolute file:// URL (${(error as Error).message})`,
      {
        details: { uri: redactUrl(uri) },
      },
    );
  }
}
