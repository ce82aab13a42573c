import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signStreamAuth, streamAuthHeaders, streamKeyFromMnemonic, type StreamKey } from '@inferchain/sdk';
import { registerTrainingRoutes, type CheckpointSource } from './checkpoints.js';
import type { TrainingRecord } from './store.js';
import { httpCheckpointFetcher, WithheldError } from './verify-check.js';

// BIP-39 test vector mnemonics (public; never hold value).
const MEMBER = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const OUTSIDER = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const CHAIN = 'inferchain-test';

describe('GET /v1/training/:job/state/:step: only the replay committee and the requester', () => {
  let app: FastifyInstance;
  let base: string;
  let dir: string;
  let member: StreamKey;
  let outsider: StreamKey;
  const asked: string[] = [];
  beforeAll(async () => {
    member = await streamKeyFromMnemonic(MEMBER);
    outsider = await streamKeyFromMnemonic(OUTSIDER);
    dir = await mkdtemp(join(tmpdir(), 'ckpt-routes-'));
    await mkdir(join(dir, '9'), { recursive: true });
    await writeFile(join(dir, '9', '10'), 'state-bytes');
    const rec = { output: { checkpoints: ['00'.repeat(32)], checkpointRoot: '00'.repeat(32) }, params: { checkpointInterval: 10, steps: 20 } } as unknown as TrainingRecord;
    const source: CheckpointSource = {
      chainId: CHAIN,
      submitted: async (id) => (id === '9' ? rec : undefined),
      statePath: (id, step) => join(dir, id, String(step)),
      mayFetchState: async (id, signer) => {
        asked.push(`${id}:${signer}`);
        return signer === member.address;
      },
    };
    app = Fastify();
    registerTrainingRoutes(app, { current: source });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const signed = (key: StreamKey, job = '9', scope: 'training-state' | 'stream' = 'training-state') => async () => streamAuthHeaders(await signStreamAuth(key, CHAIN, job, Math.floor(Date.now() / 1000) + 60, scope));
  const get = async (headers: Record<string, string>, path = '/v1/training/9/state/10') => fetch(`${base}${path}`, { headers });

  it('serves a committee member signing for this job on this chain', async () => {
    const r = await get(await signed(member)());
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('state-bytes');
    expect(asked).toContain(`9:${member.address}`);
  });

  it('401 unsigned, signed for another job, or with a stream signature; 403 a valid signer off the committee', async () => {
    const unsigned = await get({});
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { message: string }).message).toMatch(/inferchain-training-state\/v1/);
    expect((await get(await signed(member, '8')())).status).toBe(401);
    expect((await get(await signed(member, '9', 'stream')())).status).toBe(401);
    const off = await get(await signed(outsider)());
    expect(off.status).toBe(403);
    expect(((await off.json()) as { message: string }).message).toContain(outsider.address);
  });

  it('the replay fetcher signs its state requests; without a key the executor withholds (MISMATCH upstream)', async () => {
    const out = join(dir, 'fetched');
    const ok = httpCheckpointFetcher(async () => base, { policy: { allowLoopback: true }, attempts: 1, signState: async (job) => signed(member, job)() });
    await ok.state('v', '9', 10, out);
    expect(await readFile(out, 'utf8')).toBe('state-bytes');
    const anon = httpCheckpointFetcher(async () => base, { policy: { allowLoopback: true }, attempts: 1 });
    await expect(anon.state('v', '9', 10, join(dir, 'x'))).rejects.toThrow(WithheldError);
    await expect(anon.state('v', '9', 10, join(dir, 'x'))).rejects.toThrow(/HTTP 401/);
  });
});
