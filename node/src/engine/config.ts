import type { ExecutionProvider } from './session.js';

/** Config section `engine` (parsed in config/config.ts): how models are run. */
export interface EngineConfig {
  executionProviders: ExecutionProvider[];
  /** Intra-op threads; 0 = onnxruntime default (one per core). */
  threads: number;
  /** k of the per-step top-k records behind the commitment. */
  topKCommit: number;
}
