/** Audit duties kept by the sidecar: a committee seat on some job's audit, and how far we got with it. */
import type { VerdictName } from '@inferchain/sdk';

export const DUTY_STATES = ['received', 'checking', 'decided', 'committing', 'committed', 'revealing', 'revealed', 'missed', 'failed'] as const;
export type DutyState = (typeof DUTY_STATES)[number];

export const DUTY_TERMINAL: ReadonlySet<DutyState> = new Set(['revealed', 'missed', 'failed']);

/**
 * Allowed transitions. Self-loops on checking/committing/revealing are retries or resumptions after a restart
 * (the check is deterministic; broadcasts re-check the chain first). decided -> committed and committed/revealing
 * -> revealed without a broadcast: the chain already shows our commit/reveal (we crashed after broadcasting).
 */
export const DUTY_TRANSITIONS: Readonly<Record<DutyState, readonly DutyState[]>> = {
  received: ['checking', 'missed', 'failed', 'revealed'],
  checking: ['checking', 'decided', 'missed', 'failed', 'revealed'],
  decided: ['committing', 'committed', 'missed', 'failed', 'revealed'],
  committing: ['committing', 'committed', 'missed', 'failed', 'revealed'],
  committed: ['revealing', 'revealed', 'missed', 'failed'],
  revealing: ['revealing', 'revealed', 'missed', 'failed'],
  revealed: [],
  missed: [],
  failed: [],
};

/** One committee seat, as decided on chain (EventAuditDecided or Query/Jobs reconciliation). */
export interface AuditDutySpec {
  jobId: string;
  model: string;
  /** The audited executor (infervaloper...). */
  executor: string;
  /** Our validator operator address: part of the commit hash. */
  verifier: string;
  /** Last block that may include our commit. */
  commitDeadline: number;
  /** Last block that may include our reveal. */
  revealDeadline: number;
  /** Block that decided the audit (0 when unknown). */
  decidedHeight: number;
}

/** What the check found (the engine's numbers, for the API and logs). */
export interface DutyCheck {
  steps: number;
  forwardMs: number;
  maxGap: number;
  minSamplingMargin?: number;
  /** 'checked': the executor's committed steps were verified; 'unavailable': its API did not serve them. */
  commitment?: string;
  maxTopkDiff?: number;
  note?: string;
  /** Where the committed steps came from, or why there were none. */
  stepsSource: string;
}

export interface DutyHistoryEntry {
  state: DutyState;
  at: string;
  note?: string;
}

export interface AuditDutyRecord extends AuditDutySpec {
  state: DutyState;
  verdict?: VerdictName;
  /** For fraud: the first failing check (sent with the reveal). */
  verdictReason?: string;
  /** 32 random bytes (hex), persisted with the verdict before the commit is sent. */
  salt?: string;
  commitHash?: string;
  check?: DutyCheck;
  commitTx?: string;
  revealTx?: string;
  checkAttempts: number;
  commitAttempts: number;
  revealAttempts: number;
  /** Why the duty ended missed/failed, or the last transient problem. */
  reason?: string;
  receivedAt: string;
  updatedAt: string;
  history: DutyHistoryEntry[];
}
