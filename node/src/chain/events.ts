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

// ---- Audits (verifier duty, see ../verify/duty.ts) ----

export const EVENT_AUDIT_DECIDED = 'inferchain.inference.v1.EventAuditDecided';

/** EventAuditDecided: whether a result is audited and, when it is, by which committee. */
export interface AuditDecided {
  jobId: string;
  model: string;
  executor: string;
  /** The enum name without prefix, lowercase: not_selected, skipped, in_progress, ... */
  outcome: string;
  /** Validator operator addresses. */
  committee: string[];
  /** Their bound sidecar accounts, same order. */
  committeeSidecars: string[];
  commitDeadline: number;
  revealDeadline: number;
  note: string;
  height: number;
}

function strList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new EventDecodeError(`${EVENT_AUDIT_DECIDED}.${field}: expected a list of strings, got ${JSON.stringify(v)}`);
}

function auditUint(v: unknown, field: string): bigint {
  if (v === undefined) return 0n;
  if ((typeof v === 'string' && /^\d+$/.test(v)) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw new EventDecodeError(`${EVENT_AUDIT_DECIDED}.${field}: expected an unsigned integer, got ${JSON.stringify(v)}`);
}

const OUTCOMES = ['unspecified', 'not_selected', 'skipped', 'in_progress', 'honest', 'fraud'];

/** undefined for any other event type. */
export function decodeAuditDecided(ev: AbciEvent, height: number): AuditDecided | undefined {
  if (ev.type !== EVENT_AUDIT_DECIDED) return undefined;
  const a = attrs(ev);
  const rawOutcome = a.get('outcome');
  const outcome =
    typeof rawOutcome === 'number' ? (OUTCOMES[rawOutcome] ?? String(rawOutcome)) : typeof rawOutcome === 'string' ? rawOutcome.toLowerCase().replace(/^audit_outcome_/, '') : 'unspecified';
  const jobId = a.get('job_id');
  if (jobId === undefined) throw new EventDecodeError(`${EVENT_AUDIT_DECIDED}.job_id: missing`);
  const text = (k: string): string => {
    const v = a.get(k);
    if (v === undefined) return '';
    if (typeof v !== 'string') throw new EventDecodeError(`${EVENT_AUDIT_DECIDED}.${k}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  };
  return {
    jobId: auditUint(jobId, 'job_id').toString(),
    model: text('model'),
    executor: text('executor'),
    outcome,
    committee: strList(a.get('committee'), 'committee'),
    committeeSidecars: strList(a.get('committee_sidecars'), 'committee_sidecars'),
    commitDeadline: Number(auditUint(a.get('commit_deadline'), 'commit_deadline')),
    revealDeadline: Number(auditUint(a.get('reveal_deadline'), 'reveal_deadline')),
    note: text('note'),
    height,
  };
}
