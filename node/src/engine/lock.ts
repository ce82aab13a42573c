/**
 * Generation jobs and audits share the engine (one model session, CPU/GPU bound): they run one at a time,
 * first come first served.
 */
import type { JobGenerator } from '../jobs/ports.js';

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

/** The generator, each generation holding the engine lock. */
export function lockedGenerator(inner: JobGenerator, lock: EngineLock): JobGenerator {
  return {
    serves: (model) => inner.serves(model),
    generate: (spec) => lock.run(`job ${spec.id}`, () => inner.generate(spec)),
  };
}
