/**
 * GGUF (llama family) -> model directory: model.onnx, tokenizer.json, config.json.
 * Output bytes depend only on the input bytes and the importer version (reproducible content root).
 * Written to a temp dir beside the target and renamed at the end: nothing half-written survives an error.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { buildLlamaOnnx } from '../../engine/graph/llama.js';
import type { LinearWeight, LlamaArch, LlamaLayerWeights, LlamaWeights } from '../../engine/graph/types.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, stableJson, type ModelConfig } from '../../engine/model-config.js';
import { ENGINE_VERSION } from '../../engine/version.js';
import { buildTokenizerJson, UnsupportedTokenizerError } from '../../tokenizer/hf-json.js';
import { GgufFormatError, GgufUnsupportedError } from './errors.js';
import { dequantize, toLinear, type WeightMode } from './dequant.js';
import { parseGguf, tensorBytes, type GgufFile, type GgufValue } from './reader.js';
import { ggmlTypeName } from './types.js';

export type { WeightMode } from './dequant.js';
export const WEIGHT_MODES: readonly WeightMode[] = ['f32', 'q4', 'q8'];

export interface ImportOptions {
  /** Replace an existing output directory. */
  force?: boolean;
  /**
   * 'f32' (default): every weight dequantized to f32 (exact GGUF values); cached decode logits are
   * bit-identical to full-prefill logits, which keeps verification tolerances tight.
   * 'q4': Q4_0/Q4_1 tensors stay 4-bit (ORT MatMulNBits), others f32: ~2.4x smaller, but logits then depend on
   * the batch shape by ~1e-4.
   * 'q8': every linear as 8-bit blocks (MatMulNBits bits=8): Q8_0 tensors as stored, others re-quantized
   * deterministically from their f32 values.
   * A tied-embedding model also gets a quantized lm_head (a copy of the embedding table in blocks) when the mode
   * keeps the table's block type (q8: always; q4: a Q4_0/Q4_1 table): the head is the largest matrix of a small
   * model, so decode speed depends on it.
   */
  weights?: WeightMode;
  onProgress?: (msg: string) => void;
}

export interface ImportResult {
  outDir: string;
  config: ModelConfig;
  files: string[];
}

export class ImportError extends Error {
  override name = 'ImportError';
}

const SUPPORTED_ARCHS = ['llama'];

export async function importGguf(file: string, outDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const target = resolve(outDir);
  const exists = await stat(target).then(() => true, () => false);
  if (exists && !opts.force) throw new ImportError(`output ${target} already exists; pass --force to replace it`);
  const progress = opts.onProgress ?? (() => {});

  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new ImportError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const sha256 = createHash('sha256').update(buf).digest('hex');
  progress(`parsing ${basename(file)} (${(buf.length / 1e6).toFixed(1)} MB)`);
  const gguf = parseGguf(buf);
  const mode = opts.weights ?? 'f32';
  if (!WEIGHT_MODES.includes(mode)) throw new ImportError(`weights mode must be one of ${WEIGHT_MODES.join(', ')}, got '${String(mode)}'`);
  const { arch, weights, tensorTypes } = llamaFromGguf(gguf, mode);
  const tokenizerJson = tokenizerFromGguf(gguf);
  const config: ModelConfig = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: str(gguf, 'general.name', false) ?? basename(file).replace(/\.gguf$/i, ''),
    arch,
    files: { model: 'model.onnx', tokenizer: 'tokenizer.json' },
    tokenizer: tokenizerMeta(gguf),
    source: { kind: 'gguf', fileName: basename(file), sha256, tensorTypes },
    importer: { name: 'inferchain-gguf', version: `${ENGINE_VERSION}+${mode}` },
    ...(mode === 'f32' ? {} : { weights: mode }),
  };
  progress('building ONNX graph');
  const onnx = buildLlamaOnnx(arch, weights, { producerVersion: ENGINE_VERSION, meta: { 'inferchain.source_sha256': sha256 } });

  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    await writeFile(join(tmp, 'model.onnx'), onnx);
    await writeFile(join(tmp, 'tokenizer.json'), stableJson(tokenizerJson));
    await writeFile(join(tmp, 'config.json'), stableJson(config));
    if (exists) await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  progress(`wrote ${target}`);
  return { outDir: target, config, files: ['config.json', 'model.onnx', 'tokenizer.json'] };
}

function meta(g: GgufFile, key: string): GgufValue | undefined {
  return g.metadata.get(key);
}

function num(g: GgufFile, key: string, fallback?: number): number {
  const v = meta(g, key);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new GgufFormatError(`GGUF metadata '${key}' is missing`);
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new GgufFormatError(`GGUF metadata '${key}' is not a number`);
  return Number(v);
}

function str(g: GgufFile, key: string, required: true): string;
function str(g: GgufFile, key: string, required: false): string | undefined;
function str(g: GgufFile, key: string, required: boolean): string | undefined {
  const v = meta(g, key);
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') throw new GgufFormatError(`GGUF metadata '${key}' is ${v === undefined ? 'missing' : 'not a string'}`);
  return v;
}

function strArray(g: GgufFile, key: string): string[] {
  const v = meta(g, key);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new GgufFormatError(`GGUF metadata '${key}' is missing or not a string array`);
  return v as string[];
}

export function llamaFromGguf(g: GgufFile, mode: WeightMode): { arch: LlamaArch; weights: LlamaWeights; tensorTypes: Record<string, number> } {
  const a = str(g, 'general.architecture', true);
  if (!SUPPORTED_ARCHS.includes(a)) throw new GgufUnsupportedError(`architecture '${a}' is not supported (supported: ${SUPPORTED_ARCHS.join(', ')})`);
  const scaling = meta(g, `${a}.rope.scaling.type`);
  if (scaling !== undefined && scaling !== 'none') throw new GgufUnsupportedError(`RoPE scaling '${String(scaling)}' is not supported`);
  const hidden = num(g, `${a}.embedding_length`);
  const heads = num(g, `${a}.attention.head_count`);
  const headDim = hidden / heads;
  const ropeDim = num(g, `${a}.rope.dimension_count`, headDim);
  if (!Number.isInteger(headDim) || ropeDim !== headDim) throw new GgufUnsupportedError(`partial RoPE (dimension_count ${ropeDim} vs head dim ${headDim}) is not supported`);
  const tokens = strArray(g, 'tokenizer.ggml.tokens');
  const emb = g.tensors.get('token_embd.weight');
  if (!emb) throw new GgufFormatError("GGUF has no 'token_embd.weight' tensor");
  const arch: LlamaArch = {
    architecture: 'llama',
    vocabSize: emb.dims[1] ?? 0,
    hiddenSize: hidden,
    intermediateSize: num(g, `${a}.feed_forward_length`),
    numLayers: num(g, `${a}.block_count`),
    numHeads: heads,
    numKvHeads: num(g, `${a}.attention.head_count_kv`, heads),
    headDim,
    ropeTheta: num(g, `${a}.rope.freq_base`, 10000),
    rmsNormEps: num(g, `${a}.attention.layer_norm_rms_epsilon`),
    contextLength: num(g, `${a}.context_length`),
  };
  if (arch.vocabSize !== tokens.length) throw new GgufFormatError(`token_embd has ${arch.vocabSize} rows but the tokenizer has ${tokens.length} tokens`);

  const tensorTypes: Record<string, number> = {};
  const get = (name: string, dims: number[]): { type: number; bytes: Uint8Array } => {
    const t = g.tensors.get(name);
    if (!t) throw new GgufFormatError(`GGUF is missing tensor '${name}'`);
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw new GgufFormatError(`tensor '${name}' has shape [${t.dims}] but the metadata implies [${dims}]`);
    }
    const tn = ggmlTypeName(t.type);
    tensorTypes[tn] = (tensorTypes[tn] ?? 0) + 1;
    return { type: t.type, bytes: tensorBytes(g, t) };
  };
  const vec = (name: string, n: number): Float32Array => {
    const t = get(name, [n]);
    return dequantize(t.type, t.bytes, n);
  };
  const lin = (name: string, out: number, inn: number): LinearWeight => {
    const t = get(name, [inn, out]);
    return toLinear(t.type, t.bytes, out, inn, mode);
  };
  for (const name of g.tensorOrder) {
    if (name.endsWith('.bias')) throw new GgufUnsupportedError(`tensor '${name}': linear biases are not supported by the llama graph`);
  }

  const { hiddenSize: H, intermediateSize: F, vocabSize: V } = arch;
  const qd = arch.numHeads * headDim;
  const kvd = arch.numKvHeads * headDim;
  const layers: LlamaLayerWeights[] = [];
  for (let i = 0; i < arch.numLayers; i++) {
    const p = `blk.${i}`;
    layers.push({
      attnNorm: vec(`${p}.attn_norm.weight`, H),
      q: lin(`${p}.attn_q.weight`, qd, H),
      k: lin(`${p}.attn_k.weight`, kvd, H),
      v: lin(`${p}.attn_v.weight`, kvd, H),
      o: lin(`${p}.attn_output.weight`, H, qd),
      ffnNorm: vec(`${p}.ffn_norm.weight`, H),
      gate: lin(`${p}.ffn_gate.weight`, F, H),
      up: lin(`${p}.ffn_up.weight`, F, H),
      down: lin(`${p}.ffn_down.weight`, H, F),
    });
  }
  const e = get('token_embd.weight', [H, V]);
  const embedding = dequantize(e.type, e.bytes, V * H);
  // Tied embeddings (no output.weight, as in SmolLM2): an f32 graph reuses the embedding table; a quantized one gets
  // the table as a quantized head too when its mode keeps that block type (q8 always; q4 for a Q4_0/Q4_1 table,
  // not for SmolLM2's Q8_0 one).
  const tiedHead = (): LinearWeight | 'tied' => {
    if (mode === 'f32') return 'tied';
    const h = toLinear(e.type, e.bytes, V, H, mode);
    return h.kind === 'f32' ? 'tied' : h;
  };
  const lmHead = g.tensors.has('output.weight') ? lin('output.weight', V, H) : tiedHead();
  return { arch, weights: { embedding, layers, finalNorm: vec('output_norm.weight', H), lmHead }, tensorTypes };
}

export function tokenizerFromGguf(g: GgufFile): Record<string, unknown> {
  const model = str(g, 'tokenizer.ggml.model', true);
  if (model !== 'gpt2') {
    throw new UnsupportedTokenizerError(`tokenizer model '${model}' is not supported yet (only byte-level BPE 'gpt2' tokenizers, e.g. SmolLM2, Llama 3)`);
  }
  const tokens = strArray(g, 'tokenizer.ggml.tokens');
  const typesRaw = meta(g, 'tokenizer.ggml.token_type');
  const tokenTypes = Array.isArray(typesRaw) ? typesRaw.map((x) => Number(x)) : undefined;
  return buildTokenizerJson({ tokens, tokenTypes, merges: strArray(g, 'tokenizer.ggml.merges'), pre: str(g, 'tokenizer.ggml.pre', false) });
}

export function tokenizerMeta(g: GgufFile): ModelConfig['tokenizer'] {
  const opt = (k: string): number | null => (meta(g, k) === undefined ? null : num(g, k));
  const eos = opt('tokenizer.ggml.eos_token_id');
  if (eos === null) throw new GgufFormatError("GGUF metadata 'tokenizer.ggml.eos_token_id' is missing");
  const eot = opt('tokenizer.ggml.eot_token_id');
  const addBos = meta(g, 'tokenizer.ggml.add_bos_token');
  return {
    bosTokenId: opt('tokenizer.ggml.bos_token_id'),
    eosTokenId: eos,
    stopTokenIds: eot !== null && eot !== eos ? [eot] : [],
    addBos: addBos === true,
    chatTemplate: str(g, 'tokenizer.chat_template', false) ?? null,
  };
}
