/** `inferchain-node keys add|show|import`: the sidecar's key in the SDK's (unencrypted, dev/test) keyring. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TestKeyring, defaultHome } from '@inferchain/sdk';

interface HomeOpts {
  home?: string;
  json?: boolean;
}

function ring(o: HomeOpts): TestKeyring {
  return new TestKeyring(o.home ?? defaultHome());
}

function print(o: HomeOpts, value: Record<string, unknown>, text: string): void {
  process.stdout.write(o.json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage the sidecar key (stored UNENCRYPTED under <home>/keys: for localnets and tests)')
    .addHelpText('after', '\nThe sidecar config names the key with sidecar.keyName (and sidecar.home when not the default).');
  const common = (c: Command): Command =>
    c.option('--home <dir>', 'keyring home (default $INFERCHAIN_HOME or ~/.inferchain)').option('--json', 'machine-readable output', false);

  common(keys.command('add').argument('<name>', 'key name').description('create a key from a fresh 24-word mnemonic (printed once)')).action(
    async (name: string, o: HomeOpts) => {
      const k = await ring(o).add(name);
      print(o, { name: k.name, address: k.address, pubkey: k.pubkey, mnemonic: k.mnemonic }, `name: ${k.name}\naddress: ${k.address}\n\nmnemonic (write it down; it is shown only now):\n${k.mnemonic}`);
    },
  );

  common(keys.command('show').argument('<name>', 'key name').description('print the address and public key')).action(async (name: string, o: HomeOpts) => {
    const k = await ring(o).show(name);
    print(o, { ...k }, `name: ${k.name}\naddress: ${k.address}\npubkey: ${k.pubkey}`);
  });

  common(
    keys
      .command('import')
      .argument('<name>', 'key name')
      .description('import a key from a BIP-39 mnemonic')
      .requiredOption('--mnemonic-file <file>', "file holding the mnemonic ('-' reads stdin)"),
  ).action(async (name: string, o: HomeOpts & { mnemonicFile: string }) => {
    const mnemonic = o.mnemonicFile === '-' ? await readStdin() : await readFile(o.mnemonicFile, 'utf8');
    const k = await ring(o).recover(name, mnemonic);
    print(o, { name: k.name, address: k.address, pubkey: k.pubkey }, `name: ${k.name}\naddress: ${k.address}`);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
