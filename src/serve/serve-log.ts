/**
 * The server's structured log: one JSON object per line on stderr (the `--log_json` form of the
 * stages: ts, level, msg, then fields). Refusals carry what an operator needs — status, code, the
 * reason, the route, the token *id* — and never a token, an Authorization header or a query string.
 */
export type ServeLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export function jsonLinesLog(write: (line: string) => void, now: () => Date = () => new Date()): ServeLog {
  return (level, msg, fields = {}) => {
    write(`${JSON.stringify({ ts: now().toISOString(), level, msg, ...fields })}\n`);
  };
}

export const SILENT_LOG: ServeLog = () => {};
