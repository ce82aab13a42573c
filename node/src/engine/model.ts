/** Loading an imported model directory and running forward passes over caller-owned KV caches (kv.ts). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { TextTokenizer } from '../tokenizer/tokenizer.js';
import { IO } from './graph/types.js';
import { KvArena } from './kv.js';
import { parseModelConfig, type ModelConfig } from './model-config.js';
import { openSession, type ExecutionProvider, type SessionConfig } from './session.js';

export interface LoadOptions extends SessionConfig {
  /** Cap on prompt + output tokens; default and maximum: the model's context length. */
  maxContext?: number;
}

/**
 * The KV cache of one sequence for `forward`: a one-slot arena each forward extends. A forward that
 * extends it consumes it (pass the returned one next); reusing an older handle is refused.
 */
export interface KvCache {
  readonly length: number;
  readonly arena: KvArena;
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
   * last `logitsToKeep` positions (default: all of `ids`). `capacity` sizes a new cache (default: just `ids`;
   * it grows when a later forward needs more).
   */
  forward(ids: readonly number[], cache?: KvCache, logitsToKeep?: number, capacity?: number): Promise<ForwardResult>;
  /** KV storage for up to `slots` sequences of `capacity` positions each (see kv.ts). */
  newArena(slots: number, capacity: number): KvArena;
  /** Starts the sequence in `slot` with `ids`; logits of the last `logitsToKeep` (default 1) positions. */
  prefill(arena: KvArena, slot: number, ids: readonly number[], logitsToKeep?: number): Promise<Float32Array>;
  /**
   * One decode step for the sequences in slots first..first+ids.length-1 (each with a cached prefix):
   * ids[j] is appended to slot first+j; returns [ids.length][vocab] logits.
   */
  decode(arena: KvArena, first: number, ids: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

/** One batch row of a graph run: `ids` at positions start, start+1, ... */
interface Row {
  ids: readonly number[];
  start: number;
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
  const missing = [...[IO.kvWriteKey, IO.kvWriteValue].filter((n) => !session.inputNames.includes(n)), ...[IO.newKey(0)].filter((n) => !session.outputNames.includes(n))];
  if (missing.length > 0) {
    await session.release();
    throw new ModelLoadError(`${dir} holds a graph from another engine version (importer ${config.importer.version}; no ${missing.join(', ')}): re-import it with this engine ('make model', 'inferchain-node import-model')`);
  }
  const ctx = config.arch.contextLength;
  const maxContext = Math.min(opts.maxContext ?? ctx, ctx);
  if (!(maxContext >= 2)) throw new ModelLoadError(`maxContext must be >= 2, got ${opts.maxContext}`);
  return new OrtModel(dir, config, tokenizer, provider, maxContext, session);
}

class OrtModel implements LoadedModel {
  readonly vocabSize: number;

  constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    readonly tokenizer: TextTokenizer,
    readonly provider: ExecutionProvider,
    readonly maxContext: number,
    private readonly session: ort.InferenceSession,
  ) {
    this.vocabSize = config.arch.vocabSize;
  }

  newArena(slots: number, capacity: number): KvArena {
    return new KvArena(this.config.arch, slots, capacity);
  }

  async forward(ids: readonly number[], cache?: KvCache, logitsToKeep?: number, capacity?: number): Promise<ForwardResult> {
    const n = ids.length;
    const keep = logitsToKeep ?? n;
    if (n === 0) throw new RangeError('forward needs at least one token');
    if (!Number.isInteger(keep) || keep < 1 || keep > n) throw new RangeError(`logitsToKeep must be in [1, ${n}], got ${keep}`);
    const past = cache?.length ?? 0;
    let arena: KvArena;
    if (cache) {
      arena = cache.arena;
      if (arena.lengths[0] !== past) throw new RangeError(`stale KvCache: it holds ${past} tokens but its arena has moved on to ${arena.lengths[0]} (pass the cache the last forward returned)`);
    } else {
      arena = this.newArena(1, Math.max(capacity ?? 0, n));
    }
    this.checkIds(ids);
    arena.ensureCapacity(past + n);
    const logits = await this.run(arena, 0, [{ ids, start: past }], keep);
    arena.lengths[0] = past + n;
    return { logits, rows: keep, cache: { length: past + n, arena } };
  }

  async prefill(arena: KvArena, slot: number, ids: readonly number[], logitsToKeep = 1): Promise<Float32Array> {
    const n = ids.length;
    if (n === 0) throw new RangeError('prefill needs at least one token');
    if (!Number.isInteger(logitsToKeep) || logitsToKeep < 1 || logitsToKeep > n) throw new RangeError(`logitsToKeep must be in [1, ${n}], got ${logitsToKeep}`);
    this.checkSlots(arena, slot, 1);
    this.checkIds(ids);
    arena.ensureCapacity(n);
    arena.lengths[slot] = 0;
    const logits = await this.run(arena, slot, [{ ids, start: 0 }], logitsToKeep);
    arena.lengths[slot] = n;
    return logits;
  }

  async decode(arena: KvArena, first: number, ids: readonly number[]): Promise<Float32Array> {
    const n = ids.length;
    if (n === 0) throw new RangeError('decode needs at least one sequence');
    this.checkSlots(arena, first, n);
    this.checkIds(ids);
    const rows: Row[] = [];
    for (let j = 0; j < n; j++) {
      const len = arena.lengths[first + j]!;
      if (len < 1) throw new RangeError(`slot ${first + j} has no cached prefix: prefill it first`);
      rows.push({ ids: [ids[j]!], start: len });
    }
    arena.ensureCapacity(Math.max(...rows.map((r) => r.start + 1)));
    const logits = await this.run(arena, first, rows, 1);
    for (let j = 0; j < n; j++) arena.lengths[first + j] = rows[j]!.start + 1;
    return logits;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** One graph run over rows of equal length on slots first..first+rows.length-1; their new K/V rows are written into the arena. */
  private async run(arena: KvArena, first: number, rows: readonly Row[], keep: number): Promise<Float32Array> {
    const b = rows.length;
    const seq = rows[0]!.ids.length;
    const { numLayers: L, numKvHeads: nkv, headDim: hd } = this.config.arch;
    const ids = new BigInt64Array(b * seq);
    const pos = new BigInt64Array(b * seq);
    // ScatterND targets, batch index relative to the view: keys [b][h][d][s] -> (b, h, d, pos); values [b][h][s] -> (b, h, pos).
    const wk = new BigInt64Array(b * nkv * hd * seq * 4);
    const wv = new BigInt64Array(b * nkv * seq * 3);
    const dims = Array.from({ length: hd }, (_, d) => BigInt(d));
    rows.forEach((r, j) => {
      if (r.ids.length !== seq) throw new Error('internal: batch rows must have equal lengths');
      const bj = BigInt(j);
      for (let s = 0; s < seq; s++) {
        const p = BigInt(r.start + s);
        ids[j * seq + s] = BigInt(r.ids[s]!);
        pos[j * seq + s] = p;
        for (let h = 0; h < nkv; h++) {
          const bh = BigInt(h);
          const v = ((j * nkv + h) * seq + s) * 3;
          wv[v] = bj;
          wv[v + 1] = bh;
          wv[v + 2] = p;
          // Element-wise writes: this runs nkv x hd times per token on every step (no array per element).
          for (let d = 0; d < hd; d++) {
            const k = (((j * nkv + h) * hd + d) * seq + s) * 4;
            wk[k] = bj;
            wk[k + 1] = bh;
            wk[k + 2] = dims[d]!;
            wk[k + 3] = p;
          }
        }
      }
    });
    const feeds: Record<string, ort.Tensor> = {
      [IO.inputIds]: new ort.Tensor('int64', ids, [b, seq]),
      [IO.positionIds]: new ort.Tensor('int64', pos, [b, seq]),
      [IO.logitsToKeep]: new ort.Tensor('int64', BigInt64Array.from([BigInt(keep)]), [1]),
      [IO.kvWriteKey]: new ort.Tensor('int64', wk, [b, nkv, hd, seq, 4]),
      [IO.kvWriteValue]: new ort.Tensor('int64', wv, [b, nkv, seq, 3]),
    };
    // The cache is only read by the graph (views, no copy); it returns the new rows, written here at their positions.
    const fetches: Record<string, null> = { [IO.logits]: null };
    for (let i = 0; i < L; i++) {
      const v = arena.view(i, first, b);
      feeds[IO.pastKey(i)] = new ort.Tensor('float32', v.key, [b, nkv, hd, arena.capacity]);
      feeds[IO.pastValue(i)] = new ort.Tensor('float32', v.value, [b, nkv, arena.capacity, hd]);
      fetches[IO.newKey(i)] = null;
      fetches[IO.newValue(i)] = null;
    }
    const out = await this.session.run(feeds, fetches);
    for (let i = 0; i < L; i++) {
      const nk = out[IO.newKey(i)]!.data as Float32Array;
      const nv = out[IO.newValue(i)]!.data as Float32Array;
      rows.forEach((r, j) => arena.writeRows(i, first + j, r.start, nk, nv, j, seq));
    }
    return out[IO.logits]!.data as Float32Array;
  }

  private checkIds(ids: readonly number[]): void {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} outside vocabulary [0, ${this.vocabSize})`);
    }
  }

  private checkSlots(arena: KvArena, first: number, n: number): void {
    if (!Number.isInteger(first) || first < 0 || first + n > arena.slots) throw new RangeError(`slots ${first}..${first + n - 1} outside the arena's ${arena.slots}`);
  }
}
