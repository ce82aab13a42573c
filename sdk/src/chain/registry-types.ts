import { Registry, type EncodeObject, type GeneratedType } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import {
  MsgAttest,
  MsgAttestResponse,
  MsgRegisterDataset,
  MsgRegisterDatasetResponse,
  MsgRegisterModel,
  MsgRegisterModelResponse,
  MsgRevokeAttestation,
  MsgRevokeAttestationResponse,
  MsgUpdateModelStatus,
  MsgUpdateModelStatusResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
} from "../generated/inferchain/registry/v1/tx.js";
import { fundingTypes } from "./funding-types.js";
import { inferenceTypes } from "./inference-types.js";
import { trainingTypes } from "./training-types.js";

/** Protobuf type URLs of the registry messages (SIGN_MODE_DIRECT; no amino converters needed). */
export const registryTypeUrls = {
  MsgRegisterModel: "/inferchain.registry.v1.MsgRegisterModel",
  MsgRegisterDataset: "/inferchain.registry.v1.MsgRegisterDataset",
  MsgAttest: "/inferchain.registry.v1.MsgAttest",
  MsgRevokeAttestation: "/inferchain.registry.v1.MsgRevokeAttestation",
  MsgUpdateModelStatus: "/inferchain.registry.v1.MsgUpdateModelStatus",
  MsgUpdateParams: "/inferchain.registry.v1.MsgUpdateParams",
} as const;

export const registryResponseTypeUrls = {
  MsgRegisterModelResponse: "/inferchain.registry.v1.MsgRegisterModelResponse",
  MsgRegisterDatasetResponse: "/inferchain.registry.v1.MsgRegisterDatasetResponse",
  MsgAttestResponse: "/inferchain.registry.v1.MsgAttestResponse",
  MsgRevokeAttestationResponse: "/inferchain.registry.v1.MsgRevokeAttestationResponse",
  MsgUpdateModelStatusResponse: "/inferchain.registry.v1.MsgUpdateModelStatusResponse",
  MsgUpdateParamsResponse: "/inferchain.registry.v1.MsgUpdateParamsResponse",
} as const;

/**
 * cosmjs types @bufbuild/protobuf's BinaryWriter through its CommonJS declarations while this ESM package
 * sees the ESM ones; the classes are identical at runtime but nominally distinct to tsc (private members),
 * so the generated codecs are widened here, once. Registry only calls encode/decode/fromPartial.
 */
function generated(codec: { encode: unknown; decode: unknown; fromPartial: unknown }): GeneratedType {
  return codec as GeneratedType;
}

export const registryTypes: ReadonlyArray<[string, GeneratedType]> = [
  [registryTypeUrls.MsgRegisterModel, generated(MsgRegisterModel)],
  [registryTypeUrls.MsgRegisterDataset, generated(MsgRegisterDataset)],
  [registryTypeUrls.MsgAttest, generated(MsgAttest)],
  [registryTypeUrls.MsgRevokeAttestation, generated(MsgRevokeAttestation)],
  [registryTypeUrls.MsgUpdateModelStatus, generated(MsgUpdateModelStatus)],
  [registryTypeUrls.MsgUpdateParams, generated(MsgUpdateParams)],
  [registryResponseTypeUrls.MsgRegisterModelResponse, generated(MsgRegisterModelResponse)],
  [registryResponseTypeUrls.MsgRegisterDatasetResponse, generated(MsgRegisterDatasetResponse)],
  [registryResponseTypeUrls.MsgAttestResponse, generated(MsgAttestResponse)],
  [registryResponseTypeUrls.MsgRevokeAttestationResponse, generated(MsgRevokeAttestationResponse)],
  [registryResponseTypeUrls.MsgUpdateModelStatusResponse, generated(MsgUpdateModelStatusResponse)],
  [registryResponseTypeUrls.MsgUpdateParamsResponse, generated(MsgUpdateParamsResponse)],
];

/** A cosmjs Registry with the SDK's default types plus Inferchain's (x/registry, x/inference and x/funding). */
export function createInferchainRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...registryTypes, ...inferenceTypes, ...fundingTypes, ...trainingTypes]);
}

export interface MsgRegisterModelEncodeObject extends EncodeObject {
  readonly typeUrl: typeof registryTypeUrls.MsgRegisterModel;
  readonly value: MsgRegisterModel;
}
export interface MsgRegisterDatasetEncodeObject extends EncodeObject {
  readonly typeUrl: typeof registryTypeUrls.MsgRegisterDataset;
  readonly value: MsgRegisterDataset;
}
export interface MsgAttestEncodeObject extends EncodeObject {
  readonly typeUrl: typeof registryTypeUrls.MsgAttest;
  readonly value: MsgAttest;
}
export interface MsgRevokeAttestationEncodeObject extends EncodeObject {
  readonly typeUrl: typeof registryTypeUrls.MsgRevokeAttestation;
  readonly value: MsgRevokeAttestation;
}
export interface MsgUpdateModelStatusEncodeObject extends EncodeObject {
  readonly typeUrl: typeof registryTypeUrls.MsgUpdateModelStatus;
  readonly value: MsgUpdateModelStatus;
}
