// Public API of @inferchain/sdk.
export * from "./errors.js";
export * from "./rejection.js";
export * from "./stream-auth.js";
export * from "./sse.js";
export * from "./digest/index.js";
export * from "./artifacts/index.js";
export * from "./net/peer-http.js";
export * from "./refs.js";
export * from "./chain/abci-errors.js";
export * from "./chain/registry-types.js";
export * from "./chain/inference-types.js";
export * from "./client/pagination.js";
export * from "./client/provenance.js";
export * from "./bom/index.js";
export * from "./explorer/index.js";
export * from "./client/json.js";
export * from "./client/query-client.js";
export * from "./client/signing-client.js";
export * from "./client/inference.js";
export * from "./client/wait.js";
export * from "./client/training.js";
export * from "./chain/training-types.js";
export {
  TrainingMethod,
  TrainingStatus,
  TrainingVerdict,
  TrainingAuditOutcome,
  type HyperParams,
  type TrainingJob,
  type TrainingResult,
  type TrainingAudit,
  type TrainingVote,
} from "./generated/inferchain/training/v1/types.js";
export { QueryClientImpl as TrainingQueryClientImpl } from "./generated/inferchain/training/v1/query.js";
export { MsgSubmitTrainingResult, MsgRequestTraining, MsgCommitTrainingVerdict, MsgRevealTrainingVerdict } from "./generated/inferchain/training/v1/tx.js";
export * from "./keys/keyring.js";

// Generated chain types (messages, enums, queries) under their proto names.
export * from "./types.js";
export { PageRequest, PageResponse } from "./generated/cosmos/base/query/v1beta1/pagination.js";

// x/inference generated types. Names shared with x/registry (Params, MsgUpdateParams, the query service...)
// carry an Inference prefix.
export {
  JobStatus,
  jobStatusFromJSON,
  jobStatusToJSON,
  Verdict,
  verdictFromJSON,
  verdictToJSON,
  AuditOutcome,
  auditOutcomeFromJSON,
  auditOutcomeToJSON,
  Audit,
  VerifierVote,
  Executor,
  RuntimeProfile,
  Result,
  FeeSplit,
  Job,
  Params as InferenceParams,
} from "./generated/inferchain/inference/v1/types.js";
export {
  MsgRegisterExecutor,
  MsgRegisterExecutorResponse,
  MsgUpdateExecutor,
  MsgUpdateExecutorResponse,
  MsgRequestInference,
  MsgRequestInferenceResponse,
  MsgSubmitResult,
  MsgSubmitResultResponse,
  MsgRejectJob,
  MsgRejectJobResponse,
  MsgCommitVerdict,
  MsgCommitVerdictResponse,
  MsgRevealVerdict,
  MsgRevealVerdictResponse,
  MsgUpdateParams as InferenceMsgUpdateParams,
  MsgUpdateParamsResponse as InferenceMsgUpdateParamsResponse,
} from "./generated/inferchain/inference/v1/tx.js";
export {
  ChallengedLeaf,
  PossessionChallenge,
  LeafProof,
  MsgProvePossession,
  MsgProvePossessionResponse,
  EventPossessionChallenge,
  EventPossessionProved,
  EventPossessionFailed,
  QueryPossessionChallengesRequest,
  QueryPossessionChallengesResponse,
} from "./generated/inferchain/inference/v1/possession.js";
export {
  QueryJobRequest,
  QueryJobResponse,
  QueryJobsRequest,
  QueryJobsResponse,
  QueryExecutorRequest,
  QueryExecutorResponse,
  QueryExecutorsRequest,
  QueryExecutorsResponse,
  QueryExecutorsOfModelRequest,
  QueryExecutorsOfModelResponse,
  QueryClientImpl as InferenceQueryClientImpl,
} from "./generated/inferchain/inference/v1/query.js";
export {
  EventExecutorRegistered,
  EventExecutorUpdated,
  EventJobAssigned,
  EventResultSubmitted,
  EventJobSettled,
  EventJobRefunded,
  EventJobRejected,
  EventAuditDecided,
  EventVerdictCommitted,
  EventVerdictRevealed,
  EventAuditConcluded,
} from "./generated/inferchain/inference/v1/events.js";

// x/funding: the client helpers (QF arithmetic mirroring the chain, parsers), the message type URLs, and the
// generated types under a Funding prefix where names are shared with the other modules.
export * from "./chain/funding-types.js";
export * from "./client/funding.js";
export {
  RoundStatus,
  ProjectKind,
  Round as FundingRound,
  Project as FundingProject,
  Contribution as FundingContribution,
  MatchEstimate,
  Params as FundingParams,
} from "./generated/inferchain/funding/v1/types.js";
export {
  MsgCreateRound,
  MsgFundPool,
  MsgRegisterProject,
  MsgContribute,
  MsgUpdateParams as FundingMsgUpdateParams,
} from "./generated/inferchain/funding/v1/tx.js";
export {
  EventRoundCreated,
  EventPoolFunded,
  EventProjectRegistered,
  EventContributed,
  EventProjectPaid,
  EventRoundFinalized,
} from "./generated/inferchain/funding/v1/events.js";
export type { QueryMatchEstimatesResponse } from "./generated/inferchain/funding/v1/query.js";
// OpenAI-compatible gateway and agent wallets.
export * from "./agents/agents.js";
export * from "./gateway/ports.js";
export * from "./gateway/errors.js";
export * from "./gateway/chat-prompt.js";
export * from "./gateway/stop.js";
export { buildGateway, DEFAULT_RESULT_TIMEOUT_MS, type GatewayOptions } from "./gateway/server.js";
export { ChainBackend, type ChainBackendOptions } from "./gateway/backend.js";
export { withPeerFetchOptions, peerFetchSettings, type PeerFetchOptions } from "./cli/commands/fetch.js";
