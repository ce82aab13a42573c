/**
 * `inferchain-node models pull <ref>`: fetch a registered model (or dataset) from the executors serving it into
 * the local cache, verified leaf by leaf against the chain (the SDK's pullArtifact, as `inferchain fetch`), and
 * print the config entry that serves it. A new validator onboards from its peers this way, without PyPI.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InferchainClient, fetchReporter, peerFetchSettings, pullArtifact, renderFetchSummary, withPeerFetchOptions, type PeerFetchOptions } from '@inferchain/sdk';

export function defaultPullDir(contentRootOrRef: string): string {
  const cache = process.env.INFERCHAIN_CACHE ?? join(homedir(), '.cache', 'inferchain');
  return join(cache, 'artifacts', contentRootOrRef);
}

export function registerPull(models: Command): void {
  withPeerFetchOptions(
    models
      .command('pull')
      .argument('<ref>', 'model or dataset: content root or name@version')
      .option('--dir <dir>', 'destination (default: $INFERCHAIN_CACHE/artifacts/<content root>, cache default ~/.cache/inferchain)')
      .option('--node <rpc>', 'CometBFT RPC of the chain', 'http://127.0.0.1:26657')
      .option('--json', 'machine-readable summary', false)
      .description('download a registered model from the executors serving it, verifying every 4 KiB against the chain (resumable)'),
  ).action(async (ref: string, o: PeerFetchOptions & { dir?: string; node: string; json: boolean }) => {
    const chain = await InferchainClient.connect(o.node);
    const reporter = fetchReporter(process.stderr, process.stderr.isTTY === true, process.stderr.isTTY === true || o.progress);
    try {
      const root = /^[0-9a-f]{64}$/.test(ref) ? ref : (await chain.getModel(ref).catch(() => chain.getDataset(ref))).contentRoot;
      const dir = o.dir ?? defaultPullDir(root);
      const s = await pullArtifact(chain, ref, dir, { ...peerFetchSettings(o), onProgress: reporter.onProgress, onEvent: reporter.onEvent }).finally(() => reporter.stop());
      if (o.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else {
        process.stdout.write(`${renderFetchSummary(s)}\n`);
        if (s.kind === 'model') process.stdout.write(`serve it: add to the sidecar config "models": ${JSON.stringify({ contentRoot: s.contentRoot, dir: s.dir })}\n`);
      }
    } finally {
      chain.disconnect();
    }
  });
}
