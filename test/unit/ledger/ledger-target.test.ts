import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localLedgerTarget } from '../../../src/cli/ledger-door-access.js';
import { isLedgerUrl, parseLedgerTarget } from '../../../src/ledger/ledger-door.js';
import { displayUrl } from '../../../src/ledger/postgres/postgres-ledger.js';

describe('ledger targets', () => {
  it.each([
    ['/srv/kfm/ledger/kfm.sqlite', { backend: 'sqlite', path: '/srv/kfm/ledger/kfm.sqlite' }],
    ['sqlite:relative/kfm.sqlite', { backend: 'sqlite', path: 'relative/kfm.sqlite' }],
    ['postgres://u@h:5432/kfm', { backend: 'postgres', url: 'postgres://u@h:5432/kfm' }],
    ['postgresql://u@h/kfm', { backend: 'postgres', url: 'postgresql://u@h/kfm' }],
    ['mysql://u@h/kfm', { backend: 'sqlite', path: 'mysql://u@h/kfm' }],
  ])('%s opens %o', (target, parsed) => {
    expect(parseLedgerTarget(target)).toEqual(parsed);
  });

  it('refuses sqlite: without a path', () => {
    expect(() => parseLedgerTarget('sqlite:')).toThrow(/names no file/);
  });

  it('keeps URLs as given and resolves plain paths for this root', () => {
    // The root must exist: a --root that does not is a usage error before any ledger is named.
    const r = mkdtempSync(join(tmpdir(), 'kfm-ledger-target-'));
    expect(isLedgerUrl('postgres://h/db')).toBe(true);
    expect(isLedgerUrl('ledger/kfm.sqlite')).toBe(false);
    expect(localLedgerTarget({ ledger: 'postgres://h/db' }, {})).toBe('postgres://h/db');
    expect(localLedgerTarget({ root: r }, { KFM_LEDGER_URL: 'sqlite:/x.sqlite' })).toBe('sqlite:/x.sqlite');
    expect(localLedgerTarget({ ledger: 'sqlite:/a', root: r }, { KFM_LEDGER_URL: 'postgres://h/db' })).toBe(
      'sqlite:/a',
    );
    expect(localLedgerTarget({ root: r }, {})).toBe(join(r, 'ledger', 'kfm.sqlite'));
    expect(localLedgerTarget({ root: r }, { KFM_LEDGER_URL: '' })).toBe(join(r, 'ledger', 'kfm.sqlite'));
  });

  it('never shows a password', () => {
    expect(displayUrl('postgres://kfm:s3cret@db:5432/kfm')).toBe('postgres://kfm:***@db:5432/kfm');
    expect(displayUrl('postgres://kfm@db/kfm')).toBe('postgres://kfm@db/kfm');
  });
});
