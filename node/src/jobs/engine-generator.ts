/**
 * Runs a chain job on the engine: the job's prompt is the user message of the model's chat template
 * (models without a template get the raw prompt), sampling per the job (temperature_milli / 1000, top_k,
 * the chain-derived seed), keeping the per-step top-k records and their commitment.
 */
import { commitmentRoot } from '../commitment/commitment.js';
import { generate } from '../engine/generate.js';
import type { LoadedModel } from '../engine/model.js';
import { ENGINE_VERSION } from '../engine/version.js';
import type { JobGenerator } from './ports.js';
import type { JobOutput, JobSpec } from './types.js';

export interface EngineGeneratorOptions {
  models: { get(contentRoot: string): LoadedModel | undefined };
  threads: number;
  topKCommit: number;
}

export class EngineGenerator implements JobGenerator {
  constructor(private readonly o: EngineGeneratorOptions) {}

  serves(model: string): boolean {
    return this.o.models.get(model) !== undefined;
  }

  async generate(spec: JobSpec): Promise<JobOutput> {
    const model = this.o.models.get(spec.model);
    if (!model) throw new Error(`model ${spec.model} is not loaded`);
    const input = model.config.tokenizer.chatTemplate ? { messages: [{ role: 'user', content: spec.prompt }] } : { prompt: spec.prompt };
    const r = await generate(model, {
      ...input,
      maxTokens: spec.maxTokens,
      temperature: spec.temperatureMilli / 1000,
      topK: spec.topK,
      seed: BigInt(spec.seed),
      topKCommit: this.o.topKCommit,
    });
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
}
