// @inferchain/node public surface. Engine exports below; other areas add theirs.
export * from './engine/index.js';
export { importGguf, ImportError, type ImportOptions, type ImportResult, type WeightMode, WEIGHT_MODES } from './models/gguf/import.js';
export { GgufFormatError, GgufUnsupportedError } from './models/gguf/errors.js';
export { makeTinyModel } from './models/tiny.js';
export { splitmix32 } from './util/splitmix32.js';
export { TextTokenizer, type ChatMessage } from './tokenizer/tokenizer.js';
export { cacheDir, smollm2Dir, findSmollm2, ensureTinyModel } from './models/locations.js';
export { train, verifyInterval, checkpointRoot, defaultTrainerPython, type TrainerEvent, type TrainingParams, type TrainOutcome } from './training/index.js';
// Sidecar daemon (config, chain follower, job queue, model store, API, commitment).
export { Daemon, DaemonError, SIDECAR_VERSION } from './daemon/daemon.js';
export { loadConfig, parseConfig, ConfigError, DEFAULTS as CONFIG_DEFAULTS, ENV_OVERRIDES, ENV_PREFIX, type NodeConfig, type ServedModel } from './config/config.js';
export { commitmentRoot, stepLeaf, stepLeafBytes, verifyCommitment, CommitmentError, type StepTopK, type TopKEntry } from './commitment/commitment.js';
export { verifyModelDir, type ModelVerification, type FileDiff } from './store/verify.js';
export { JobQueue } from './jobs/queue.js';
export type { JobRecord, JobState, JobOutput, JobSpec } from './jobs/types.js';
export type { SidecarChain, DaemonDeps } from './daemon/daemon.js';
// Verifier core: judges a claimed result with one teacher-forced forward pass.
export { checkClaim, jobPromptInput, jobPromptTokenIds, CheckError, DEFAULT_CHECK_OPTIONS, type Claim, type CheckOptions, type CheckResult } from './verify/check.js';
// Artifact sharing: the sidecar's /v1/artifacts routes (serving core in @inferchain/sdk's ArtifactHoldings).
export { registerArtifactRoutes, artifactOpenApiPaths } from './api/artifacts.js';
export { loadCalibratedTable, modelWeightVariant, tolerancesFor, weightVariantOf, type ToleranceTable, type WeightVariant } from './verify/tolerances.js';
