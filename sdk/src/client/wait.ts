/**
 * Waiting for an inference job. The job as queried from the chain is the only source of truth: it is read
 * once per block. Block events from a websocket subscription only wake the loop up early; websockets die
 * silently, so a fallback interval wakes it up too, and a dead socket only makes the wait a little slower.
 */
import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { fromThrown } from "../chain/abci-errors.js";
import { InferchainError, JobRefundedError, JobTimeoutError } from "../errors.js";
import { AuditOutcome, JobStatus, Verdict, type Job } from "../generated/inferchain/inference/v1/types.js";
import { formatCoin, jobStatusName, type JobStatusName } from "./inference.js";
import type { AuditFraud } from "../errors.js";

export type WaitUntil = "result" | "settled";

/** A change seen while waiting: a new status, or a (re)assignment to another executor / attempt. */
export interface JobUpdate {
  job: Job;
  status: JobStatusName;
  /** The job as last seen (undefined on the first read). */
  previous: Job | undefined;
}

export interface WaitForResultOptions {
  /** Give up after this long (default 120 s); the job is not lost, see JobTimeoutError. */
  timeoutMs?: number;
  /**
   * "settled" (default): the fee split is paid (an audited job is waited for through AUDITING until SETTLED, or
   * REFUNDED when the audit found fraud); "result": the executor's answer is on chain (audit and settlement follow).
   */
  until?: WaitUntil;
  /** Called on the first read and on every change of status, executor or attempt. */
  onStatus?: (update: JobUpdate) => void;
  /** Longest wait between two reads when no block event arrives (default 2000 ms). */
  pollIntervalMs?: number;
}

/** Wakes the wait loop at the next block, or after maxWaitMs at the latest. Never rejects. */
export interface BlockWaker {
  next(maxWaitMs: number): Promise<void>;
  close(): void;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;
export const DEFAULT_POLL_INTERVAL_MS = 2_000;

function reached(job: Job, until: WaitUntil): boolean {
  if (job.status === JobStatus.JOB_STATUS_SETTLED) return true;
  return until === "result" && (job.status === JobStatus.JOB_STATUS_RESULT_SUBMITTED || job.status === JobStatus.JOB_STATUS_AUDITING);
}

function changed(prev: Job | undefined, job: Job): boolean {
  return !prev || prev.status !== job.status || prev.executor !== job.executor || prev.attempt !== job.attempt || auditStage(prev) !== auditStage(job);
}

/** Commits and reveals seen so far: an audit making progress is a change worth reporting. */
function auditStage(job: Job): string {
  const a = job.audit;
  if (!a) return "";
  return `${a.outcome}:${a.votes.filter((v) => v.commitHash).length}:${a.votes.filter((v) => v.revealedHeight > 0n).length}`;
}

/** The fraud finding behind a REFUNDED job, when its audit concluded FRAUD. */
export function auditFraudOf(job: Job): AuditFraud | undefined {
  const a = job.audit;
  if (!a || a.outcome !== AuditOutcome.AUDIT_OUTCOME_FRAUD) return undefined;
  const fraud = a.votes.filter((v) => v.verdict === Verdict.VERDICT_FRAUD);
  const slashed = a.slashed && a.slashed.denom && /^\d+$/.test(a.slashed.amount) && BigInt(a.slashed.amount) > 0n ? formatCoin(a.slashed) : undefined;
  return { executor: job.executor, verifiers: fraud.map((v) => v.verifier), reasons: fraud.map((v) => v.reason), slashed };
}

/**
 * Errors worth another read at the next block: the node briefly unreachable, slow or answering garbage.
 * A definite answer (job not found, bad id) ends the wait at once.
 */
function transient(err: InferchainError): boolean {
  return err.code === "connection" || err.code === "timeout" || err.code === "unknown";
}

/**
 * Reads the job every block until it reaches `until`; rejects with JobRefundedError (carrying status_reason)
 * when it ends refunded and with JobTimeoutError (carrying the job id) when time runs out.
 */
export async function waitForJob(
  jobId: bigint,
  fetchJob: (id: bigint) => Promise<Job>,
  waker: BlockWaker,
  options: WaitForResultOptions = {},
): Promise<Job> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const until = options.until ?? "settled";
  const pollMs = Math.max(1, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last: Job | undefined;
  let lastError: InferchainError | undefined;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    let job: Job | undefined;
    try {
      job = await withinMs(fetchJob(jobId), remaining);
    } catch (err) {
      const mapped = fromThrown(err);
      if (!transient(mapped)) throw mapped;
      lastError = mapped;
    }
    if (job) {
      lastError = undefined;
      if (changed(last, job)) options.onStatus?.({ job, status: jobStatusName(job.status), previous: last });
      last = job;
      if (job.status === JobStatus.JOB_STATUS_REFUNDED) {
        const fraud = auditFraudOf(job);
        throw new JobRefundedError(job.id, job.statusReason, fraud ? { fraud } : {});
      }
      if (reached(job, until)) return job;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await waker.next(Math.min(pollMs, left));
  }
  throw new JobTimeoutError(jobId, Date.now() - started, last ? jobStatusName(last.status) : undefined, lastError ? { cause: lastError } : {});
}

/** Resolves or rejects like `p`, or rejects with a timeout-coded error after ms (the loop then gives up). */
function withinMs<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new InferchainError("timeout", `no answer from the node within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A waker driven by nothing but its interval (when no websocket can be had). */
export function intervalWaker(): BlockWaker {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  return {
    next: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      }),
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** The websocket URL of a CometBFT RPC endpoint: http(s)://host:26657 -> ws(s)://host:26657. */
export function websocketUrl(endpoint: string): string {
  return endpoint.replace(/^http(s?):\/\//, "ws$1://").replace(/\/+$/, "");
}

/**
 * A waker that also wakes at every NewBlockHeader from the node's websocket (the header, not the whole
 * NewBlock with its txs: prompts can be large and only the tick matters). Socket errors are swallowed:
 * the interval keeps the loop going.
 */
export function newBlockWaker(endpoint: string): BlockWaker {
  const waiters = new Set<() => void>();
  const wakeAll = (): void => {
    for (const w of [...waiters]) w();
  };
  let socket: WebsocketClient | undefined;
  let unsubscribe: (() => void) | undefined;
  try {
    socket = new WebsocketClient(websocketUrl(endpoint), () => undefined);
    const sub = Comet38Client.create(socket)
      .subscribeNewBlockHeader()
      .subscribe({ next: wakeAll, error: () => undefined, complete: () => undefined });
    unsubscribe = () => sub.unsubscribe();
  } catch {
    // no websocket: the interval alone drives the loop
  }
  return {
    next: (ms) =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.add(done);
      }),
    close: () => {
      wakeAll();
      const raw = rawSocketOf(socket);
      try {
        unsubscribe?.();
        socket?.disconnect();
      } catch {
        // already closed
      }
      stopReconnecting(socket);
      // cosmjs only detaches its handlers from a socket still connecting (it has no abort), which then opens
      // and stays open; an open one waits for the server's close frame. Neither should outlive close().
      try {
        if (raw && raw.readyState !== 3) raw.terminate?.();
      } catch {
        // already gone
      }
    },
  };
}

/**
 * cosmjs 0.39's WebsocketClient.disconnect() does not stop its ReconnectingSocket: every "Disconnected" status
 * (the one disconnect() reports, and the one the socket's close event reports later) schedules a reconnect, so
 * the socket comes back and keeps the process alive. Make reconnecting a no-op and clear each scheduled timer.
 * Harmless if the internals change (then nothing is found and nothing is done).
 */
interface RawSocket {
  readyState: number;
  terminate?: () => void;
}

interface CosmjsSocketInternals {
  socket?: {
    reconnectTimeout?: ReturnType<typeof setTimeout> | null;
    disconnected?: boolean;
    // QueueingStreamingSocket -> StreamingSocket -> SocketWrapper -> the ws WebSocket
    socket?: { reconnect?: () => void; socket?: { socket?: { socket?: RawSocket } } };
    connectionStatus?: { updates?: { subscribe?: (l: { next: () => void; error?: () => void; complete?: () => void }) => unknown } };
  };
}

function stopReconnecting(client: WebsocketClient | undefined): void {
  const inner = (client as unknown as CosmjsSocketInternals | undefined)?.socket;
  if (!inner) return;
  const clear = (): void => {
    if (inner.reconnectTimeout) clearTimeout(inner.reconnectTimeout);
    inner.reconnectTimeout = null;
  };
  if (inner.socket && typeof inner.socket.reconnect === "function") inner.socket.reconnect = () => undefined;
  inner.disconnected = true;
  clear();
  // runs after ReconnectingSocket's own listener (subscribed first), which schedules the timer
  try {
    inner.connectionStatus?.updates?.subscribe?.({ next: clear, error: () => undefined, complete: () => undefined });
  } catch {
    // not the expected shape
  }
}

function rawSocketOf(client: WebsocketClient | undefined): RawSocket | undefined {
  const raw = (client as unknown as CosmjsSocketInternals | undefined)?.socket?.socket?.socket?.socket?.socket;
  return raw && typeof raw.readyState === "number" ? raw : undefined;
}
