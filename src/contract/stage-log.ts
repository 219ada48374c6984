import type { Stage } from './stage-types.js';

export interface StageLog {
  info(msg: string, fields?: { seq?: number } & Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface StageLogOptions {
  write: (line: string) => void;
  json: boolean;
  scrub: <T>(value: T) => T;
  now: () => Date;
  context: { dataset_id: string; run_id: string; stage: Stage };
}

/** Logs for people (default) or JSON Lines for CI (`--log_json`), on stderr, secrets scrubbed. */
export function createStageLog(options: StageLogOptions): StageLog {
  const { context } = options;
  const emit = (level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}) => {
    if (options.json) {
      const line = { ts: options.now().toISOString(), level, msg, ...context, ...fields };
      options.write(`${JSON.stringify(options.scrub(line))}\n`);
    } else {
      const seq = typeof fields.seq === 'number' ? ` (seq ${fields.seq})` : '';
      options.write(
        options.scrub(
          `kfm ${context.stage} ${context.dataset_id}: ${level === 'warn' ? 'warning: ' : ''}${msg}${seq}\n`,
        ),
      );
    }
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
  };
}
