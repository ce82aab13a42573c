import type { Command } from 'commander';
import { makeTinyModel } from '../models/tiny.js';
import { WEIGHT_VARIANTS, type WeightVariant } from '../engine/model-config.js';

export function register(program: Command): void {
  program
    .command('make-tiny-model')
    .description('write the tiny seeded-random llama test model')
    .requiredOption('--out <dir>', 'output model directory')
    .option('--seed <n>', 'weight seed', '1234')
    .option('--q4', 'use 4-bit (MatMulNBits) linears (same as --weights q4)', false)
    .option('--weights <variant>', `weight variant: ${WEIGHT_VARIANTS.join(', ')}`)
    .action(async (o: { out: string; seed: string; q4: boolean; weights?: string }) => {
      if (o.weights !== undefined && !(WEIGHT_VARIANTS as readonly string[]).includes(o.weights)) throw new Error(`--weights must be one of ${WEIGHT_VARIANTS.join(', ')}, got '${o.weights}'`);
      await makeTinyModel(o.out, { seed: Number(o.seed), q4: o.q4, weights: o.weights as WeightVariant | undefined });
      process.stdout.write(`wrote ${o.out}\n`);
    });
}
