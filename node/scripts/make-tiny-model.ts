/**
 * Writes the tiny seeded-random test model (default <repo>/.data/models/tiny).
 * Usage: npx tsx node/scripts/make-tiny-model.ts [--out DIR] [--seed N] [--q4 | --weights f32|q4|q8]
 */
import { parseArgs } from 'node:util';
import { makeTinyModel } from '../src/models/tiny.js';
import { WEIGHT_VARIANTS, type WeightVariant } from '../src/engine/model-config.js';
import { TINY_DIR } from './paths.js';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string' }, q4: { type: 'boolean' }, weights: { type: 'string' } } });
if (values.weights !== undefined && !(WEIGHT_VARIANTS as readonly string[]).includes(values.weights)) throw new Error(`--weights must be one of ${WEIGHT_VARIANTS.join(', ')}`);
const out = values.out ?? TINY_DIR;
await makeTinyModel(out, { seed: values.seed ? Number(values.seed) : undefined, q4: values.q4, weights: values.weights as WeightVariant | undefined });
console.log(`tiny model written to ${out}`);
