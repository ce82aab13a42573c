import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, parseConfig } from './config.js';

const ROOT = 'ab'.repeat(32);
const VALOPER = 'infervaloper10uwqhl2u3nvgnc5glc0pytf5uyuzx03q9eclvd';
const minimal = { sidecar: { keyName: 'sidecar' }, validator: VALOPER, models: [{ contentRoot: ROOT, dir: 'models/tiny' }] };

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(raw, { env, baseDir: '/base' });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inferchain-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('config', () => {
  it('fills defaults and resolves paths against the config directory', () => {
    const c = parseConfig(minimal, { baseDir: '/base' });
    expect(c.chain).toEqual(DEFAULTS.chain);
    expect(c.api).toEqual({ host: '127.0.0.1', port: 26690 });
    expect(c.engine).toEqual({ executionProviders: ['cuda', 'cpu'], threads: 0, topKCommit: 8, maxConcurrentJobs: 4 });
    expect(c.models).toEqual([{ contentRoot: ROOT, dir: '/base/models/tiny' }]);
    expect(c.dataDir).toBe('/base/inferchain-node-data');
    expect(c.logLevel).toBe('info');
  });

  it('applies INFERCHAIN_NODE_* overrides with types', () => {
    const c = parseConfig(minimal, {
      baseDir: '/base',
      env: {
        INFERCHAIN_NODE_CHAIN_RPC: 'http://10.0.0.1:26657',
        INFERCHAIN_NODE_API_PORT: '0',
        INFERCHAIN_NODE_ENGINE_EXECUTION_PROVIDERS: 'cpu',
        INFERCHAIN_NODE_ENGINE_MAX_CONCURRENT_JOBS: '8',
        INFERCHAIN_NODE_CHAIN_WEBSOCKET: 'false',
        INFERCHAIN_NODE_DATA_DIR: '/var/lib/sidecar',
        INFERCHAIN_NODE_MODELS: JSON.stringify([{ contentRoot: 'cd'.repeat(32), dir: '/m' }]),
        OTHER: 'ignored',
      },
    });
    expect(c.chain.rpc).toBe('http://10.0.0.1:26657');
    expect(c.chain.websocket).toBe(false);
    expect(c.api.port).toBe(0);
    expect(c.engine.executionProviders).toEqual(['cpu']);
    expect(c.engine.maxConcurrentJobs).toBe(8);
    expect(c.dataDir).toBe('/var/lib/sidecar');
    expect(c.models).toEqual([{ contentRoot: 'cd'.repeat(32), dir: '/m' }]);
  });

  it('reports every problem at once, naming the setting', () => {
    const p = problems({
      chain: { rpc: 'localhost:26657', gasPrice: 'cheap', pollIntervalMs: -1 },
      sidecar: { keyName: 'a', mnemonicFile: 'b' },
      validator: 'infer1notavaloper',
      models: [{ contentRoot: 'xyz', dir: 'd' }, { dir: 'e' }],
      engine: { executionProviders: ['tpu'], threads: 1.5, maxConcurrentJobs: 0 },
      api: { port: 70000 },
      logLevel: 'loud',
      typo: true,
    });
    const text = p.join('\n');
    for (const m of ['typo: unknown setting', 'chain.rpc', 'chain.gasPrice', 'chain.pollIntervalMs', 'sidecar: give exactly one', 'validator:', 'models[0].contentRoot', 'models[1].contentRoot: required', 'engine.executionProviders', 'engine.threads', 'engine.maxConcurrentJobs', 'api.port', 'logLevel']) {
      expect(text).toContain(m);
    }
    expect(problems({ ...minimal, models: [] })).toEqual([expect.stringMatching(/serve at least one model/)]);
    expect(problems(minimal, { INFERCHAIN_NODE_API_PORT: 'http', INFERCHAIN_NODE_NOPE: '1' }).join('\n')).toMatch(/API_PORT: "http" is not an integer[\s\S]*INFERCHAIN_NODE_NOPE: unknown override/);
  });

  it('loads a file and explains unreadable or invalid JSON', async () => {
    const file = join(dir, 'sidecar.json');
    await writeFile(file, JSON.stringify(minimal));
    const c = await loadConfig(file, {});
    expect(c.models[0]!.dir).toBe(join(dir, 'models/tiny'));
    await writeFile(file, '{ nope');
    await expect(loadConfig(file, {})).rejects.toThrow(/not valid JSON/);
    await expect(loadConfig(join(dir, 'missing.json'), {})).rejects.toThrow(/cannot read the config file/);
  });
});
