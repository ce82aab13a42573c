/**
 * Generation jobs and audits share the engine (one model session, CPU/GPU bound): they run one at a time,
 * first come first served.
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
