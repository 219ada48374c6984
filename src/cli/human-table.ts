/**
 * Human output of the query commands: columns aligned to their widest cell (by code points, so
 * ✓ and — count as one), two spaces apart, and times relative to now ("3 min ago"), the clock
 * passed in so the output of a given moment is reproducible.
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = (text: string) => [...text].length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

const UNITS: [limit: number, size: number, name: string][] = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86_400, 3600, 'h'],
  [86_400 * 45, 86_400, 'days'],
  [86_400 * 365, 86_400 * 30, 'months'],
  [Number.POSITIVE_INFINITY, 86_400 * 365, 'years'],
];

/** "just now", "42 s ago", "3 min ago", "5 h ago", "12 days ago", "in 2 min" (a clock ahead of ours). */
export function relativeTime(iso: string | null, nowMs: number): string {
  if (iso === null) return '—';
  const seconds = Math.round((nowMs - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return iso;
  const abs = Math.abs(seconds);
  if (abs < 5) return 'just now';
  const [, size, name] = UNITS.find(([limit]) => abs < limit)!;
  const amount = Math.floor(abs / size);
  return seconds >= 0 ? `${amount} ${name} ago` : `in ${amount} ${name}`;
}

/** A duration between two ISO times: "850 ms", "12 s", "3 min 4 s". */
export function duration(fromIso: string, toIso: string | null): string {
  if (toIso === null) return '—';
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export const shortHash = (hex: string | null): string => (hex === null ? '—' : hex.slice(0, 12));

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
