import { readFile } from 'node:fs/promises';
import { KfmError } from '../errors.js';
import { utf8Text } from '../events/utf8.js';
import type { Io } from './io.js';

export interface InputText {
  /** How to name the input in messages: the file path, or "stdin". */
  source: string;
  text: string;
}

export async function readInput(io: Io, file: string | undefined): Promise<InputText> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return { source: 'stdin', text: utf8Text('stdin', Buffer.concat(chunks)) };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KfmError('NOT_FOUND', `${file}: no such file`, { details: { file } });
    throw new KfmError('IO', `${file}: cannot read (${code ?? (error as Error).message})`, {
      details: { file },
    });
  }
  return { source: file, text: utf8Text(file, bytes) };
}
