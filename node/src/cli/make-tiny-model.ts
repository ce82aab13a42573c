import type { Command } from 'commander';
import { makeTinyModel } from '../models/tiny.js';

export function register(program: Command): void {
  program
    .command('make-tiny-model')
    .description('write the tiny seeded-random llama test model')
    .requiredOption('--out <dir>', 'output model directory')
    .option('--seed <n>', 'weight seed', '1234')
    .option('--q4', 'use 4-bit (MatMulNBits) linears', false)
    .action(async (o: { out: string; seed: string; q4: boolean }) => {
      await makeTinyModel(o.out, { seed: Number(o.seed), q4: o.q4 });
      process.stdout.write(`wrote ${o.out}\n`);
    });
}
