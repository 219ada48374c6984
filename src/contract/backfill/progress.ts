/**
 * The backfill's progress for people: windows done / total, rate and ETA. Pure formatting; the
 * caller draws it on stderr when stderr is a terminal (and logs one line per window otherwise).
 */
export interface ProgressFacts {
  done: number;
  total: number;
  elapsedMs: number;
}

export function windowsPerSecond({ done, elapsedMs }: ProgressFacts): number | null {
  return done === 0 || elapsedMs <= 0 ? null : done / (elapsedMs / 1000);
}

export function etaSeconds(facts: ProgressFacts): number | null {
  const rate = windowsPerSecond(facts);
  return rate === null ? null : Math.ceil((facts.total - facts.done) / rate);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A progress chunk cut to the terminal's width: a line that wraps cannot be redrawn in place, since
 * `\r` and erase-line reach back only to the start of its last row. The `\r` + erase prefix and a
 * bare newline pass through; the text after the prefix keeps at most `columns - 1` code points.
 */
export function fitLine(chunk: string, columns: number | undefined): string {
  const prefix = chunk.startsWith('\r\x1b[2K') ? '\r\x1b[2K' : '';
  const text = [...chunk.slice(prefix.length)];
  if (columns === undefined || chunk === '\n' || text.length < columns) return chunk;
  return prefix + text.slice(0, columns - 1).join('');
}

/** e.g. `[######------------------]  12/40 windows  2.1 windows/s  ETA 14s` */
export function progressLine(facts: ProgressFacts, width = 24): string {
  const fraction = facts.total === 0 ? 1 : Math.min(1, facts.done / facts.total);
  const filled = Math.round(fraction * width);
  const rate = windowsPerSecond(facts);
  const eta = etaSeconds(facts);
  return [
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`,
    `${facts.done}/${facts.total} windows`,
    rate === null ? '' : `${rate.toFixed(1)} windows/s`,
    eta === null ? '' : `ETA ${formatDuration(eta)}`,
  ]
    .filter((part) => part !== '')
    .join('  ');
}
