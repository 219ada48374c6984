import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUiAssets, uiReply } from '../../../src/serve/handlers/ui.js';
import { useTempDirs } from '../../support/temp-dirs.js';

const dir = useTempDirs('ui-assets');

describe('loadUiAssets', () => {
  it('maps /ui/ to index.html and /ui/<path> to each page file, leaving out other kinds of file', () => {
    const root = dir();
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'assets', 'index-x.js'), 'x()');
    writeFileSync(join(root, 'assets', 'index-x.css'), 'a{}');
    writeFileSync(join(root, 'assets', 'icon.svg'), '<svg/>');
    writeFileSync(join(root, 'assets', 'notes.txt'), 'not served');
    const assets = loadUiAssets(root);
    expect(
      Object.fromEntries([...assets].map(([path, a]) => [path, [a.contentType, a.body.toString()]])),
    ).toEqual({
      '/ui/': ['text/html; charset=utf-8', '<!doctype html>'],
      '/ui/assets/index-x.js': ['text/javascript; charset=utf-8', 'x()'],
      '/ui/assets/index-x.css': ['text/css; charset=utf-8', 'a{}'],
      '/ui/assets/icon.svg': ['image/svg+xml', '<svg/>'],
    });
  });
});

describe('uiReply', () => {
  it('redirects /ui to /ui/ and leaves every API path to the router', () => {
    expect(uiReply('/ui')).toMatchObject({ kind: 'json', status: 308, headers: { Location: '/ui/' } });
    for (const path of ['/datasets', '/uix', '/ui-x/', '/lineage/ks_x', undefined])
      expect(uiReply(path)).toBeUndefined();
  });
});
