/**
 * Autoregressive generation: one prefill over the prompt, then one-token decode steps reusing the KV cache.
 * Every step records the top-k (id, logit) that the executor commits to for verifiers.
 */
import type { ChatMessage } from '../tokenizer/tokenizer.js';
import { effectiveMaxTokens } from './limits.js';
import type { KvCache, LoadedModel } from './model.js';
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

export async function generate(model: LoadedModel, req: GenerateRequest): Promise<GenerateResult> {
  const sampling = { temperature: req.temperature ?? 0, topK: req.topK ?? 0, seed: req.seed };
  checkSampling(sampling);
  const commitK = req.topKCommit ?? 8;
  if (!Number.isInteger(commitK) || commitK < 1) throw new RangeError(`topKCommit must be an integer >= 1, got ${commitK}`);
  const promptIds = resolvePrompt(model, req);
  const limit = effectiveMaxTokens(promptIds.length, req.maxTokens, model.maxContext);
  const stops = stopIds(model);
  const V = model.vocabSize;

  const out: number[] = [];
  const steps: StepRecord[] = [];
  let emitted = '';
  let finishReason: GenerateResult['finishReason'] = 'length';
  let cache: KvCache | undefined;
  let logits: Float32Array;
  let offset: number;

  const t0 = performance.now();
  {
    const r = await model.forward(promptIds, undefined, 1);
    cache = r.cache;
    logits = r.logits;
    offset = 0;
  }
  const t1 = performance.now();

  for (let step = 0; ; step++) {
    steps.push({ topk: topK(logits, commitK, offset, V) });
    const { id } = choose(logits, sampling, step, offset, V);
    out.push(id);
    if (req.onToken) {
      const full = model.tokenizer.decode(out, { skipSpecial: true });
      // Hold back a trailing replacement char: the next token may complete the UTF-8 sequence.
      const stable = full.endsWith('\uFFFD') ? full.slice(0, -1) : full;
      const delta = stable.startsWith(emitted) ? stable.slice(emitted.length) : '';
      if (delta) emitted = stable;
      req.onToken({ step, id, text: delta });
    }
    if (stops.has(id)) {
      finishReason = 'eos';
      break;
    }
    if (out.length >= limit) break;
    const r = await model.forward([id], cache, 1);
    cache = r.cache;
    logits = r.logits;
    offset = 0;
  }
  const t2 = performance.now();

  return {
    promptTokenIds: promptIds,
    tokenIds: out,
    text: model.tokenizer.decode(out, { skipSpecial: true }),
    finishReason,
    steps,
    timings: { prefillMs: t1 - t0, decodeMs: t2 - t1, promptTokens: promptIds.length, outputTokens: out.length },
  };
}
