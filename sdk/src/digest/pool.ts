import { Worker } from "node:worker_threads";
import { InferchainError } from "../errors.js";
import { LEAF_SIZE } from "./constants.js";
import { WORKER_SOURCE } from "./worker-source.js";

interface WorkerReply {
  id: number;
  root?: Uint8Array;
  closed?: boolean;
  error?: string;
  code?: string;
}

interface Pending {
  resolve: (root: Buffer) => void;
  reject: (err: Error) => void;
  path: string;
}

interface Slot {
  worker: Worker;
  busy: Map<number, Pending>;
}

interface Queued {
  id: number;
  path: string;
  offset: number;
  length: number;
  pending: Pending;
}

/**
 * Tasks queued at each worker. Each worker runs one range at a time (it reads synchronously into its own
 * chunk buffer), so memory is workers × chunkSize regardless of file sizes; a second queued task means it
 * starts the next range as soon as it posts a reply, instead of idling for the round trip through the
 * calling thread (which, on a loaded machine, may not be scheduled for a while).
 */
export const TASKS_PER_WORKER = 2;

/** A fixed set of hashing workers. */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly size: number,
    readonly chunkSize: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new InferchainError("invalid_argument", "workers: must be a positive integer", { field: "workers" });
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { leafSize: LEAF_SIZE, chunkSize } });
      const slot: Slot = { worker, busy: new Map() };
      worker.on("message", (msg: WorkerReply) => this.onReply(slot, msg));
      worker.on("error", (err) => this.failSlot(slot, err));
      worker.on("exit", (code) => {
        if (!this.closed) this.failSlot(slot, new Error(`hash worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Merkle root of the leaves of bytes [offset, offset+length) of `path`; offset must be chunk-aligned. */
  hashRange(path: string, offset: number, length: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error("hash pool is closed"));
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path, offset, length, pending: { resolve, reject, path } });
      this.dispatch();
    });
  }

  /** Closes the workers' file descriptors, then stops them. */
  async close(): Promise<void> {
    if (this.closed) return;
    const closes = this.slots.map(
      (slot) =>
        new Promise<void>((resolve) => {
          const id = this.nextId++;
          slot.busy.set(id, { resolve: () => resolve(), reject: () => resolve(), path: "" });
          slot.worker.postMessage({ id, close: true });
        }),
    );
    await Promise.race([Promise.all(closes), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.closed = true;
    for (const q of this.queue.splice(0)) q.pending.reject(new Error("hash pool closed"));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.slots) if (s.busy.size < TASKS_PER_WORKER && (!slot || s.busy.size < slot.busy.size)) slot = s;
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.busy.set(task.id, task.pending);
      slot.worker.postMessage({ id: task.id, path: task.path, offset: task.offset, length: task.length });
    }
  }

  private onReply(slot: Slot, msg: WorkerReply): void {
    const pending = slot.busy.get(msg.id);
    if (!pending) return;
    slot.busy.delete(msg.id);
    if (msg.closed) pending.resolve(Buffer.alloc(0));
    else if (msg.root) pending.resolve(Buffer.from(msg.root.buffer, msg.root.byteOffset, msg.root.byteLength));
    else pending.reject(ioError(pending.path, msg.error ?? "hash worker failed", msg.code));
    if (!this.closed) this.dispatch();
  }

  private failSlot(slot: Slot, err: Error): void {
    for (const p of slot.busy.values()) p.reject(ioError(p.path, err.message, undefined));
    slot.busy.clear();
    const j = this.slots.indexOf(slot);
    if (j >= 0) this.slots.splice(j, 1);
    if (this.slots.length === 0) for (const q of this.queue.splice(0)) q.pending.reject(ioError(q.path, "no hash workers left", undefined));
  }
}

export function ioError(path: string, message: string, code: string | undefined): InferchainError {
  const kind = code === "ENOENT" ? "not_found" : "io";
  return new InferchainError(kind, `${path}: ${message}`, { field: "paths" });
}
