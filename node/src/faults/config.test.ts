import { describe, expect, it } from 'vitest';
import { activeFaults, NO_FAULTS, parseFaultsConfig } from './config.js';

describe('faults.training', () => {
  it('forgeCheckpoint is off by default, parsed from the file, and announced', () => {
    expect(NO_FAULTS.training.forgeCheckpoint).toBe(false);
    const problems: string[] = [];
    const f = parseFaultsConfig({ training: { forgeCheckpoint: true } }, problems, (p) => p);
    expect(problems).toEqual([]);
    expect(f.training.forgeCheckpoint).toBe(true);
    expect(activeFaults(f).join('\n')).toMatch(/forgeCheckpoint.*FORGED/);
  });

  it('refuses a non-boolean and unknown keys', () => {
    const problems: string[] = [];
    parseFaultsConfig({ training: { forgeCheckpoint: 'yes', other: 1 } }, problems, (p) => p);
    expect(problems.join('\n')).toMatch(/forgeCheckpoint: must be true or false/);
    expect(problems.join('\n')).toMatch(/other/);
  });
});
