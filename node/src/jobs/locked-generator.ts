import type { EngineLock } from '../engine/lock.js';
import type { JobGenerator } from './ports.js';

/** The generator, each generation holding the engine lock. */
export function lockedGenerator(inner: JobGenerator, lock: EngineLock): JobGenerator {
  return {
    serves: (model) => inner.serves(model),
    generate: (spec, hooks) => lock.run(`job ${spec.id}`, () => inner.generate(spec, hooks)),
  };
}
