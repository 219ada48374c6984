import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT } from '../support/examples.js';
import { runKfm } from '../support/kfm-cli.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 15: the README's "Write a connector" takes a newcomer from nothing to a promoted version.
// This test reads that section's first bash block out of README.md and runs it as written (`cd`
// and `kfm` lines; `#` lines are the edits a person makes), so README and behaviour cannot drift.

const roots = useTempDirs('write-a-connector');

function readmeCommands(): string[] {
  const readme = readFileSync(join(PROJECT, 'README.md'), 'utf8');
  const section = readme.split(/^## Write a connector$/m)[1]?.split(/^## /m)[0];
  if (section === undefined) throw new Error('README.md has no "## Write a connector" section');
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('"Write a connector" has no bash block');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('README "Write a connector"', () => {
  it('runs as written, from kfm init to a promoted version that verify --deep accepts', async () => {
    const commands = readmeCommands();
    // The walk-through is the whole truth path: a change that drops a step fails here.
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'kfm init --root',
      'cd my-root',
      'kfm connector new',
      'kfm registry validate',
      'kfm ingest my_sites',
      'kfm validate my_sites',
      'kfm promote my_sites',
      'kfm verify --deep',
    ]);
    let cwd = roots();
    let runId: string | undefined;
    for (const command of commands) {
      const [program, ...args] = command.split(/\s+/);
      if (program === 'cd') {
        cwd = resolve(cwd, args[0]!);
        continue;
      }
      expect(program, command).toBe('kfm');
      const substituted = args.map((arg) => {
        if (arg !== '<RUN_ID>') return arg;
        if (runId === undefined) throw new Error(`${command}: no run id printed before it`);
        return runId;
      });
      const run = await runKfm(substituted, { cwd, env: { KFM_ROOT: '' } });
      expect(run.status, `${command}\n${run.stdout}\n${run.stderr}`).toBe(0);
      if (args[0] === 'ingest') runId = /\brun ([0-9A-HJKMNP-TV-Z]{26})\b/.exec(run.stdout)?.[1];
      if (args[0] === 'promote') expect(run.stdout).toMatch(/version_id: v[0-9a-f]{16}/);
    }
    expect(runId).toBeDefined();
  }, 120_000);
});
