/** cosmjs Registry: the SDK's (registry module) plus the x/inference messages the sidecar signs. */
import type { GeneratedType, Registry } from '@cosmjs/proto-signing';
import {
  MsgRegisterExecutor,
  MsgRegisterExecutorResponse,
  MsgRejectJob,
  MsgRejectJobResponse,
  MsgSubmitResult,
  MsgSubmitResultResponse,
  MsgUpdateExecutor,
  MsgUpdateExecutorResponse,
  createInferchainRegistry,
} from '@inferchain/sdk';

export const inferenceTypeUrls = {
  MsgRegisterExecutor: '/inferchain.inference.v1.MsgRegisterExecutor',
  MsgUpdateExecutor: '/inferchain.inference.v1.MsgUpdateExecutor',
  MsgSubmitResult: '/inferchain.inference.v1.MsgSubmitResult',
  MsgRejectJob: '/inferchain.inference.v1.MsgRejectJob',
} as const;

// Same widening as the SDK's registry-types.ts: identical codecs at run time, nominally distinct BinaryWriter types.
const g = (codec: { encode: unknown; decode: unknown; fromPartial: unknown }): GeneratedType => codec as GeneratedType;

export function createSidecarRegistry(): Registry {
  const r = createInferchainRegistry();
  const types: [string, GeneratedType][] = [
    [inferenceTypeUrls.MsgRegisterExecutor, g(MsgRegisterExecutor)],
    ['/inferchain.inference.v1.MsgRegisterExecutorResponse', g(MsgRegisterExecutorResponse)],
    [inferenceTypeUrls.MsgUpdateExecutor, g(MsgUpdateExecutor)],
    ['/inferchain.inference.v1.MsgUpdateExecutorResponse', g(MsgUpdateExecutorResponse)],
    [inferenceTypeUrls.MsgSubmitResult, g(MsgSubmitResult)],
    ['/inferchain.inference.v1.MsgSubmitResultResponse', g(MsgSubmitResultResponse)],
    [inferenceTypeUrls.MsgRejectJob, g(MsgRejectJob)],
    ['/inferchain.inference.v1.MsgRejectJobResponse', g(MsgRejectJobResponse)],
  ];
  // Tolerate an SDK that already registers them.
  for (const [url, t] of types) if (!r.lookupType(url)) r.register(url, t);
  return r;
}
