/**
 * ONNX Runtime session creation with execution providers tried in configured order.
 * ORT throws (instead of falling back) when a provider is not available in the binary or on the
 * machine, so each one is tried alone and the next is used after a clear log line; cpu always ends the list.
 */
import * as ort from 'onnxruntime-node';
import { defaultLogger, type EngineLogger } from './log.js';

export type ExecutionProvider = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';

export interface SessionConfig {
  /** Preference order, e.g. ['cuda', 'webgpu', 'cpu']. Default ['cpu']. */
  executionProviders?: readonly ExecutionProvider[];
  /** Intra-op threads (0 or absent = ORT default: one per core). */
  threads?: number;
  logger?: EngineLogger;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
}

export class SessionError extends Error {
  override name = 'SessionError';
}

export async function openSession(modelPath: string, cfg: SessionConfig = {}): Promise<OpenedSession> {
  const log = cfg.logger ?? defaultLogger();
  const wanted = [...(cfg.executionProviders ?? ['cpu'])];
  if (!wanted.includes('cpu')) wanted.push('cpu');
  if (cfg.threads !== undefined && (!Number.isInteger(cfg.threads) || cfg.threads < 0)) {
    throw new SessionError(`threads must be an integer >= 0, got ${cfg.threads}`);
  }
  const failures: string[] = [];
  for (let i = 0; i < wanted.length; i++) {
    const ep = wanted[i]!;
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [ep],
        intraOpNumThreads: cfg.threads ?? 0,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      if (i > 0) log.info({ provider: ep }, `engine: using execution provider '${ep}'`);
      return { session, provider: ep };
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      failures.push(`${ep}: ${why}`);
      const next = wanted[i + 1];
      if (next) log.warn({ provider: ep, fallback: next, error: why }, `engine: execution provider '${ep}' unavailable, falling back to '${next}'`);
    }
  }
  throw new SessionError(`could not open ${modelPath} with any execution provider: ${failures.join('; ')}`);
}
