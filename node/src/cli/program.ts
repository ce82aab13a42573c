/**
 * The `inferchain-node` command tree. Each command lives in its own module exporting `register(program)`;
 * add a command by adding a module and one entry to COMMANDS.
 */
import { Command } from 'commander';
import { register as generateCmd } from './generate.js';
import { register as importModel } from './import-model.js';
import { register as makeTiny } from './make-tiny-model.js';
import { register as startCmd } from './start.js';
import { register as keysCmd } from './keys.js';
import { register as registerExecutorCmd } from './register-executor.js';
import { register as modelsCmd } from './models.js';

const COMMANDS: ((program: Command) => void)[] = [startCmd, keysCmd, registerExecutorCmd, modelsCmd, importModel, generateCmd, makeTiny];

export function buildProgram(): Command {
  const program = new Command('inferchain-node').description('Inferchain validator sidecar').showHelpAfterError();
  for (const reg of COMMANDS) reg(program);
  return program;
}
