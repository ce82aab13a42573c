/** config.json of an imported model directory: everything the runtime needs besides the two data files. */
import type { LlamaArch } from './graph/types.js';

export const MODEL_FORMAT = 'inferchain-onnx-llama';
export const MODEL_FORMAT_VERSION = 1;

/**
 * Which kernels the graph's linear layers use: 'f32' MatMul, 'q4' / 'q8' ORT MatMulNBits with 4-bit / 8-bit
 * blocks. Verifiers pick their calibrated tolerance by it (verify/tolerances.ts).
 */
export type WeightVariant = 'f32' | 'q4' | 'q8';
export const WEIGHT_VARIANTS: readonly WeightVariant[] = ['f32', 'q4', 'q8'];

export interface ModelConfig {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  name: string;
  arch: LlamaArch;
  files: { model: string; tokenizer: string };
  tokenizer: {
    bosTokenId: number | null;
    eosTokenId: number;
    stopTokenIds: number[];
    addBos: boolean;
    chatTemplate: string | null;
  };
  /** Where the weights came from (absent for generated models). */
  source: { kind: 'gguf'; fileName: string; sha256: string; tensorTypes: Record<string, number> } | { kind: 'generated'; seed: number };
  importer: { name: string; version: string };
  /**
   * The weight variant. Written for quantized models only: absent means f32, which keeps the bytes (and content
   * root) of f32 imports the same as before the field existed. Covered by the content root like the rest of the file.
   */
  weights?: Exclude<WeightVariant, 'f32'>;
}

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

export function parseModelConfig(json: unknown, where: string): ModelConfig {
  const c = json as Partial<ModelConfig> | null;
  if (!c || typeof c !== 'object') throw new ModelConfigError(`${where}: not a JSON object`);
  if (c.format !== MODEL_FORMAT) throw new ModelConfigError(`${where}: format is '${String(c.format)}', expected '${MODEL_FORMAT}' (re-import the model)`);
  if (c.formatVersion !== MODEL_FORMAT_VERSION) throw new ModelConfigError(`${where}: formatVersion ${String(c.formatVersion)} is not supported (expected ${MODEL_FORMAT_VERSION})`);
  if (!c.arch || c.arch.architecture !== 'llama') throw new ModelConfigError(`${where}: missing or unsupported arch`);
  if (!c.files?.model || !c.files.tokenizer) throw new ModelConfigError(`${where}: missing files.model / files.tokenizer`);
  if (!c.tokenizer || typeof c.tokenizer.eosTokenId !== 'number') throw new ModelConfigError(`${where}: missing tokenizer.eosTokenId`);
  if (c.weights !== undefined && (c.weights as string === 'f32' || !WEIGHT_VARIANTS.includes(c.weights))) {
    throw new ModelConfigError(`${where}: weights is ${JSON.stringify(c.weights)}; expected 'q4' or 'q8' (or absent for f32)`);
  }
  return c as ModelConfig;
}

/** The config's weight variant (absent = f32). */
export const weightVariant = (c: Pick<ModelConfig, 'weights'>): WeightVariant => c.weights ?? 'f32';

/** Stable JSON (sorted keys, 2-space indent, trailing newline) so config bytes are reproducible. */
export function stableJson(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 2) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}
