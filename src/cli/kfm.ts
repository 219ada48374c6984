#!/usr/bin/env node
import type { Io } from './io.js';
import { main } from './main.js';

const io: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: process.stdin,
  isTTY: Boolean(process.stderr.isTTY),
};
process.exitCode = await main(process.argv.slice(2), io);
