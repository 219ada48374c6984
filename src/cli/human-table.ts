/**
 * Human output of the query commands: columns aligned to their widest cell (by code points, so
 * ✓ and — count as one), two spaces apart, and times relative to now ("3 min ago"), the clock
 * passed in so the output of a given moment is reproducible. Given a `width` (the terminal's), a
 * table wider than it narrows its widest columns and elides their cells in the middle (`01J8…9Q2Z`),
 * which keeps both ends of an id, hash or path, rather than letting the terminal wrap the rows.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  width = Number.POSITIVE_INFINITY,
  /** Columns of ids, hashes and paths: narrowed first, the others only if that is not enough. */
  elidable: readonly number[] = [],
): string {
  const natural = headers.map((h, i) => Math.max(length(h), ...rows.map((r) => length(r[i] ?? ''))));
  const idsFirst = fitColumns(
    natural,
    natural.map((w, i) => (elidable.includes(i) ? Math.min(w, MIN_ID_COLUMN) : w)),
    width,
  );
  const widths = fitColumns(
    idsFirst,
    idsFirst.map((w) => Math.min(w, MIN_COLUMN)),
    width,
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const text = elideMiddle(cell, widths[i]!);
        return i === cells.length - 1 ? text : text + ' '.repeat(widths[i]! - length(text));
      })
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** An id, hash or path keeps this much (`01M8V…6ETWV`) before the other columns give anything up. */
const MIN_ID_COLUMN = 11;
/**
 * Narrower than this a column is not narrowed further (the row may then overflow): `01…TQ` still
 * tells two ids apart at a glance. Nine columns of it fit 80 characters with their gaps.
 */
const MIN_COLUMN = 6;
const GAP = 2;

const length = (text: string) => [...text].length;

/**
 * Column widths whose sum (with the gaps) fits `width`: the widest column gives up one character
 * at a time, so short columns (status, seq) keep their cells whole while long ids and lists shrink.
 */
export function fitColumns(natural: readonly number[], minimum: readonly number[], width: number): number[] {
  const widths = [...natural];
  let total = widths.reduce((sum, w) => sum + w, 0) + GAP * Math.max(0, widths.length - 1);
  while (total > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (widths[i]! > minimum[i]! && (widest === -1 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest === -1) break;
    widths[widest]!--;
    total--;
  }
  return widths;
}

/** `text` in at most `max` code points, its middle replaced by `…` when it is longer. */
export function elideMiddle(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/**
 * How wide human tables may be: everything with --wide; else $COLUMNS when set (a user's or a
 * script's explicit choice, also into a pipe); else the terminal's width when stdout is one; else
 * unlimited, so `kfm runs | grep` and redirected output keep every cell whole. Never below 80.
 */
export function tableWidth(
  options: { wide?: boolean | undefined },
  env: Readonly<Record<string, string | undefined>>,
  terminalColumns: number | undefined,
): number {
  if (options.wide) return Number.POSITIVE_INFINITY;
  const fromEnv = Number(env.COLUMNS);
  const columns =
    env.COLUMNS !== undefined && Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : terminalColumns;
  return columns === undefined ? Number.POSITIVE_INFINITY : Math.max(80, columns);
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
