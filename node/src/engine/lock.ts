/**
 * Generation jobs and audits share the engine (one model session, CPU/GPU bound): their model runs go one at a
 * time, first come first served. Generation takes the lock per run (a prefill, one batched decode step:
 * engine/batch.ts `gate`), an audit check for its forward pass, so an audit waits at most one step.
 */
export class EngineLock {
  private tail: Promise<unknown> = Promise.resolve();
  /** Label of the holder, for logs and /readyz. */
  holder: string | undefined;

  run<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const go = async (): Promise<T> => {
      this.holder = label;
      try {
        return await fn();
      } finally {
        this.holder = undefined;
      }
    };
    const run = this.tail.then(go, go);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
