import type { GeneratedType } from "@cosmjs/proto-signing";
import { MsgRequestTraining, MsgRequestTrainingResponse, MsgSubmitTrainingResult, MsgSubmitTrainingResultResponse } from "../generated/inferchain/training/v1/tx.js";

/** Protobuf type URLs of the x/training messages (SIGN_MODE_DIRECT). */
export const trainingTypeUrls = {
  MsgRequestTraining: "/inferchain.training.v1.MsgRequestTraining",
  MsgSubmitTrainingResult: "/inferchain.training.v1.MsgSubmitTrainingResult",
} as const;

export const trainingResponseTypeUrls = {
  MsgRequestTrainingResponse: "/inferchain.training.v1.MsgRequestTrainingResponse",
  MsgSubmitTrainingResultResponse: "/inferchain.training.v1.MsgSubmitTrainingResultResponse",
} as const;

/** The typed events of x/training, by event type. */
export const trainingEventTypes = {
  EventTrainingAssigned: "inferchain.training.v1.EventTrainingAssigned",
  EventTrainingCompleted: "inferchain.training.v1.EventTrainingCompleted",
  EventTrainingRefunded: "inferchain.training.v1.EventTrainingRefunded",
} as const;

const generated = (codec: { encode: unknown; decode: unknown; fromPartial: unknown }): GeneratedType => codec as GeneratedType;

export const trainingTypes: ReadonlyArray<[string, GeneratedType]> = [
  [trainingTypeUrls.MsgRequestTraining, generated(MsgRequestTraining)],
  [trainingTypeUrls.MsgSubmitTrainingResult, generated(MsgSubmitTrainingResult)],
  [trainingResponseTypeUrls.MsgRequestTrainingResponse, generated(MsgRequestTrainingResponse)],
  [trainingResponseTypeUrls.MsgSubmitTrainingResultResponse, generated(MsgSubmitTrainingResultResponse)],
];
