import { Buffer } from 'node:buffer';
import { scrubUrl } from './redact-url.js';

/** What the client knows about one response; handed to the sink and recorded as capabilities. */
export interface ResponseMeta {
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  etag?: string;
  last_modified?: string;
  content_type?: string;
  content_length?: number;
}

export type BodySink<T> = (body: AsyncIterable<Uint8Array>, meta: ResponseMeta) => Promise<T>;

/**
 * The outcome of one HTTP exchange, for the retry loop to judge: a usable answer, an answer with a
 * non-2xx status, or a transport failure (network error, timeout, truncated body), which is always
 * worth another attempt. Errors thrown by the sink itself (disk full, zone violation) are not
 * outcomes: they propagate, since another download would not fix them.
 */
export type Attempt<T> =
  | { kind: 'done'; value: T; meta: ResponseMeta }
  | { kind: 'status'; meta: ResponseMeta; statusText: string }
  | { kind: 'failed'; error: string };

export interface AttemptOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  /** Arms a timeout; returns what cancels it (UpstreamDeps.setTimer). */
  setTimer: (ms: number, fire: () => void) => () => void;
}

/** Our own abort reason, so a timeout is told apart from other aborts and named in messages. */
class AttemptTimeout extends Error {}

/** Thrown into the sink's loop when the body fails; carries the reason the retry loop reports. */
export class UpstreamBodyError extends Error {
  override name = 'UpstreamBodyError';
}

export async function attemptHttp<T>(
  method: 'GET' | 'HEAD',
  uri: string,
  options: AttemptOptions,
  sink?: BodySink<T>,
): Promise<Attempt<T | undefined>> {
  const { url, headers } = prepareRequest(uri);
  const controller = new AbortController();
  const cancelTimer = options.setTimer(options.timeoutMs, () =>
    controller.abort(new AttemptTimeout(`no response headers within ${options.timeoutMs} ms`)),
  );
  let response: Response;
  try {
    response = await options.fetch(url, { method, headers, signal: controller.signal, redirect: 'follow' });
  } catch (error) {
    return { kind: 'failed', error: scrubUrl(describeError(error), uri) };
  } finally {
    cancelTimer();
  }
  const meta = metaOf(response);
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'status', meta, statusText: response.statusText };
  }
  if (sink === undefined || method === 'HEAD') {
    await response.body?.cancel().catch(() => undefined);
    return { kind: 'done', value: undefined, meta };
  }
  return consumeBody(response, meta, controller, options, uri, sink);
}

async function consumeBody<T>(
  response: Response,
  meta: ResponseMeta,
  controller: AbortController,
  options: AttemptOptions,
  uri: string,
  sink: BodySink<T>,
): Promise<Attempt<T>> {
  const state: BodyState = { started: false };
  // Content-Length counts the encoded bytes; fetch hands over decoded ones, so only compare identity bodies.
  const encoding = meta.headers['content-encoding'];
  const expected = encoding === undefined || encoding === 'identity' ? meta.content_length : undefined;
  try {
    const value = await sink(readBody(response.body, controller, options, expected, state), meta);
    // A sink that swallowed the stream's error still must not turn a truncated body into a result.
    if (state.failure !== undefined) return { kind: 'failed', error: scrubUrl(state.failure, uri) };
    return { kind: 'done', value, meta };
  } catch (error) {
    if (state.failure !== undefined) return { kind: 'failed', error: scrubUrl(state.failure, uri) };
    throw error;
  } finally {
    if (!state.started) await response.body?.cancel().catch(() => undefined);
    // Releases the connection if the sink returned without draining the body; a no-op once it is read.
    controller.abort();
  }
}

interface BodyState {
  started: boolean;
  failure?: string;
}

/**
 * The body as an async iterable. The idle timer runs only while waiting on the network, never while
 * the sink works on a chunk, so a slow disk is not mistaken for a stalled upstream. A body shorter
 * than its Content-Length is an error (RFC 9112 §6.3: the message is incomplete), even when the
 * transport reported a clean end.
 */
async function* readBody(
  body: ReadableStream<Uint8Array> | null,
  controller: AbortController,
  { timeoutMs, setTimer }: AttemptOptions,
  expected: number | undefined,
  state: BodyState,
): AsyncGenerator<Uint8Array> {
  state.started = true;
  const reader = body?.getReader();
  let received = 0;
  let finished = false;
  const fail = (reason: string, cause?: unknown): UpstreamBodyError => {
    const of = expected === undefined ? '' : ` of ${expected}`;
    state.failure = `body cut after ${received}${of} bytes: ${reason}`;
    return new UpstreamBodyError(state.failure, cause === undefined ? undefined : { cause });
  };
  try {
    while (reader !== undefined) {
      const cancelTimer = setTimer(timeoutMs, () =>
        controller.abort(new AttemptTimeout(`body stalled for ${timeoutMs} ms`)),
      );
      let chunk: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw fail(describeError(error), error);
      } finally {
        cancelTimer();
      }
      if (chunk.done) break;
      received += chunk.value.byteLength;
      yield chunk.value;
    }
    finished = true;
    if (expected !== undefined && received !== expected) throw fail('shorter than its Content-Length');
  } finally {
    if (!finished) await reader?.cancel().catch(() => undefined);
  }
}

/**
 * fetch refuses URLs with userinfo (Fetch standard), so credentials in the registry URI are sent as
 * HTTP Basic authentication (RFC 7617) instead; they never reach a message (see redact-url.ts).
 */
function prepareRequest(uri: string): { url: string; headers: Record<string, string> } {
  const url = new URL(uri);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const user = decodeLenient(url.username);
    const password = decodeLenient(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, headers };
}

function decodeLenient(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function metaOf(response: Response): ResponseMeta {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const meta: ResponseMeta = { status: response.status, headers };
  if (headers.etag !== undefined) meta.etag = headers.etag;
  if (headers['last-modified'] !== undefined) meta.last_modified = headers['last-modified'];
  if (headers['content-type'] !== undefined) meta.content_type = headers['content-type'];
  const length = headers['content-length'];
  if (length !== undefined && /^\d+$/.test(length)) meta.content_length = Number(length);
  return meta;
}

/** A one-line reason: our timeout's text, or the network error's code and message (fetch nests it in `cause`). */
export function describeError(error: unknown): string {
  if (error instanceof AttemptTimeout || error instanceof UpstreamBodyError) return error.message;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof AttemptTimeout) return cause.message;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${error.message} (${code === undefined ? '' : `${code}: `}${cause.message})`;
  }
  return error.message;
}
