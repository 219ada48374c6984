import {
  etaSeconds,
  fitLine,
  formatDuration,
  windowsPerSecond as perSecond,
} from '../contract/backfill/progress.js';

/** Where progress goes: a bar on a terminal, nowhere otherwise. */
export interface Progress {
  update(label: string, done: number, total: number): void;
  end(): void;
}

export const NO_PROGRESS: Progress = { update: () => {}, end: () => {} };

export interface ProgressBarOptions {
  /** Nothing is drawn before this many ms: a quick verification should not flicker a bar. */
  delayMs?: number;
  /** At most one redraw per interval (~10/s), however fast events stream. */
  intervalMs?: number;
  width?: number;
  /** The terminal's width: a longer line would wrap, and a wrapped line cannot be redrawn in place. */
  columns?: number;
  now?: () => number;
}

/**
 * A one-line progress bar for a terminal, redrawn in place with a carriage return, e.g.
 * `kfm verify --deep  events verified  [########------------]  41%  20512/50000  8200/s  ETA 4s`:
 * the rate and ETA are of the current phase, from when its label first appeared.
 * The caller decides whether there is a terminal (stderr a TTY, no --json); this only draws.
 */
export function progressBar(write: (text: string) => void, options: ProgressBarOptions = {}): Progress {
  const now = options.now ?? Date.now;
  const delayMs = options.delayMs ?? 300;
  const intervalMs = options.intervalMs ?? 100;
  const width = options.width ?? 24;
  const start = now();
  let last = Number.NEGATIVE_INFINITY;
  let label = '';
  let phaseStart = start;
  let drawn = false;
  return {
    update(nextLabel, done, total) {
      const t = now();
      // A new phase and a finished one are drawn at once, so the bar never lags behind the work.
      const urgent = nextLabel !== label || done >= total;
      if (nextLabel !== label) phaseStart = t;
      label = nextLabel;
      if (t - start < delayMs || (!urgent && t - last < intervalMs)) return;
      last = t;
      drawn = true;
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      const percent = `${Math.floor(fraction * 100)}`.padStart(3);
      const facts = { done, total, elapsedMs: t - phaseStart };
      const rate = perSecond(facts);
      const eta = done >= total ? null : etaSeconds(facts);
      const line = [
        `kfm verify --deep  ${label}  [${bar}] ${percent}%  ${done}/${total}`,
        rate === null ? '' : `${Math.round(rate)}/s`,
        eta === null ? '' : `ETA ${formatDuration(eta)}`,
      ]
        .filter((part) => part !== '')
        .join('  ');
      write(fitLine(`\r\x1b[2K${line}`, options.columns));
    },
    end() {
      // Clear the line so the report that follows starts clean.
      if (drawn) write('\r\x1b[2K');
      drawn = false;
    },
  };
}
