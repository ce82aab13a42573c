/**
 * Runs a chain job on the engine: the job's prompt is the user message of the model's chat template
 * (models without a template get the raw prompt), sampling per the job (temperature_milli / 1000, top_k,
 * the chain-derived seed), keeping the per-step top-k records and their commitment.
 *
 * A prompt that, chat template applied, does not fit the model's own context window cannot be run by any
 * executor: the engine's ContextOverflowError becomes an UnrunnableJobError (prompt_too_long), which the
 * processor turns into MsgRejectJob. When it only overflows this sidecar's configured cap (engine maxContext
 * below the model's context length), another executor may run it, so the error stays a local failure.
 */
import { commitmentRoot } from '../commitment/commitment.js';
import { BatchEngine, type BatchEngineOptions } from '../engine/batch.js';
import { ContextOverflowError } from '../engine/limits.js';
import type { LoadedModel } from '../engine/model.js';
import { ENGINE_VERSION } from '../engine/version.js';
import { UnrunnableJobError, type GenerateHooks, type JobGenerator } from './ports.js';
import { jobPromptInput } from './prompt.js';
import type { JobOutput, JobSpec } from './types.js';

export interface EngineGeneratorOptions {
  models: { get(contentRoot: string): LoadedModel | undefined };
  threads: number;
  topKCommit: number;
  /** Jobs decoded together per model (engine.maxConcurrentJobs); default 1. */
  maxBatch?: number;
  /** Wraps every model run (the sidecar's EngineLock: audit checks take turns with generation steps). */
  gate?: BatchEngineOptions['gate'];
}

/** Generates jobs through one BatchEngine per model: concurrent jobs share decode steps, each bit-identical to alone. */
export class EngineGenerator implements JobGenerator {
  private readonly engines = new Map<LoadedModel, BatchEngine>();

  constructor(private readonly o: EngineGeneratorOptions) {}

  serves(model: string): boolean {
    return this.o.models.get(model) !== undefined;
  }

  async generate(spec: JobSpec, hooks: GenerateHooks = {}): Promise<JobOutput> {
    const model = this.o.models.get(spec.model);
    if (!model) throw new Error(`model ${spec.model} is not loaded`);
    const input = jobPromptInput(model, spec.prompt);
    let r;
    try {
      r = await this.engineFor(model).generate({
        ...input,
        maxTokens: spec.maxTokens,
        temperature: spec.temperatureMilli / 1000,
        topK: spec.topK,
        seed: BigInt(spec.seed),
        topKCommit: this.o.topKCommit,
        ...(hooks.onToken ? { onToken: hooks.onToken } : {}),
      });
    } catch (e) {
      throw unrunnable(e, model.config.arch.contextLength, spec.maxTokens) ?? e;
    }
    const steps = r.steps.map((s) => s.topk.map((e) => ({ id: e.id, logit: e.logit })));
    return {
      promptTokenIds: r.promptTokenIds,
      tokenIds: r.tokenIds,
      text: r.text,
      finishReason: r.finishReason,
      steps,
      commitment: commitmentRoot(steps),
      runtime: {
        executionProvider: model.provider,
        threads: this.o.threads,
        prefillMs: Math.round(r.timings.prefillMs),
        decodeMs: Math.round(r.timings.decodeMs),
        promptTokens: r.timings.promptTokens,
        engine: `inferchain-node/${ENGINE_VERSION}`,
      },
    };
  }

  private engineFor(model: LoadedModel): BatchEngine {
    let e = this.engines.get(model);
    if (!e) {
      e = new BatchEngine(model, { maxBatch: this.o.maxBatch ?? 1, ...(this.o.gate ? { gate: this.o.gate } : {}) });
      this.engines.set(model, e);
    }
    return e;
  }
}

/**
 * The UnrunnableJobError for an engine error that no executor could avoid, or undefined. `modelContext` is the
 * model's own context length: an overflow of a smaller, operator-configured cap is this sidecar's limit only.
 */
export function unrunnable(e: unknown, modelContext: number, maxTokens: number): UnrunnableJobError | undefined {
  if (!(e instanceof ContextOverflowError) || e.maxContext < modelContext) return undefined;
  return new UnrunnableJobError('prompt_too_long', `prompt is ${e.promptTokens} tokens; the model's context is ${modelContext} with max_tokens ${maxTokens}`);
}
