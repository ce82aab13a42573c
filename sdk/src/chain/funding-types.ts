import type { EncodeObject, GeneratedType } from "@cosmjs/proto-signing";
import {
  MsgContribute,
  MsgContributeResponse,
  MsgCreateRound,
  MsgCreateRoundResponse,
  MsgFundPool,
  MsgFundPoolResponse,
  MsgRegisterProject,
  MsgRegisterProjectResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
} from "../generated/inferchain/funding/v1/tx.js";

/** Protobuf type URLs of the x/funding messages (SIGN_MODE_DIRECT). */
export const fundingTypeUrls = {
  MsgCreateRound: "/inferchain.funding.v1.MsgCreateRound",
  MsgFundPool: "/inferchain.funding.v1.MsgFundPool",
  MsgRegisterProject: "/inferchain.funding.v1.MsgRegisterProject",
  MsgContribute: "/inferchain.funding.v1.MsgContribute",
  MsgUpdateParams: "/inferchain.funding.v1.MsgUpdateParams",
} as const;

export const fundingResponseTypeUrls = {
  MsgCreateRoundResponse: "/inferchain.funding.v1.MsgCreateRoundResponse",
  MsgFundPoolResponse: "/inferchain.funding.v1.MsgFundPoolResponse",
  MsgRegisterProjectResponse: "/inferchain.funding.v1.MsgRegisterProjectResponse",
  MsgContributeResponse: "/inferchain.funding.v1.MsgContributeResponse",
  MsgUpdateParamsResponse: "/inferchain.funding.v1.MsgUpdateParamsResponse",
} as const;

// See registry-types.ts: the generated codecs are widened once for cosmjs's Registry.
function generated(codec: { encode: unknown; decode: unknown; fromPartial: unknown }): GeneratedType {
  return codec as GeneratedType;
}

export const fundingTypes: ReadonlyArray<[string, GeneratedType]> = [
  [fundingTypeUrls.MsgCreateRound, generated(MsgCreateRound)],
  [fundingTypeUrls.MsgFundPool, generated(MsgFundPool)],
  [fundingTypeUrls.MsgRegisterProject, generated(MsgRegisterProject)],
  [fundingTypeUrls.MsgContribute, generated(MsgContribute)],
  [fundingTypeUrls.MsgUpdateParams, generated(MsgUpdateParams)],
  [fundingResponseTypeUrls.MsgCreateRoundResponse, generated(MsgCreateRoundResponse)],
  [fundingResponseTypeUrls.MsgFundPoolResponse, generated(MsgFundPoolResponse)],
  [fundingResponseTypeUrls.MsgRegisterProjectResponse, generated(MsgRegisterProjectResponse)],
  [fundingResponseTypeUrls.MsgContributeResponse, generated(MsgContributeResponse)],
  [fundingResponseTypeUrls.MsgUpdateParamsResponse, generated(MsgUpdateParamsResponse)],
];

export interface MsgCreateRoundEncodeObject extends EncodeObject {
  readonly typeUrl: typeof fundingTypeUrls.MsgCreateRound;
  readonly value: MsgCreateRound;
}
export interface MsgFundPoolEncodeObject extends EncodeObject {
  readonly typeUrl: typeof fundingTypeUrls.MsgFundPool;
  readonly value: MsgFundPool;
}
export interface MsgRegisterProjectEncodeObject extends EncodeObject {
  readonly typeUrl: typeof fundingTypeUrls.MsgRegisterProject;
  readonly value: MsgRegisterProject;
}
export interface MsgContributeEncodeObject extends EncodeObject {
  readonly typeUrl: typeof fundingTypeUrls.MsgContribute;
  readonly value: MsgContribute;
}
