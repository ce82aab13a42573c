import type { GeneratedType } from "@cosmjs/proto-signing";
import {
  MsgCommitTrainingVerdict,
  MsgCommitTrainingVerdictResponse,
  MsgRequestTraining,
  MsgRequestTrainingResponse,
  MsgRevealTrainingVerdict,
  MsgRevealTrainingVerdictResponse,
  MsgSubmitTrainingResult,
  MsgSubmitTrainingResultResponse,
} from "../generated/inferchain/training/v1/tx.js";

/** Protobuf type URLs of the x/training messages (SIGN_MODE_DIRECT). */
export const trainingTypeUrls = {
  MsgRequestTraining: "/inferchain.training.v1.MsgRequestTraining",
  MsgSubmitTrainingResult: "/inferchain.training.v1.MsgSubmitTrainingResult",
  MsgCommitTrainingVerdict: "/inferchain.training.v1.MsgCommitTrainingVerdict",
  MsgRevealTrainingVerdict: "/inferchain.training.v1.MsgRevealTrainingVerdict",
} as const;

export const trainingResponseTypeUrls = {
  MsgRequestTrainingResponse: "/inferchain.training.v1.MsgRequestTrainingResponse",
  MsgSubmitTrainingResultResponse: "/inferchain.training.v1.MsgSubmitTrainingResultResponse",
  MsgCommitTrainingVerdictResponse: "/inferchain.training.v1.MsgCommitTrainingVerdictResponse",
  MsgRevealTrainingVerdictResponse: "/inferchain.training.v1.MsgRevealTrainingVerdictResponse",
} as const;

/** The typed events of x/training, by event type. */
export const trainingEventTypes = {
  EventTrainingAssigned: "inferchain.training.v1.EventTrainingAssigned",
  EventTrainingCompleted: "inferchain.training.v1.EventTrainingCompleted",
  EventTrainingRefunded: "inferchain.training.v1.EventTrainingRefunded",
  EventTrainingAuditDecided: "inferchain.training.v1.EventTrainingAuditDecided",
  EventTrainingVerdictCommitted: "inferchain.training.v1.EventTrainingVerdictCommitted",
  EventTrainingVerdictRevealed: "inferchain.training.v1.EventTrainingVerdictRevealed",
  EventTrainingAuditConcluded: "inferchain.training.v1.EventTrainingAuditConcluded",
  EventTrainingSettled: "inferchain.training.v1.EventTrainingSettled",
} as const;

const generated = (codec: { encode: unknown; decode: unknown; fromPartial: unknown }): GeneratedType => codec as GeneratedType;

export const trainingTypes: ReadonlyArray<[string, GeneratedType]> = [
  [trainingTypeUrls.MsgRequestTraining, generated(MsgRequestTraining)],
  [trainingTypeUrls.MsgSubmitTrainingResult, generated(MsgSubmitTrainingResult)],
  [trainingResponseTypeUrls.MsgRequestTrainingResponse, generated(MsgRequestTrainingResponse)],
  [trainingResponseTypeUrls.MsgSubmitTrainingResultResponse, generated(MsgSubmitTrainingResultResponse)],
  [trainingTypeUrls.MsgCommitTrainingVerdict, generated(MsgCommitTrainingVerdict)],
  [trainingTypeUrls.MsgRevealTrainingVerdict, generated(MsgRevealTrainingVerdict)],
  [trainingResponseTypeUrls.MsgCommitTrainingVerdictResponse, generated(MsgCommitTrainingVerdictResponse)],
  [trainingResponseTypeUrls.MsgRevealTrainingVerdictResponse, generated(MsgRevealTrainingVerdictResponse)],
];
