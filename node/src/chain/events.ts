/**
 * Decoding typed events from block results. The SDK emits a typed event as type = the proto full name and
 * one attribute per field whose value is the field's proto-JSON encoding (strings quoted, 64-bit integers
 * as quoted decimals), plus bookkeeping attributes such as msg_index.
 */
export const EVENT_JOB_ASSIGNED = 'inferchain.inference.v1.EventJobAssigned';

export interface AbciEvent {
  readonly type: string;
  readonly attributes: readonly { readonly key: string; readonly value: string }[];
}

export interface JobAssignment {
  jobId: string;
  model: string;
  requester: string;
  executor: string;
  sidecar: string;
  attempt: number;
  deadlineHeight: number;
  /** Block the event was seen in. */
  height: number;
}

export class EventDecodeError extends Error {
  override name = 'EventDecodeError';
}

function attrs(ev: AbciEvent): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const { key, value } of ev.attributes) {
    let v: unknown = value;
    try {
      v = JSON.parse(value);
    } catch {
      // Not JSON (older SDKs emitted raw strings): keep the text.
    }
    out.set(key, v);
    // Accept camelCase too, in case the chain switches JSON naming.
    out.set(key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v);
  }
  return out;
}

function uint(v: unknown, field: string): bigint {
  if ((typeof v === 'string' && /^\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw new EventDecodeError(`${EVENT_JOB_ASSIGNED}.${field}: expected an unsigned integer, got ${JSON.stringify(v)}`);
}

function str(v: unknown, field: string, optional = false): string {
  if (typeof v === 'string') return v;
  if (optional && v === undefined) return '';
  throw new EventDecodeError(`${EVENT_JOB_ASSIGNED}.${field}: expected a string, got ${JSON.stringify(v)}`);
}

/** undefined for any other event type. */
export function decodeJobAssigned(ev: AbciEvent, height: number): JobAssignment | undefined {
  if (ev.type !== EVENT_JOB_ASSIGNED) return undefined;
  const a = attrs(ev);
  return {
    jobId: uint(a.get('job_id'), 'job_id').toString(),
    model: str(a.get('model'), 'model'),
    requester: str(a.get('requester'), 'requester', true),
    executor: str(a.get('executor'), 'executor'),
    sidecar: str(a.get('sidecar'), 'sidecar'),
    attempt: Number(uint(a.get('attempt') ?? 0, 'attempt')),
    deadlineHeight: Number(uint(a.get('deadline_height'), 'deadline_height')),
    height,
  };
}
