/**
 * Autoregressive generation: one prefill over the prompt, then one-token decode steps reusing the KV cache.
 * Every step records the top-k (id, logit) that the executor commits to for verifiers.
 */
import type { ChatMessage } from '../tokenizer/tokenizer.js';
import { effectiveMaxTokens } from './limits.js';
import type { LoadedModel } from './model.js';
import { checkSampling, choose, topK, type TopEntry } from './sampler.js';

export interface PromptInput {
  /** Raw text, tokenized as is (BOS added when the model asks for it). */
  prompt?: string;
  /** Chat messages, rendered with the model's chat template (generation prompt appended). */
  messages?: readonly ChatMessage[];
  /** Pre-tokenized prompt (used verbatim). */
  promptTokenIds?: readonly number[];
}

export interface TokenEvent {
  step: number;
  id: number;
  /** Newly completed text (may be empty while a multi-byte character is incomplete). */
  text: string;
}

export interface GenerateRequest extends PromptInput {
  maxTokens: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  /** Sampling candidate set; 0 (default) = whole vocabulary. */
  topK?: number;
  /** uint64 seed; required when temperature > 0. */
  seed?: bigint | string | number;
  /** k of the per-step top-k record (default 8). */
  topKCommit?: number;
  onToken?: (ev: TokenEvent) => void;
}

export interface StepRecord {
  topk: TopEntry[];
}

export interface GenerateResult {
  promptTokenIds: number[];
  /** Output tokens, including the final stop token when finishReason is 'eos'. */
  tokenIds: number[];
  /** Output text without special tokens. */
  text: string;
  finishReason: 'eos' | 'length';
  steps: StepRecord[];
  timings: { prefillMs: number; decodeMs: number; promptTokens: number; outputTokens: number };
}

export class PromptError extends Error {
  override name = 'PromptError';
}

export function resolvePrompt(model: LoadedModel, p: PromptInput): number[] {
  const given = [p.prompt !== undefined, p.messages !== undefined, p.promptTokenIds !== undefined].filter(Boolean).length;
  if (given !== 1) throw new PromptError('give exactly one of prompt, messages or promptTokenIds');
  if (p.promptTokenIds) return [...p.promptTokenIds];
  if (p.messages) {
    // The template writes BOS itself where the model wants one.
    return model.tokenizer.encode(model.tokenizer.applyChatTemplate(p.messages), { addBos: false });
  }
  return model.tokenizer.encode(p.prompt!);
}

export function stopIds(model: LoadedModel): Set<number> {
  return new Set([model.config.tokenizer.eosTokenId, ...model.config.tokenizer.stopTokenIds]);
}

/**
 * One sequence's generation state, fed logits by whoever runs the model (generate() alone, or BatchEngine
 * in a shared batch): per step it records the top-k, chooses the token with the job's own sampler state
 * (the step index is the sequence's own) and streams it. What it produces depends only on the logits.
 */
export class Sequence {
  readonly promptIds: number[];
  /** Output tokens allowed (min of maxTokens and the context room). */
  readonly limit: number;
  private readonly sampling: { temperature: number; topK: number; seed: GenerateRequest['seed'] };
  private readonly commitK: number;
  private readonly stops: Set<number>;
  private readonly out: number[] = [];
  private readonly steps: StepRecord[] = [];
  private emitted = '';
  private finishReason: GenerateResult['finishReason'] = 'length';
  private readonly t0 = performance.now();
  private t1 = 0;
  private t2 = 0;

  constructor(
    private readonly model: LoadedModel,
    private readonly req: GenerateRequest,
  ) {
    this.sampling = { temperature: req.temperature ?? 0, topK: req.topK ?? 0, seed: req.seed };
    checkSampling(this.sampling);
    this.commitK = req.topKCommit ?? 8;
    if (!Number.isInteger(this.commitK) || this.commitK < 1) throw new RangeError(`topKCommit must be an integer >= 1, got ${this.commitK}`);
    this.promptIds = resolvePrompt(model, req);
    this.limit = effectiveMaxTokens(this.promptIds.length, req.maxTokens, model.maxContext);
    this.stops = stopIds(model);
  }

  /** KV positions this sequence can need: prompt + every output token but the last. */
  get positions(): number {
    return this.promptIds.length + this.limit;
  }

  /** Marks the end of the prefill (timings). */
  prefilled(): void {
    this.t1 = performance.now();
  }

  /**
   * Takes the logits of the next step (row at `offset`); returns the token to feed next, or undefined when
   * the sequence has finished (stop token or length limit). Throws what onToken throws.
   */
  accept(logits: Float32Array, offset: number): number | undefined {
    const V = this.model.vocabSize;
    const step = this.out.length;
    this.steps.push({ topk: topK(logits, this.commitK, offset, V) });
    const { id } = choose(logits, this.sampling, step, offset, V);
    this.out.push(id);
    if (this.req.onToken) {
      const full = this.model.tokenizer.decode(this.out, { skipSpecial: true });
      // Hold back a trailing replacement char: the next token may complete the UTF-8 sequence.
      const stable = full.endsWith('\uFFFD') ? full.slice(0, -1) : full;
      const delta = stable.startsWith(this.emitted) ? stable.slice(this.emitted.length) : '';
      if (delta) this.emitted = stable;
      this.req.onToken({ step, id, text: delta });
    }
    if (this.stops.has(id)) {
      this.finishReason = 'eos';
      return this.finish();
    }
    if (this.out.length >= this.limit) return this.finish();
    return id;
  }

  result(): GenerateResult {
    return {
      promptTokenIds: this.promptIds,
      tokenIds: this.out,
      text: this.model.tokenizer.decode(this.out, { skipSpecial: true }),
      finishReason: this.finishReason,
      steps: this.steps,
      timings: { prefillMs: this.t1 - this.t0, decodeMs: this.t2 - this.t1, promptTokens: this.promptIds.length, outputTokens: this.out.length },
    };
  }

  private finish(): undefined {
    this.t2 = performance.now();
    return undefined;
  }
}

/** Generates one sequence alone (a batch of one; BatchEngine runs several in shared decode steps). */
export async function generate(model: LoadedModel, req: GenerateRequest): Promise<GenerateResult> {
  const seq = new Sequence(model, req);
  const arena = model.newArena(1, seq.positions);
  let logits = await model.prefill(arena, 0, seq.promptIds, 1);
  seq.prefilled();
  for (let next = seq.accept(logits, 0); next !== undefined; next = seq.accept(logits, 0)) {
    logits = await model.decode(arena, 0, [next]);
  }
  return seq.result();
}
