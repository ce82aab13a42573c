import type { EncodeObject, GeneratedType } from "@cosmjs/proto-signing";
import type { Event } from "@cosmjs/stargate";
import { InferchainError } from "../errors.js";
import {
  EventAuditConcluded,
  EventAuditDecided,
  EventAuditDeferred,
  EventExecutorTombstoned,
  EventJobPruned,
  EventTombstoneCleared,
  EventExecutorRegistered,
  EventExecutorUpdated,
  EventJobAssigned,
  EventJobRefunded,
  EventJobRejected,
  EventJobSettled,
  EventResultSubmitted,
  EventVerdictCommitted,
  EventVerdictRevealed,
} from "../generated/inferchain/inference/v1/events.js";
import {
  MsgClearTombstone,
  MsgClearTombstoneResponse,
  MsgCommitVerdict,
  MsgCommitVerdictResponse,
  MsgRegisterExecutor,
  MsgRegisterExecutorResponse,
  MsgRejectJob,
  MsgRejectJobResponse,
  MsgRequestInference,
  MsgRequestInferenceResponse,
  MsgRevealVerdict,
  MsgRevealVerdictResponse,
  MsgSubmitResult,
  MsgSubmitResultResponse,
  MsgUpdateExecutor,
  MsgUpdateExecutorResponse,
  MsgUpdateParams,
  MsgUpdateParamsResponse,
} from "../generated/inferchain/inference/v1/tx.js";
import {
  EventPossessionChallenge,
  EventPossessionFailed,
  EventPossessionProved,
  MsgProvePossession,
  MsgProvePossessionResponse,
} from "../generated/inferchain/inference/v1/possession.js";

/** Protobuf type URLs of the x/inference messages (SIGN_MODE_DIRECT). */
export const inferenceTypeUrls = {
  MsgRegisterExecutor: "/inferchain.inference.v1.MsgRegisterExecutor",
  MsgUpdateExecutor: "/inferchain.inference.v1.MsgUpdateExecutor",
  MsgRequestInference: "/inferchain.inference.v1.MsgRequestInference",
  MsgSubmitResult: "/inferchain.inference.v1.MsgSubmitResult",
  MsgRejectJob: "/inferchain.inference.v1.MsgRejectJob",
  MsgUpdateParams: "/inferchain.inference.v1.MsgUpdateParams",
  MsgCommitVerdict: "/inferchain.inference.v1.MsgCommitVerdict",
  MsgRevealVerdict: "/inferchain.inference.v1.MsgRevealVerdict",
  MsgClearTombstone: "/inferchain.inference.v1.MsgClearTombstone",
  MsgProvePossession: "/inferchain.inference.v1.MsgProvePossession",
} as const;

export const inferenceResponseTypeUrls = {
  MsgRegisterExecutorResponse: "/inferchain.inference.v1.MsgRegisterExecutorResponse",
  MsgUpdateExecutorResponse: "/inferchain.inference.v1.MsgUpdateExecutorResponse",
  MsgRequestInferenceResponse: "/inferchain.inference.v1.MsgRequestInferenceResponse",
  MsgSubmitResultResponse: "/inferchain.inference.v1.MsgSubmitResultResponse",
  MsgRejectJobResponse: "/inferchain.inference.v1.MsgRejectJobResponse",
  MsgUpdateParamsResponse: "/inferchain.inference.v1.MsgUpdateParamsResponse",
  MsgCommitVerdictResponse: "/inferchain.inference.v1.MsgCommitVerdictResponse",
  MsgRevealVerdictResponse: "/inferchain.inference.v1.MsgRevealVerdictResponse",
  MsgClearTombstoneResponse: "/inferchain.inference.v1.MsgClearTombstoneResponse",
  MsgProvePossessionResponse: "/inferchain.inference.v1.MsgProvePossessionResponse",
} as const;

// See registry-types.ts: the generated codecs are widened once for cosmjs's Registry.
function generated(codec: { encode: unknown; decode: unknown; fromPartial: unknown }): GeneratedType {
  return codec as GeneratedType;
}

export const inferenceTypes: ReadonlyArray<[string, GeneratedType]> = [
  [inferenceTypeUrls.MsgRegisterExecutor, generated(MsgRegisterExecutor)],
  [inferenceTypeUrls.MsgUpdateExecutor, generated(MsgUpdateExecutor)],
  [inferenceTypeUrls.MsgRequestInference, generated(MsgRequestInference)],
  [inferenceTypeUrls.MsgSubmitResult, generated(MsgSubmitResult)],
  [inferenceTypeUrls.MsgRejectJob, generated(MsgRejectJob)],
  [inferenceTypeUrls.MsgUpdateParams, generated(MsgUpdateParams)],
  [inferenceTypeUrls.MsgCommitVerdict, generated(MsgCommitVerdict)],
  [inferenceTypeUrls.MsgRevealVerdict, generated(MsgRevealVerdict)],
  [inferenceTypeUrls.MsgClearTombstone, generated(MsgClearTombstone)],
  [inferenceTypeUrls.MsgProvePossession, generated(MsgProvePossession)],
  [inferenceResponseTypeUrls.MsgRegisterExecutorResponse, generated(MsgRegisterExecutorResponse)],
  [inferenceResponseTypeUrls.MsgUpdateExecutorResponse, generated(MsgUpdateExecutorResponse)],
  [inferenceResponseTypeUrls.MsgRequestInferenceResponse, generated(MsgRequestInferenceResponse)],
  [inferenceResponseTypeUrls.MsgSubmitResultResponse, generated(MsgSubmitResultResponse)],
  [inferenceResponseTypeUrls.MsgRejectJobResponse, generated(MsgRejectJobResponse)],
  [inferenceResponseTypeUrls.MsgUpdateParamsResponse, generated(MsgUpdateParamsResponse)],
  [inferenceResponseTypeUrls.MsgCommitVerdictResponse, generated(MsgCommitVerdictResponse)],
  [inferenceResponseTypeUrls.MsgRevealVerdictResponse, generated(MsgRevealVerdictResponse)],
  [inferenceResponseTypeUrls.MsgClearTombstoneResponse, generated(MsgClearTombstoneResponse)],
  [inferenceResponseTypeUrls.MsgProvePossessionResponse, generated(MsgProvePossessionResponse)],
];

export interface MsgRegisterExecutorEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgRegisterExecutor;
  readonly value: MsgRegisterExecutor;
}
export interface MsgUpdateExecutorEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgUpdateExecutor;
  readonly value: MsgUpdateExecutor;
}
export interface MsgRequestInferenceEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgRequestInference;
  readonly value: MsgRequestInference;
}
/** The assigned executor's sidecar refuses a job no executor can run; the requester gets max_fee back. */
export interface MsgRejectJobEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgRejectJob;
  readonly value: MsgRejectJob;
}
/** An audit committee member's sidecar commits to its verdict (the hash only). */
export interface MsgCommitVerdictEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgCommitVerdict;
  readonly value: MsgCommitVerdict;
}
/** The same sidecar reveals verdict, salt and reason after the commit phase. */
export interface MsgRevealVerdictEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgRevealVerdict;
  readonly value: MsgRevealVerdict;
}

/** An executor's sidecar answers a proof-of-possession challenge (leaves + audit paths to the file roots). */
export interface MsgProvePossessionEncodeObject extends EncodeObject {
  readonly typeUrl: typeof inferenceTypeUrls.MsgProvePossession;
  readonly value: MsgProvePossession;
}

/** The typed events of x/inference, by their event type (the proto full name). */
export const inferenceEventTypes = {
  EventExecutorRegistered: "inferchain.inference.v1.EventExecutorRegistered",
  EventExecutorUpdated: "inferchain.inference.v1.EventExecutorUpdated",
  EventJobAssigned: "inferchain.inference.v1.EventJobAssigned",
  EventResultSubmitted: "inferchain.inference.v1.EventResultSubmitted",
  EventJobSettled: "inferchain.inference.v1.EventJobSettled",
  EventJobRefunded: "inferchain.inference.v1.EventJobRefunded",
  EventJobRejected: "inferchain.inference.v1.EventJobRejected",
  EventAuditDecided: "inferchain.inference.v1.EventAuditDecided",
  EventVerdictCommitted: "inferchain.inference.v1.EventVerdictCommitted",
  EventVerdictRevealed: "inferchain.inference.v1.EventVerdictRevealed",
  EventAuditConcluded: "inferchain.inference.v1.EventAuditConcluded",
  EventAuditDeferred: "inferchain.inference.v1.EventAuditDeferred",
  EventJobPruned: "inferchain.inference.v1.EventJobPruned",
  EventExecutorTombstoned: "inferchain.inference.v1.EventExecutorTombstoned",
  EventTombstoneCleared: "inferchain.inference.v1.EventTombstoneCleared",
  EventPossessionChallenge: "inferchain.inference.v1.EventPossessionChallenge",
  EventPossessionProved: "inferchain.inference.v1.EventPossessionProved",
  EventPossessionFailed: "inferchain.inference.v1.EventPossessionFailed",
} as const;

export type InferenceEvent =
  | { type: "EventExecutorRegistered"; value: EventExecutorRegistered }
  | { type: "EventExecutorUpdated"; value: EventExecutorUpdated }
  | { type: "EventJobAssigned"; value: EventJobAssigned }
  | { type: "EventResultSubmitted"; value: EventResultSubmitted }
  | { type: "EventJobSettled"; value: EventJobSettled }
  | { type: "EventJobRefunded"; value: EventJobRefunded }
  | { type: "EventJobRejected"; value: EventJobRejected }
  | { type: "EventAuditDecided"; value: EventAuditDecided }
  | { type: "EventVerdictCommitted"; value: EventVerdictCommitted }
  | { type: "EventVerdictRevealed"; value: EventVerdictRevealed }
  | { type: "EventAuditConcluded"; value: EventAuditConcluded }
  | { type: "EventAuditDeferred"; value: EventAuditDeferred }
  | { type: "EventJobPruned"; value: EventJobPruned }
  | { type: "EventExecutorTombstoned"; value: EventExecutorTombstoned }
  | { type: "EventTombstoneCleared"; value: EventTombstoneCleared }
  | { type: "EventPossessionChallenge"; value: EventPossessionChallenge }
  | { type: "EventPossessionProved"; value: EventPossessionProved }
  | { type: "EventPossessionFailed"; value: EventPossessionFailed };

const decoders: { [K in InferenceEvent["type"]]: { fromJSON(o: unknown): Extract<InferenceEvent, { type: K }>["value"] } } = {
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
  EventAuditDeferred,
  EventJobPruned,
  EventExecutorTombstoned,
  EventTombstoneCleared,
  EventPossessionChallenge,
  EventPossessionProved,
  EventPossessionFailed,
};

const byEventType = new Map(Object.entries(inferenceEventTypes).map(([name, type]) => [type, name as InferenceEvent["type"]]));

/** An x/inference typed event whose attribute does not hold what its field's type allows (names the field). */
export class EventDecodeError extends InferchainError {
  override readonly name: string = "EventDecodeError";
  constructor(eventType: string, field: string, detail: string) {
    super("invalid_argument", `${eventType}.${field}: ${detail}`, { field });
  }
}

// The SDK's own attributes on typed events (not fields of the message).
const BOOKKEEPING = new Set(["msg_index", "mode"]);

const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The generated fromJSON is lenient (a number where a list is expected becomes an empty list); an event of our
 * own chain never differs from its proto, so a value of the wrong kind is a decoding bug worth naming.
 */
function checkKinds(eventType: string, attrs: Record<string, unknown>, decoded: Record<string, unknown>): void {
  for (const [key, raw] of Object.entries(attrs)) {
    if (BOOKKEEPING.has(key) || raw === null || raw === undefined) continue;
    const v = decoded[camel(key)];
    const got = JSON.stringify(raw);
    if (Array.isArray(v) && !Array.isArray(raw)) throw new EventDecodeError(eventType, key, `expected a list, got ${got}`);
    if (typeof v === "string" && typeof raw !== "string") throw new EventDecodeError(eventType, key, `expected a string, got ${got}`);
    if (typeof v === "number" && Number.isNaN(v)) throw new EventDecodeError(eventType, key, `expected a number, got ${got}`);
    if (typeof v === "boolean" && typeof raw !== "boolean") throw new EventDecodeError(eventType, key, `expected true or false, got ${got}`);
  }
}

/**
 * Decodes one ABCI event: undefined when it is not an x/inference typed event; EventDecodeError (naming the
 * attribute) when an attribute does not decode as its field. Typed events carry one attribute per field whose
 * value is the field's proto3 JSON (e.g. job_id = "\"42\""); the SDK's extra attributes (msg_index, mode) are
 * skipped.
 */
export function decodeInferenceEvent(event: Event): InferenceEvent | undefined {
  const name = byEventType.get(event.type as (typeof inferenceEventTypes)[keyof typeof inferenceEventTypes]);
  if (!name) return undefined;
  const obj: Record<string, unknown> = {};
  for (const a of event.attributes) {
    try {
      obj[a.key] = JSON.parse(a.value);
    } catch {
      obj[a.key] = a.value;
    }
  }
  let value: unknown;
  try {
    value = decoders[name].fromJSON(obj);
  } catch (err) {
    // Name the attribute that failed (e.g. a non-integer job_id): decode each one alone.
    for (const [key, raw] of Object.entries(obj)) {
      if (BOOKKEEPING.has(key)) continue;
      try {
        decoders[name].fromJSON({ [key]: raw });
      } catch (e) {
        throw new EventDecodeError(event.type, key, `cannot decode ${JSON.stringify(raw)} (${(e as Error).message})`);
      }
    }
    throw new EventDecodeError(event.type, "?", (err as Error).message);
  }
  checkKinds(event.type, obj, value as Record<string, unknown>);
  return { type: name, value } as InferenceEvent;
}

/** Decodes the x/inference typed events among ABCI events (a tx's or a block's); other events are skipped. */
export function decodeInferenceEvents(events: readonly Event[]): InferenceEvent[] {
  const out: InferenceEvent[] = [];
  for (const e of events) {
    const decoded = decodeInferenceEvent(e);
    if (decoded) out.push(decoded);
  }
  return out;
}
