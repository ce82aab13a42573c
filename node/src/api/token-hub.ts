/**
 * In-memory token streams, one per job being generated here: the processor feeds tokens through
 * GenerateHooks.onToken, the stream endpoint replays what was buffered to a late subscriber and then follows
 * live. A stream ends with the final count and commitment (or an error) and is kept a while after that so a
 * subscriber that arrives just after the end still gets the whole answer. Nothing here is durable: after a
 * restart the chain result (and GET /v1/jobs/:id) is the answer.
 */
import type { GeneratedToken, GenerateHooks } from '../jobs/ports.js';
import type { JobOutput } from '../jobs/types.js';

export interface StreamEnd {
  tokens: number;
  /** The prompt's length in tokens, chat template applied (what the model saw). */
  promptTokens: number;
  commitment: string;
  finishReason: string;
}

export type StreamEvent = { kind: 'token'; token: GeneratedToken } | { kind: 'end'; end: StreamEnd } | { kind: 'error'; message: string };

export interface TokenHubOptions {
  /** Tokens kept per job for replay; beyond it the stream is marked truncated and late joiners get an error. Default 8192. */
  maxTokensPerJob?: number;
  /** How long a finished stream stays available. Default 60 s. */
  retainMs?: number;
  /** Most streams kept (oldest finished dropped first). Default 256. */
  maxStreams?: number;
}

type Listener = (e: StreamEvent) => void;

interface Stream {
  /** False while only subscribers wait for a generation that has not started. */
  begun: boolean;
  tokens: GeneratedToken[];
  truncated: boolean;
  final?: StreamEvent;
  listeners: Set<Listener>;
  finishedAt?: number;
}

export class TokenHub {
  private readonly streams = new Map<string, Stream>();
  private readonly maxTokens: number;
  private readonly retainMs: number;
  private readonly maxStreams: number;

  constructor(o: TokenHubOptions = {}) {
    this.maxTokens = o.maxTokensPerJob ?? 8192;
    this.retainMs = o.retainMs ?? 60_000;
    this.maxStreams = o.maxStreams ?? 256;
  }

  /** Opens (or restarts: a resumed generation re-runs deterministically) the stream of a job; the hooks feed it. */
  begin(jobId: string): GenerateHooks {
    this.sweep();
    const prior = this.streams.get(jobId);
    const s: Stream = { begun: true, tokens: [], truncated: false, listeners: prior?.listeners ?? new Set() };
    this.streams.set(jobId, s);
    return {
      onToken: (token) => {
        if (s.final) return;
        if (s.tokens.length < this.maxTokens) s.tokens.push(token);
        else s.truncated = true;
        for (const l of s.listeners) l({ kind: 'token', token });
      },
    };
  }

  end(jobId: string, output: JobOutput): void {
    this.finish(jobId, { kind: 'end', end: { tokens: output.tokenIds.length, promptTokens: output.promptTokenIds.length, commitment: output.commitment, finishReason: output.finishReason } });
  }

  fail(jobId: string, message: string): void {
    this.finish(jobId, { kind: 'error', message });
  }

  /** True when the job has a started stream here. */
  has(jobId: string): boolean {
    this.sweep();
    return this.streams.get(jobId)?.begun === true;
  }

  /**
   * Replays the buffered events then follows; returns the unsubscribe function, or undefined when the job has
   * no stream here. A late joiner of a truncated stream gets an error event instead of a gap.
   */
  subscribe(jobId: string, listener: Listener, o: { waitForBegin?: boolean } = {}): (() => void) | undefined {
    this.sweep();
    let s = this.streams.get(jobId);
    if (!s && o.waitForBegin) {
      // The job is queued here but not generating yet: wait for begin(); dropped when the last waiter leaves.
      s = { begun: false, tokens: [], truncated: false, listeners: new Set() };
      this.streams.set(jobId, s);
    }
    if (!s) return undefined;
    if (s.truncated) {
      listener({ kind: 'error', message: `the stream buffer (${this.maxTokens} tokens) overflowed; read the result from the chain` });
      return () => undefined;
    }
    for (const token of s.tokens) listener({ kind: 'token', token });
    if (s.final) {
      listener(s.final);
      return () => undefined;
    }
    const stream = s;
    stream.listeners.add(listener);
    return () => {
      stream.listeners.delete(listener);
      if (!stream.begun && stream.listeners.size === 0 && this.streams.get(jobId) === stream) this.streams.delete(jobId);
    };
  }

  private finish(jobId: string, final: StreamEvent): void {
    const s = this.streams.get(jobId);
    if (!s || s.final) return;
    s.final = final;
    s.finishedAt = Date.now();
    for (const l of s.listeners) l(final);
    s.listeners.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.streams) if (s.finishedAt !== undefined && now - s.finishedAt > this.retainMs) this.streams.delete(id);
    if (this.streams.size < this.maxStreams) return;
    const finished = [...this.streams].filter(([, s]) => s.finishedAt !== undefined).sort((a, b) => a[1].finishedAt! - b[1].finishedAt!);
    for (const [id] of finished.slice(0, this.streams.size - this.maxStreams + 1)) this.streams.delete(id);
  }
}
