/** Config section `engine`: how models are run (parsed here, composed by config/config.ts; see config/CONFIG.md). */
import { integer, section } from '../util/config-section.js';
import type { ExecutionProvider } from './session.js';

export interface EngineConfig {
  executionProviders: ExecutionProvider[];
  /** Intra-op threads; 0 = onnxruntime default (one per core). */
  threads: number;
  /** k of the per-step top-k records behind the commitment. */
  topKCommit: number;
  /** Jobs generated at once, sharing batched decode steps (engine/batch.ts); 1 = one job at a time. */
  maxConcurrentJobs: number;
}

export const ENGINE_DEFAULTS = { executionProviders: ['cuda', 'cpu'] as ExecutionProvider[], threads: 0, topKCommit: 8, maxConcurrentJobs: 4 };

export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];

export function parseEngineConfig(raw: unknown, problems: string[]): EngineConfig {
  const e = section(raw, 'engine', problems);
  let eps = (e.executionProviders ?? ENGINE_DEFAULTS.executionProviders) as unknown;
  if (!Array.isArray(eps) || eps.length === 0 || !eps.every((p) => EXECUTION_PROVIDERS.includes(p as ExecutionProvider))) {
    problems.push(`engine.executionProviders: must be a non-empty list of ${EXECUTION_PROVIDERS.join(', ')}; got ${JSON.stringify(eps)}`);
    eps = ENGINE_DEFAULTS.executionProviders;
  }
  return {
    executionProviders: [...(eps as ExecutionProvider[])],
    threads: integer(e, 'threads', 'engine.threads', ENGINE_DEFAULTS.threads, 0, 1024, problems),
    topKCommit: integer(e, 'topKCommit', 'engine.topKCommit', ENGINE_DEFAULTS.topKCommit, 1, 1024, problems),
    maxConcurrentJobs: integer(e, 'maxConcurrentJobs', 'engine.maxConcurrentJobs', ENGINE_DEFAULTS.maxConcurrentJobs, 1, 64, problems),
  };
}
