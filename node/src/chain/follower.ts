/**
 * Block follower. The poll loop is the source of truth: it walks every height after the persisted cursor,
 * decodes the block's x/inference typed events (SDK) and hands them to each handler (jobs/events.ts,
 * audits/setup.ts), advancing the cursor only after every handler returned. A websocket NewBlock subscription
 * merely wakes the loop early (websockets die silently, so it is reconnected and never relied on). A periodic
 * reconciliation (each handler's `reconcile`, e.g. the chain's PENDING jobs for our executor) makes sure nothing
 * is missed (downtime longer than the node's block-result retention, a decode bug...).
 */
import type { Event } from '@cosmjs/stargate';
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc';
import { decodeInferenceEvent, type InferenceEvent } from '@inferchain/sdk';
import type { Logger } from 'pino';

export interface BlockSource {
  latestHeight(): Promise<number>;
  blockEvents(height: number): Promise<Event[]>;
}

/** What a module does with the chain's events (the business rules stay in the module: jobs/, audits/). */
export interface ChainEventHandler {
  /** The decoded x/inference events of one block, in order. A throw keeps the cursor before this block. */
  onBlockEvents(events: readonly InferenceEvent[], height: number): Promise<void>;
  /** Periodic comparison with the chain's state (Query/Jobs); a throw is logged and retried next time. */
  reconcile?(): Promise<void>;
}

export interface CursorStore {
  get(): Promise<number | undefined>;
  set(height: number): Promise<void>;
}

export interface FollowerOptions {
  source: BlockSource;
  cursor: CursorStore;
  /** Called in order for every block, then (when due) for reconciliation. */
  handlers: readonly ChainEventHandler[];
  log: Logger;
  pollIntervalMs: number;
  reconcileIntervalMs: number;
  /** ws://host:port/websocket; omit to poll only. */
  websocketUrl?: string;
  /** Blocks handled per pass before yielding (keeps shutdown responsive while catching up). */
  maxBlocksPerPass?: number;
  onHeight?(height: number): void;
}

export class ChainFollower {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private ws: { client: Comet38Client; stop(): void } | undefined;
  private wsTimer: NodeJS.Timeout | undefined;
  private wsFailures = 0;
  private wsLastEvent = 0;
  private lastReconcile = 0;
  /** Last fully processed height. */
  cursor = 0;
  /** Latest chain height seen. */
  chainHeight = 0;
  lastPollOk: number | undefined;
  lastError: string | undefined;
  reconcileError: string | undefined;

  constructor(private readonly o: FollowerOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    const stored = await this.o.cursor.get();
    if (stored === undefined) {
      // First start: nothing before now can be ours to replay; reconciliation picks up pending jobs.
      const h = await this.o.source.latestHeight();
      await this.o.cursor.set(h);
      this.cursor = h;
      this.o.log.info({ height: h }, 'follower: no cursor yet, starting at the current height');
    } else {
      this.cursor = stored;
      this.o.log.info({ height: stored }, 'follower: resuming from the stored cursor');
    }
    this.running = true;
    this.loop = this.run();
    if (this.o.websocketUrl) this.connectWs();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.wsTimer);
    this.closeWs();
    this.wake?.();
    await this.loop;
  }

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private passing: Promise<void> = Promise.resolve();

  /** One pass: new blocks, then reconciliation when due. Serialized; exposed for tests. */
  pass(): Promise<void> {
    const run = this.passing.then(() => this.passOnce());
    this.passing = run.catch(() => undefined);
    return run;
  }

  private async passOnce(): Promise<void> {
    const latest = await this.o.source.latestHeight();
    this.chainHeight = latest;
    this.o.onHeight?.(latest);
    const from = this.cursor;
    const end = Math.min(latest, this.cursor + (this.o.maxBlocksPerPass ?? 200));
    for (let h = this.cursor + 1; h <= end && this.running; h++) {
      const events = this.decode(await this.o.source.blockEvents(h), h);
      for (const handler of this.o.handlers) await handler.onBlockEvents(events, h);
      await this.o.cursor.set(h);
      this.cursor = h;
    }
    if (end < latest) this.kicked = true;
    // A socket that went quiet while blocks keep coming is dead without having said so: replace it.
    if (this.ws && end > from && Date.now() - this.wsLastEvent > Math.max(30_000, 10 * this.o.pollIntervalMs)) {
      this.wsDown('no NewBlock events while the chain advanced');
    }
    this.lastPollOk = Date.now();
    this.lastError = undefined;
    if (Date.now() - this.lastReconcile >= this.o.reconcileIntervalMs) {
      // Separate from block walking: a failing reconciliation must not stall the follower (nor vice versa).
      this.lastReconcile = Date.now();
      try {
        for (const handler of this.o.handlers) await handler.reconcile?.();
        this.reconcileError = undefined;
      } catch (e) {
        this.reconcileError = (e as Error).message;
        this.o.log.warn({ err: this.reconcileError }, 'follower: reconciliation failed; will retry');
      }
    }
  }

  /** The block's x/inference events; an undecodable one is skipped, not a stall (reconciliation finds its job). */
  private decode(raw: readonly Event[], h: number): InferenceEvent[] {
    const out: InferenceEvent[] = [];
    for (const ev of raw) {
      try {
        const d = decodeInferenceEvent(ev);
        if (d) out.push(d);
      } catch (e) {
        this.o.log.error({ height: h, err: (e as Error).message }, `follower: undecodable ${ev.type} (skipped)`);
      }
    }
    return out;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      try {
        await this.pass();
      } catch (e) {
        this.lastError = (e as Error).message;
        this.o.log.warn({ err: this.lastError }, 'follower: poll failed; retrying');
      }
      if (!this.running) break;
      if (this.kicked) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.pollIntervalMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private connectWs(): void {
    if (!this.running || !this.o.websocketUrl) return;
    const url = this.o.websocketUrl;
    try {
      const socket = new WebsocketClient(url, (err) => this.wsDown(`socket error: ${err.message}`));
      const client = Comet38Client.create(socket);
      const sub = client.subscribeNewBlock().subscribe({
        next: () => {
          this.wsFailures = 0;
          this.wsLastEvent = Date.now();
          this.kick();
        },
        error: (err: unknown) => this.wsDown(`subscription error: ${String((err as Error)?.message ?? err)}`),
        complete: () => this.wsDown('subscription ended'),
      });
      this.ws = { client, stop: () => sub.unsubscribe() };
      this.wsLastEvent = Date.now();
      this.o.log.debug({ url }, 'follower: websocket subscribed to NewBlock');
    } catch (e) {
      this.wsDown(`connect failed: ${(e as Error).message}`);
    }
  }

  private wsDown(why: string): void {
    this.closeWs();
    if (!this.running) return;
    this.wsFailures++;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.wsFailures, 5));
    this.o.log.debug({ why, retryInMs: delay }, 'follower: websocket down (polling continues)');
    clearTimeout(this.wsTimer);
    this.wsTimer = setTimeout(() => this.connectWs(), delay);
  }

  private closeWs(): void {
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    try {
      ws.stop();
      ws.client.disconnect();
    } catch {
      // already closed
    }
  }
}

/** ws://host:port/websocket from the http(s) RPC URL. */
export function websocketUrlOf(rpc: string): string {
  const u = new URL(rpc);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = u.pathname.replace(/\/$/, '') + '/websocket';
  return u.toString();
}
