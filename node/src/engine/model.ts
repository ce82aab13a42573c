/** Loading an imported model directory and running forward passes with an explicit KV cache. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { TextTokenizer } from '../tokenizer/tokenizer.js';
import { IO } from './graph/types.js';
import { parseModelConfig, type ModelConfig } from './model-config.js';
import { openSession, type ExecutionProvider, type SessionConfig } from './session.js';

export interface LoadOptions extends SessionConfig {
  /** Cap on prompt + output tokens; default and maximum: the model's context length. */
  maxContext?: number;
}

/** Past keys/values after `length` tokens; immutable, each forward returns a new one. */
export interface KvCache {
  readonly length: number;
  readonly keys: readonly ort.Tensor[];
  readonly values: readonly ort.Tensor[];
}

export interface ForwardResult {
  /** [rows][vocab] row-major: logits of the last `rows` input positions. */
  logits: Float32Array;
  rows: number;
  cache: KvCache;
}

export interface LoadedModel {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly tokenizer: TextTokenizer;
  readonly provider: ExecutionProvider;
  readonly maxContext: number;
  readonly vocabSize: number;
  /**
   * Runs `ids` after the cached prefix (none = start of sequence) and returns the logits of the
   * last `logitsToKeep` positions (default: all of `ids`).
   */
  forward(ids: readonly number[], cache?: KvCache, logitsToKeep?: number): Promise<ForwardResult>;
  release(): Promise<void>;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const cfgPath = join(dir, 'config.json');
  let config: ModelConfig;
  let tokJson: Record<string, unknown>;
  try {
    config = parseModelConfig(JSON.parse(await readFile(cfgPath, 'utf8')), cfgPath);
    tokJson = JSON.parse(await readFile(join(dir, config.files.tokenizer), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelLoadError(`no model at ${dir}: ${(e as Error).message} (import one with 'inferchain-node import-model')`);
    }
    throw e;
  }
  const tokenizer = new TextTokenizer(tokJson, config.tokenizer);
  const { session, provider } = await openSession(join(dir, config.files.model), opts);
  const ctx = config.arch.contextLength;
  const maxContext = Math.min(opts.maxContext ?? ctx, ctx);
  if (!(maxContext >= 2)) throw new ModelLoadError(`maxContext must be >= 2, got ${opts.maxContext}`);
  return new OrtModel(dir, config, tokenizer, provider, maxContext, session);
}

class OrtModel implements LoadedModel {
  readonly vocabSize: number;
  private readonly empty: ort.Tensor;

  constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    readonly tokenizer: TextTokenizer,
    readonly provider: ExecutionProvider,
    readonly maxContext: number,
    private readonly session: ort.InferenceSession,
  ) {
    this.vocabSize = config.arch.vocabSize;
    this.empty = new ort.Tensor('float32', new Float32Array(0), [1, config.arch.numKvHeads, 0, config.arch.headDim]);
  }

  async forward(ids: readonly number[], cache?: KvCache, logitsToKeep?: number): Promise<ForwardResult> {
    const n = ids.length;
    const past = cache?.length ?? 0;
    const keep = logitsToKeep ?? n;
    if (n === 0) throw new RangeError('forward needs at least one token');
    if (!Number.isInteger(keep) || keep < 1 || keep > n) throw new RangeError(`logitsToKeep must be in [1, ${n}], got ${keep}`);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} outside vocabulary [0, ${this.vocabSize})`);
    }
    const feeds: Record<string, ort.Tensor> = {
      [IO.inputIds]: new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, n]),
      [IO.positionIds]: new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(past + i)), [1, n]),
      [IO.logitsToKeep]: new ort.Tensor('int64', BigInt64Array.from([BigInt(keep)]), [1]),
    };
    const L = this.config.arch.numLayers;
    for (let i = 0; i < L; i++) {
      feeds[IO.pastKey(i)] = cache?.keys[i] ?? this.empty;
      feeds[IO.pastValue(i)] = cache?.values[i] ?? this.empty;
    }
    const out = await this.session.run(feeds);
    const keys: ort.Tensor[] = [];
    const values: ort.Tensor[] = [];
    for (let i = 0; i < L; i++) {
      keys.push(out[IO.presentKey(i)]!);
      values.push(out[IO.presentValue(i)]!);
    }
    const logits = out[IO.logits]!.data as Float32Array;
    return { logits, rows: keep, cache: { length: past + n, keys, values } };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
