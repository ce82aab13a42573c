/**
 * Writes the tiny seeded-random test model (default <repo>/.data/models/tiny).
 * Usage: npx tsx node/scripts/make-tiny-model.ts [--out DIR] [--seed N] [--q4]
 */
import { parseArgs } from 'node:util';
import { makeTinyModel } from '../src/models/tiny.js';
import { TINY_DIR } from './paths.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string' }, q4: { type: 'boolean' } } });
const out = values.out ?? TINY_DIR;
await makeTinyModel(out, { seed: values.seed ? Number(values.seed) : undefined, q4: values.q4 });
console.log(`tiny model written to ${out}`);
