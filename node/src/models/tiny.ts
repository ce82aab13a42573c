/**
 * The tiny test model: llama architecture, seeded random weights, a real byte-level BPE tokenizer and
 * chat template, built by the same graph builder as imported models. Default weights are f32 with a tied
 * lm_head (like imported models); `q4: true` makes the linears 4-bit (Q4_1-style in layer 0, Q4_0-style
 * in layer 1) to cover the MatMulNBits path; `weights: 'q8'` quantizes every linear of the f32 model to 8-bit blocks
 * (`quantizeQ8`, as a q8 import of a non-Q8_0 GGUF does) and adds the 8-bit copy of the embedding as lm_head.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildLlamaOnnx } from '../engine/graph/llama.js';
import type { LinearWeight, LlamaArch, LlamaLayerWeights, LlamaWeights } from '../engine/graph/types.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, stableJson, type ModelConfig, type WeightVariant } from '../engine/model-config.js';
import { quantizeQ8 } from './gguf/dequant.js';
import { buildTokenizerJson, TokenType } from '../tokenizer/hf-json.js';
import { trainBpe } from '../tokenizer/bpe-train.js';
import { ENGINE_VERSION } from '../engine/version.js';
import { splitmix32 } from '../util/splitmix32.js';

const CORPUS = `The quick brown fox jumps over the lazy dog. The capital of France is Paris.
A small model is trained to answer questions about the world, and a validator checks every answer.
Blocks are produced by validators; each block holds transactions, and each transaction pays a fee.
Hello world! How are you today? I am fine, thank you. What is the weather like in the city?
The model reads the prompt, predicts the next token, and repeats until it reaches the end.`;

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyModelOptions {
  seed?: number;
  contextLength?: number;
  /** Same as `weights: 'q4'`. */
  q4?: boolean;
  weights?: WeightVariant;
}

export const tinyVariant = (opts: TinyModelOptions): WeightVariant => opts.weights ?? (opts.q4 ? 'q4' : 'f32');

export function tinyModelParts(opts: TinyModelOptions = {}): { arch: LlamaArch; weights: LlamaWeights; tokenizerJson: Record<string, unknown>; config: ModelConfig } {
  const seed = opts.seed ?? 1234;
  const variant = tinyVariant(opts);
  const rand = splitmix32(seed);
  const normal = (std: number): number => {
    const u = Math.max(rand(), 1e-12);
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const bpe = trainBpe(CORPUS, 160);
  const tokens = [...SPECIALS, ...bpe.tokens];
  const types = tokens.map((_, i) => (i < SPECIALS.length ? TokenType.CONTROL : TokenType.NORMAL));
  const arch: LlamaArch = {
    architecture: 'llama',
    vocabSize: tokens.length,
    hiddenSize: 64,
    intermediateSize: 128,
    numLayers: 2,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 16,
    ropeTheta: 10000,
    rmsNormEps: 1e-5,
    contextLength: opts.contextLength ?? 256,
  };
  const f32 = (out: number, inn: number): LinearWeight => ({ kind: 'f32', out, in: inn, data: Float32Array.from({ length: out * inn }, () => normal(1 / Math.sqrt(inn))) });
  const q4 = (out: number, inn: number, withMins: boolean): LinearWeight => {
    if (variant !== 'q4') return f32(out, inn);
    const nb = inn / 32;
    const packed = Uint8Array.from({ length: out * nb * 16 }, () => Math.floor(rand() * 256));
    const scales = Float32Array.from({ length: out * nb }, () => (0.5 + rand()) * (0.5 / Math.sqrt(inn)));
    if (!withMins) return { kind: 'q4', out, in: inn, packed, scales, zeroPoint: 8 };
    const mins = Float32Array.from({ length: out * nb }, (_, i) => -7.5 * scales[i]! + normal(0.02));
    return { kind: 'q4', out, in: inn, packed, scales, zeroPoint: 0, mins };
  };
  const norm = (n: number): Float32Array => Float32Array.from({ length: n }, () => 1 + normal(0.1));
  const { hiddenSize: H, intermediateSize: F, numHeads: nh, numKvHeads: nkv, headDim: hd, vocabSize: V } = arch;
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < arch.numLayers; l++) {
    const mins = l === 0;
    layers.push({
      attnNorm: norm(H),
      q: q4(nh * hd, H, mins),
      k: q4(nkv * hd, H, mins),
      v: l === 0 ? f32(nkv * hd, H) : q4(nkv * hd, H, mins),
      o: f32(H, nh * hd),
      ffnNorm: norm(H),
      gate: q4(F, H, mins),
      up: q4(F, H, mins),
      down: q4(H, F, mins),
    });
  }
  const embedding = Float32Array.from({ length: V * H }, () => normal(0.5));
  const finalNorm = norm(H);
  // q8: the same random f32 model (same draws), every linear then quantized, the head an 8-bit copy of the embedding.
  const q8 = (w: LinearWeight): LinearWeight => (w.kind === 'f32' ? quantizeQ8(w.data, w.out, w.in) : w);
  const weights: LlamaWeights =
    variant === 'q8'
      ? {
          embedding,
          layers: layers.map((L) => ({ ...L, q: q8(L.q), k: q8(L.k), v: q8(L.v), o: q8(L.o), gate: q8(L.gate), up: q8(L.up), down: q8(L.down) })),
          finalNorm,
          lmHead: quantizeQ8(embedding, V, H),
        }
      : { embedding, layers, finalNorm, lmHead: 'tied' };
  const tokenizerJson = buildTokenizerJson({ tokens, tokenTypes: types, merges: bpe.merges, pre: 'smollm' });
  const config: ModelConfig = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: variant === 'f32' ? 'tiny-llama-random' : `tiny-llama-random-${variant}`,
    arch,
    files: { model: 'model.onnx', tokenizer: 'tokenizer.json' },
    tokenizer: { bosTokenId: null, eosTokenId: 2, stopTokenIds: [], addBos: false, chatTemplate: TINY_CHAT_TEMPLATE },
    source: { kind: 'generated', seed },
    importer: { name: 'inferchain-tiny', version: ENGINE_VERSION },
    ...(variant === 'f32' ? {} : { weights: variant }),
  };
  return { arch, weights, tokenizerJson, config };
}

/** Writes the tiny model directory atomically (temp dir + rename). */
export async function makeTinyModel(outDir: string, opts: TinyModelOptions = {}): Promise<void> {
  const { arch, weights, tokenizerJson, config } = tinyModelParts(opts);
  const onnx = buildLlamaOnnx(arch, weights, { producerVersion: ENGINE_VERSION });
  await mkdir(dirname(outDir), { recursive: true });
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    await writeFile(join(tmp, 'model.onnx'), onnx);
    await writeFile(join(tmp, 'tokenizer.json'), stableJson(tokenizerJson));
    await writeFile(join(tmp, 'config.json'), stableJson(config));
    await rm(outDir, { recursive: true, force: true });
    await rename(tmp, outDir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
