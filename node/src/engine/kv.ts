/**
 * KV storage the graph reads (graph/llama.ts): per layer one Float32Array of keys [slots, n_kv, head_dim, capacity]
 * (transposed: the score MatMul reads them as they lie) and one of values [slots, n_kv, capacity, head_dim]. A run
 * over the sequences in slots first..first+n-1 passes contiguous sub-views as its past inputs (no copy) and
 * model.ts writes the new rows the graph returns at their positions: per step, work and copies are proportional
 * to the new rows and to the positions in use, never to the capacity.
 */
import type { LlamaArch } from './graph/types.js';

export class KvArena {
  keys: Float32Array[];
  values: Float32Array[];
  /** Tokens cached per slot. */
  readonly lengths: number[];
  private cap: number;

  constructor(
    private readonly arch: LlamaArch,
    readonly slots: number,
    capacity: number,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`KV slots must be an integer >= 1, got ${slots}`);
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`KV capacity must be an integer >= 1, got ${capacity}`);
    this.cap = capacity;
    this.keys = this.alloc(capacity);
    this.values = this.alloc(capacity);
    this.lengths = new Array<number>(slots).fill(0);
  }

  /** Positions each slot can hold. */
  get capacity(): number {
    return this.cap;
  }

  /** Floats of one slot in one layer's buffer. */
  get slotFloats(): number {
    return this.arch.numKvHeads * this.cap * this.arch.headDim;
  }

  /** Makes room for `capacity` positions per slot, keeping every slot's cached rows (doubling: amortised). */
  ensureCapacity(capacity: number): void {
    if (capacity <= this.cap) return;
    const next = Math.max(capacity, this.cap * 2);
    const regrow = (old: Float32Array[], kind: 'key' | 'value'): Float32Array[] =>
      old.map((buf) => {
        const nb = new Float32Array(this.slots * this.arch.numKvHeads * next * this.arch.headDim);
        for (let s = 0; s < this.slots; s++) this.copyRows(kind, buf, this.cap, s, nb, next, s, this.lengths[s]!);
        return nb;
      });
    this.keys = regrow(this.keys, 'key');
    this.values = regrow(this.values, 'value');
    this.cap = next;
  }

  /** Moves slot `from`'s cached rows into slot `to` (compaction when a sequence leaves the batch). */
  move(from: number, to: number): void {
    if (from === to) return;
    const len = this.lengths[from]!;
    for (const buf of this.keys) this.copyRows('key', buf, this.cap, from, buf, this.cap, to, len);
    for (const buf of this.values) this.copyRows('value', buf, this.cap, from, buf, this.cap, to, len);
    this.lengths[to] = len;
    this.lengths[from] = 0;
  }

  /** The layer-`i` key/value views of slots first..first+n-1. */
  view(i: number, first: number, n: number): { key: Float32Array; value: Float32Array } {
    const f = this.slotFloats;
    return { key: this.keys[i]!.subarray(first * f, (first + n) * f), value: this.values[i]!.subarray(first * f, (first + n) * f) };
  }

  /**
   * Writes row `j` of one run's new keys/values of layer `i` (graph outputs: keys [rows][n_kv][head_dim][seq],
   * values [rows][n_kv][seq][head_dim]) into slot `slot` at positions start..start+seq-1.
   */
  writeRows(i: number, slot: number, start: number, newKeys: Float32Array, newValues: Float32Array, j: number, seq: number): void {
    const { numKvHeads: nkv, headDim: hd } = this.arch;
    const cap = this.cap;
    const keys = this.keys[i]!;
    const values = this.values[i]!;
    for (let h = 0; h < nkv; h++) {
      for (let d = 0; d < hd; d++) {
        const src = ((j * nkv + h) * hd + d) * seq;
        const dst = ((slot * nkv + h) * hd + d) * cap + start;
        for (let s = 0; s < seq; s++) keys[dst + s] = newKeys[src + s]!;
      }
      const srcV = (j * nkv + h) * seq * hd;
      values.set(newValues.subarray(srcV, srcV + seq * hd), ((slot * nkv + h) * cap + start) * hd);
    }
  }

  /**
   * Copies positions 0..len-1 of slot `fs` (buffer of capacity `fc`) into slot `ts` of `dst` (capacity `tc`).
   * Keys are [n_kv * head_dim lines][capacity], values [n_kv lines][capacity][head_dim].
   */
  private copyRows(kind: 'key' | 'value', src: Float32Array, fc: number, fs: number, dst: Float32Array, tc: number, ts: number, len: number): void {
    if (len === 0) return;
    const { numKvHeads: nkv, headDim: hd } = this.arch;
    const lines = kind === 'key' ? nkv * hd : nkv;
    const unit = kind === 'key' ? 1 : hd;
    for (let l = 0; l < lines; l++) {
      const from = (fs * lines + l) * fc * unit;
      const to = (ts * lines + l) * tc * unit;
      if (src === dst) dst.copyWithin(to, from, from + len * unit);
      else dst.set(src.subarray(from, from + len * unit), to);
    }
  }

  private alloc(capacity: number): Float32Array[] {
    const n = this.slots * this.arch.numKvHeads * capacity * this.arch.headDim;
    return Array.from({ length: this.arch.numLayers }, () => new Float32Array(n));
  }
}
