import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchExecutorSteps, policyFetch } from './checker.js';
import { parseConfig } from '../config/config.js';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/v1/jobs/7') return res.end(JSON.stringify({ output: { steps: [{ step: 0, topk: [{ id: 1, logit: 2 }] }] } }));
    if (req.url === '/v1/jobs/8') return res.end(Buffer.alloc(17 * 1024 * 1024, 0x20));
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

describe('verifier fetch of the executor steps goes through the peer policy', () => {
  it('refuses a loopback endpoint by default, and fetches it when the localnet allows loopback', async () => {
    const refused = await fetchExecutorSteps(base, '7', 2000);
    expect(refused.steps).toBeUndefined();
    expect(refused.source).toMatch(/loopback address; refused/);
    const ok = await fetchExecutorSteps(base, '7', 2000, policyFetch({ allowLoopback: true, timeoutMs: 2000 }));
    expect(ok.steps).toEqual([{ topk: [{ id: 1, logit: 2 }] }]);
  });

  it('refuses non-http endpoints, private targets and oversized bodies; 404 is reported, not thrown', async () => {
    expect((await fetchExecutorSteps('file:///etc/passwd', '7', 2000)).source).toMatch(/scheme must be http or https/);
    expect((await fetchExecutorSteps('http://169.254.169.254', '7', 2000)).source).toMatch(/link-local address; refused/);
    expect((await fetchExecutorSteps(base, '8', 5000, policyFetch({ allowLoopback: true }))).source).toMatch(/over the 16777216-byte limit/);
    expect((await fetchExecutorSteps(base, '9', 2000, policyFetch({ allowLoopback: true }))).source).toMatch(/answered 404/);
  });

  it('config verify.allowLoopbackPeers / allowPrivatePeers default to false and must be booleans', () => {
    const base = { sidecar: { keyName: 'k' }, validator: 'infervaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzz3m9e', models: [{ contentRoot: 'a'.repeat(64), dir: '/m' }] };
    const c = parseConfig(base, { baseDir: '/cfg' });
    expect(c.verify).toMatchObject({ allowLoopbackPeers: false, allowPrivatePeers: false });
    expect(parseConfig({ ...base, verify: { allowLoopbackPeers: true } }, { baseDir: '/cfg' }).verify.allowLoopbackPeers).toBe(true);
    expect(() => parseConfig({ ...base, verify: { allowPrivatePeers: 'yes' } }, { baseDir: '/cfg' })).toThrow(/verify.allowPrivatePeers: must be true or false/);
  });
});
