#!/usr/bin/env node
/**
 * `inferchain-node` CLI. Each command lives in its own module exporting `register(program)`;
 * add a command by adding a module and one line to COMMANDS.
 */
import { Command } from 'commander';
import { register as importModel } from './import-model.js';
import { register as generateCmd } from './generate.js';
import { register as makeTiny } from './make-tiny-model.js';
import { register as startCmd } from './start.js';
import { register as keysCmd } from './keys.js';
import { register as registerExecutorCmd } from './register-executor.js';
import { register as modelsCmd } from './models.js';

const COMMANDS: ((program: Command) => void)[] = [importModel, generateCmd, makeTiny, startCmd, keysCmd, registerExecutorCmd, modelsCmd];

export function buildProgram(): Command {
  const program = new Command('inferchain-node').description('Inferchain validator sidecar').showHelpAfterError();
  for (const reg of COMMANDS) reg(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`error: ${err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    process.exitCode = 1;
  });
