import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8Bytes } from '../../src/tlog/bytes.js';
import { formatCheckpointText, openCheckpoint } from '../../src/tlog/checkpoint.js';
import { nodeEd25519 } from '../../src/tlog/node-ed25519.js';
import { parseSignerKey, parseVerifierKey } from '../../src/tlog/note-keys.js';
import { signNote } from '../../src/tlog/signed-note.js';
import { runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';
import { useTempDirs } from '../support/temp-dirs.js';

interface Generated {
  name: string;
  key_id: string;
  vkey: string;
  path: string;
}

const ORIGIN = 'kfm.example.org/ledger-1';

describe('kfm key generate', () => {
  const tempDir = useTempDirs('key');
  const newRoot = () => {
    const root = tempDir();
    mkdirSync(join(root, 'ledger'));
    return root;
  };

  it('writes a mode 0600 key whose signatures verify with the verifier key it prints', async () => {
    const root = newRoot();
    const out = join(root, 'log.key');
    const run = await runKfmJson<Generated>([
      '--root',
      root,
      '--json',
      'key',
      'generate',
      '--name',
      ORIGIN,
      '--out',
      out,
    ]);
    expect(run.status).toBe(0);
    expect(run.json).toMatchObject({ name: ORIGIN, path: out });
    expect(run.json.vkey.startsWith(`${ORIGIN}+${run.json.key_id}+`)).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const skey = readFileSync(out, 'utf8');
    expect(skey).toMatch(new RegExp(`^PRIVATE\\+KEY\\+${ORIGIN}\\+${run.json.key_id}\\+\\S+\\n$`));
    const signer = parseSignerKey(skey.trimEnd(), nodeEd25519);
    const verifier = parseVerifierKey(run.json.vkey, nodeEd25519);
    if (!signer.ok || !verifier.ok) throw new Error('key or vkey does not parse');
    const text = formatCheckpointText({
      origin: ORIGIN,
      size: 3,
      rootHash: new Uint8Array(32),
      extensions: [],
    });
    const note = signNote(text, [signer.key]);
    expect(openCheckpoint(utf8Bytes(note), [verifier.key], ORIGIN)).toMatchObject({
      ok: true,
      checkpoint: { size: 3 },
    });
  });

  it('prints only the verifier key on stdout without --json, and makes a new key each time', async () => {
    const root = newRoot();
    const runs = await Promise.all(
      ['a.key', 'b.key'].map((file) =>
        runKfm(['--root', root, 'key', 'generate', '--name', ORIGIN, '--out', join(root, file)]),
      ),
    );
    const vkeys = runs.map((run) => {
      expect(run.status).toBe(0);
      expect(run.stderr).toContain('mode 0600');
      expect(run.stdout).toMatch(/^\S+\+[0-9a-f]{8}\+\S+\n$/);
      return run.stdout.trimEnd();
    });
    expect(vkeys[0]).not.toBe(vkeys[1]);
  });

  it('never overwrites an existing file', async () => {
    const root = newRoot();
    const out = join(root, 'taken.key');
    writeFileSync(out, 'keep me\n');
    const run = await runKfm(['--root', root, 'key', 'generate', '--name', ORIGIN, '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${out} already exists`);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(readFileSync(out, 'utf8')).toBe('keep me\n');
  });

  it('refuses a file inside the ledger folder, also through a symlink, and writes nothing', async () => {
    const root = newRoot();
    symlinkSync(join(root, 'ledger'), join(root, 'alias'));
    for (const out of [join(root, 'ledger', 'log.key'), join(root, 'alias', 'log.key')]) {
      const run = await runKfm(['--root', root, 'key', 'generate', '--name', ORIGIN, '--out', out]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('inside the ledger folder');
      expect(existsSync(join(root, 'ledger', 'log.key'))).toBe(false);
    }
  });

  it.each(['has space', 'a+b', ''])(
    'refuses the key name %j, which no signed note could carry',
    async (name) => {
      const root = newRoot();
      const out = join(root, 'log.key');
      const run = await runKfmJson([
        '--root',
        root,
        '--json',
        'key',
        'generate',
        '--name',
        name,
        '--out',
        out,
      ]);
      expect(run.status).toBe(2);
      expect(run.json).toMatchObject({ code: 'USAGE' });
      expect(existsSync(out)).toBe(false);
    },
  );

  it('requires --out, and --name where no ledger gives its id to default to', async () => {
    const root = newRoot();
    const unnamed = await runKfm(['--root', root, 'key', 'generate', '--out', join(root, 'k')]);
    expect(unnamed.status).toBe(2);
    expect(unnamed.stderr).toContain('no --name given and no ledger id to default to');
    expect((await runKfm(['--root', root, 'key', 'generate', '--name', ORIGIN])).status).toBe(2);
  });

  it('exits 4 naming the folder when the folder of --out does not exist', async () => {
    const root = newRoot();
    const run = await runKfm([
      '--root',
      root,
      'key',
      'generate',
      '--name',
      ORIGIN,
      '--out',
      join(root, 'no', 'k'),
    ]);
    expect(run.status).toBe(4);
    expect(run.stderr).toContain(`${join(root, 'no')} does not exist`);
  });
});
