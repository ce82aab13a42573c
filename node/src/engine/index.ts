/** Public engine API used by the sidecar (jobs) and the verifier. */
export { loadModel, ModelLoadError, type LoadedModel, type LoadOptions, type KvCache, type ForwardResult } from './model.js';
export { generate, resolvePrompt, PromptError, Sequence, type GenerateRequest, type GenerateResult, type StepRecord, type TokenEvent, type PromptInput } from './generate.js';
export { BatchEngine, type BatchEngineOptions } from './batch.js';
export { KvArena } from './kv.js';
export { score, type ScoreRequest, type ScoreResult, type StepScore } from './score.js';
export { choose, topK, checkSampling, SamplingParamsError, type SamplingParams, type TopEntry, type Choice } from './sampler.js';
export { philox4x32, seedKey, uniform, gumbel, GUMBEL_DOMAIN } from './philox.js';
export { ContextOverflowError, effectiveMaxTokens } from './limits.js';
export { openSession, SessionError, type ExecutionProvider, type SessionConfig } from './session.js';
export { MODEL_FORMAT, type ModelConfig, ModelConfigError } from './model-config.js';
export { buildLlamaOnnx } from './graph/llama.js';
export type { LlamaArch, LlamaWeights, LinearWeight } from './graph/types.js';
export { ENGINE_VERSION } from './version.js';
export type { EngineLogger } from './log.js';
