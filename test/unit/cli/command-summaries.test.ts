import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_SUMMARIES } from '../../../src/cli/command-summaries.js';
import { buildProgram } from '../../../src/cli/program.js';

// `kfm --help` lists COMMAND_SUMMARIES without loading the commands (program.ts): each line must be
// the one commander derives from the real command, its arguments and options.

const NAMES = Object.keys(COMMAND_SUMMARIES) as (keyof typeof COMMAND_SUMMARIES)[];
const run = async () => {};

describe('COMMAND_SUMMARIES', () => {
  it.each(NAMES)('holds the help line of the real kfm %s', async (name) => {
    const program = await buildProgram(run, [name]);
    const command = program.commands.find((c) => c.name() === name)!;
    const { usage, description } = COMMAND_SUMMARIES[name];

    expect(new Help().subcommandTerm(command)).toBe(usage === '' ? name : `${name} ${usage}`);
    expect(command.description()).toBe(description);
  });
});
