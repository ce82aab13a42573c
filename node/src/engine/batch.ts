/**
 * Concurrent generation on one model: up to `maxBatch` sequences share batched decode steps.
 *
 * A joining sequence is prefilled alone (batch of one on its own KV slot) between two steps, then takes part
 * in every following decode step, one row per sequence; it leaves at its stop token or length limit and the
 * last slot moves into its place, so the active sequences always occupy slots 0..n-1 (one contiguous view per
 * layer, see kv.ts). Each sequence samples with its own state (generate.ts `Sequence`), and attention runs
 * over each row's own length only, so a sequence's tokens and top-k logits are bit-identical whether it ran
 * alone or in a batch, and to score()'s (test: batch.test.ts).
 *
 * `gate` wraps every model run (prefill or decode step): the sidecar passes its EngineLock there, so audit
 * checks take their turn between two steps instead of after a whole job.
 */
import { Sequence, type GenerateRequest, type GenerateResult } from './generate.js';
import type { KvArena } from './kv.js';
import type { LoadedModel } from './model.js';

export interface BatchEngineOptions {
  /** Sequences decoded together at most (>= 1); more wait for a free slot. */
  maxBatch: number;
  /** Runs one model call; default: directly. */
  gate?: <T>(label: string, fn: () => Promise<T>) => Promise<T>;
  /** Called after each decode step with the batch size and its duration (benchmarks, metrics). */
  onStep?: (batch: number, ms: number) => void;
}

interface Member {
  seq: Sequence;
  next: number;
  resolve: (r: GenerateResult) => void;
  reject: (e: unknown) => void;
}

interface Waiting {
  seq: Sequence;
  resolve: (r: GenerateResult) => void;
  reject: (e: unknown) => void;
}

export class BatchEngine {
  private readonly waiting: Waiting[] = [];
  /** active[j] occupies KV slot j. */
  private readonly active: Member[] = [];
  private arena: KvArena | undefined;
  private running = false;
  private readonly gate: NonNullable<BatchEngineOptions['gate']>;

  constructor(
    readonly model: LoadedModel,
    private readonly o: BatchEngineOptions,
  ) {
    if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1) throw new RangeError(`maxBatch must be an integer >= 1, got ${o.maxBatch}`);
    this.gate = o.gate ?? ((_label, fn) => fn());
  }

  /** Sequences generating now, and those waiting for a slot. */
  get load(): { active: number; waiting: number } {
    return { active: this.active.length, waiting: this.waiting.length };
  }

  /**
   * Generates `req` in the shared batch. Request errors (bad sampling parameters, a prompt that does not fit)
   * reject before it joins; an onToken that throws fails this sequence only.
   */
  generate(req: GenerateRequest): Promise<GenerateResult> {
    let seq: Sequence;
    try {
      seq = new Sequence(this.model, req);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<GenerateResult>((resolve, reject) => {
      this.waiting.push({ seq, resolve, reject });
      if (!this.running) void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0 || this.active.length > 0) {
        // Join between steps: one prefill per free slot.
        while (this.waiting.length > 0 && this.active.length < this.o.maxBatch) await this.join(this.waiting.shift()!);
        if (this.active.length > 0) await this.step();
      }
    } finally {
      this.running = false;
      // Idle: let a long sequence's KV memory go; the next join allocates what it needs.
      this.arena = undefined;
    }
  }

  private async join(w: Waiting): Promise<void> {
    const slot = this.active.length;
    let arena: KvArena | undefined;
    let logits: Float32Array;
    try {
      arena = this.arenaFor(w.seq.positions);
      const a = arena;
      logits = await this.gate('prefill', () => this.model.prefill(a, slot, w.seq.promptIds, 1));
    } catch (e) {
      if (arena) arena.lengths[slot] = 0;
      w.reject(e);
      return;
    }
    w.seq.prefilled();
    const next = this.accept(w, logits, 0);
    if (next === undefined) arena!.lengths[slot] = 0;
    else this.active.push({ ...w, next });
  }

  private async step(): Promise<void> {
    const arena = this.arena!;
    const n = this.active.length;
    const t0 = performance.now();
    let logits: Float32Array;
    try {
      logits = await this.gate(`decode step (${n})`, () =>
        this.model.decode(
          arena,
          0,
          this.active.map((m) => m.next),
        ),
      );
    } catch (e) {
      // A failed run leaves every row's cache in doubt: fail the whole batch.
      for (const m of this.active.splice(0)) m.reject(e);
      arena.lengths.fill(0);
      return;
    }
    this.o.onStep?.(n, performance.now() - t0);
    const V = this.model.vocabSize;
    const left: number[] = [];
    this.active.forEach((m, j) => {
      const next = this.accept(m, logits, j * V);
      if (next === undefined) left.push(j);
      else m.next = next;
    });
    // Compact from the highest slot down: the last active sequence fills each hole.
    for (const j of left.reverse()) {
      const last = this.active.length - 1;
      if (last === j) arena.lengths[j] = 0;
      else arena.move(last, j);
      this.active[j] = this.active[last]!;
      this.active.pop();
    }
  }

  /** Feeds one step's logits; resolves or rejects the sequence when it ends here. */
  private accept(w: Waiting, logits: Float32Array, offset: number): number | undefined {
    let next: number | undefined;
    try {
      next = w.seq.accept(logits, offset);
    } catch (e) {
      w.reject(e);
      return undefined;
    }
    if (next === undefined) w.resolve(w.seq.result());
    return next;
  }

  private arenaFor(positions: number): KvArena {
    if (!this.arena) this.arena = this.model.newArena(this.o.maxBatch, Math.max(256, positions));
    else this.arena.ensureCapacity(positions);
    return this.arena;
  }
}
