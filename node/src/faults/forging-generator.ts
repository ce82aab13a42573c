/**
 * FAULT INJECTION, for the e2e tests only (config `faults.executor.forge`, off by default, never from the
 * environment): an executor that posts forged results, so a test can show that an audit catches fraud.
 *  - "wrong-tokens": generate honestly, then replace the output with random token ids of the same length (a final
 *    stop token stays, so termination holds and the per-step check is what catches it); the text is their
 *    detokenization; the commitment stays over the honest run's top-k.
 *  - "other-model": the output, steps and commitment of another model directory (`faults.executor.forgeModelDir`),
 *    loaded without any registry verification.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { EngineConfig } from '../engine/config.js';
import { stopIds } from '../engine/generate.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import { EngineGenerator } from '../jobs/engine-generator.js';
import type { JobGenerator } from '../jobs/ports.js';
import type { JobOutput, JobSpec } from '../jobs/types.js';
import type { FaultsConfig } from './config.js';

export interface ForgingOptions {
  inner: JobGenerator;
  faults: FaultsConfig['executor'];
  models: { get(contentRoot: string): LoadedModel | undefined };
  engine: EngineConfig;
  log: Logger;
  /** Replaceable for tests. */
  load?: (dir: string) => Promise<LoadedModel>;
  random?: (maxExclusive: number) => number;
}

/** Random ids of the same length; never a stop token except where the honest output ended with one; never the honest id. */
export function forgeTokenIds(honest: readonly number[], vocabSize: number, stops: ReadonlySet<number>, random: (n: number) => number = randomInt): number[] {
  return honest.map((id, i) => {
    if (i === honest.length - 1 && stops.has(id)) return id;
    for (let tries = 0; tries < 1000; tries++) {
      const r = random(vocabSize);
      if (r !== id && !stops.has(r)) return r;
    }
    return id;
  });
}

export class ForgingGenerator implements JobGenerator {
  private other: Promise<EngineGenerator> | undefined;

  constructor(private readonly o: ForgingOptions) {}

  serves(model: string): boolean {
    return this.o.inner.serves(model);
  }

  async generate(spec: JobSpec): Promise<JobOutput> {
    if (this.o.faults.forge === 'other-model') {
      const out = await (await this.otherModel()).generate({ ...spec });
      this.o.log.warn({ job: spec.id, dir: this.o.faults.forgeModelDir, tokens: out.tokenIds.length }, 'FAULT INJECTION: posting the output of another model (faults.executor.forge=other-model)');
      return out;
    }
    const honest = await this.o.inner.generate(spec);
    if (this.o.faults.forge !== 'wrong-tokens') return honest;
    const model = this.o.models.get(spec.model);
    if (!model) return honest;
    const tokenIds = forgeTokenIds(honest.tokenIds, model.vocabSize, stopIds(model), this.o.random);
    this.o.log.warn({ job: spec.id, tokens: tokenIds.length }, 'FAULT INJECTION: posting random token ids (faults.executor.forge=wrong-tokens)');
    return { ...honest, tokenIds, text: model.tokenizer.decode(tokenIds, { skipSpecial: true }) };
  }

  private otherModel(): Promise<EngineGenerator> {
    const dir = this.o.faults.forgeModelDir;
    if (!dir) return Promise.reject(new Error('faults.executor.forgeModelDir is not set'));
    this.other ??= (this.o.load ?? ((d) => loadModel(d, { executionProviders: this.o.engine.executionProviders, threads: this.o.engine.threads })))(dir).then(
      (m) => new EngineGenerator({ models: { get: () => m }, threads: this.o.engine.threads, topKCommit: this.o.engine.topKCommit }),
    );
    this.other.catch(() => (this.other = undefined));
    return this.other;
  }
}
