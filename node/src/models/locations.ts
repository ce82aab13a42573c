/**
 * Well-known model locations: the tiny test models (generated on demand, gitignored under
 * <repo>/.data) and the SmolLM2 import made by `make model` in the cache.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION } from '../engine/version.js';
import { makeTinyModel, tinyVariant, type TinyModelOptions } from './tiny.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function cacheDir(): string {
  return process.env.INFERCHAIN_CACHE ?? join(homedir(), '.cache', 'inferchain');
}

export function smollm2Dir(): string {
  return join(cacheDir(), 'models', 'smollm2-135m-instruct');
}

/**
 * The SmolLM2 directory if `make model` has been run by this engine version, else undefined (an import by another
 * ENGINE_VERSION has another graph contract: `make model` re-imports it).
 */
export function findSmollm2(): string | undefined {
  const d = smollm2Dir();
  if (!existsSync(join(d, 'model.onnx'))) return undefined;
  try {
    const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')) as { importer?: { version?: string } };
    return cfg.importer?.version?.split('+')[0] === ENGINE_VERSION ? d : undefined;
  } catch {
    return undefined;
  }
}

/** Path of the tiny model, (re)generated when missing or made by another engine version. */
export async function ensureTinyModel(opts: Pick<TinyModelOptions, 'q4' | 'weights'> = {}): Promise<string> {
  const variant = tinyVariant(opts);
  const dir = join(REPO_ROOT, '.data', 'models', variant === 'f32' ? 'tiny' : `tiny-${variant}`);
  let fresh = false;
  try {
    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { importer?: { version?: string }; weights?: string };
    fresh = cfg.importer?.version === ENGINE_VERSION && (cfg.weights ?? 'f32') === variant && existsSync(join(dir, 'model.onnx'));
  } catch {
    fresh = false;
  }
  if (!fresh) await makeTinyModel(dir, { weights: variant });
  return dir;
}
