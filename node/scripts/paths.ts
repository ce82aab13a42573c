/** Shared locations for model scripts and tests. */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = process.env.INFERCHAIN_CACHE ?? join(homedir(), '.cache', 'inferchain');
export const SMOLLM2_DIR = join(CACHE_DIR, 'models', 'smollm2-135m-instruct');
export const TINY_DIR = join(REPO_ROOT, '.data', 'models', 'tiny');
/** `MODEL_WEIGHTS=q4|q8 make model`: the quantized imports of the same GGUF, beside the f32 one. */
export const smollm2VariantDir = (weights: 'f32' | 'q4' | 'q8'): string => (weights === 'f32' ? SMOLLM2_DIR : `${SMOLLM2_DIR}-${weights}`);
