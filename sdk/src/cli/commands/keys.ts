import { Command } from "commander";
import type { Json } from "../../client/json.js";
import type { KeyInfo } from "../../keys/keyring.js";
import type { CliContext } from "../context.js";
import { withCommon, withHome, type CommonOptions } from "../options.js";
import { emit } from "../run.js";

interface KeysOptions extends CommonOptions {
  home?: string;
}

const WARNING = "DEV/TEST KEYRING: keys are stored unencrypted under <home>/keys; never use it for keys that hold real value.";

const keyJson = (k: KeyInfo): Json => ({ name: k.name, type: k.type, address: k.address, pubkey: k.pubkey, hdPath: k.hdPath, createdAt: k.createdAt });
const keyText = (k: KeyInfo): string => `${k.name}\t${k.address}`;

/** Keys commands take --node for uniformity; they never contact a node. */
function keysCommand(parent: Command, name: string, description: string): Command {
  return withHome(withCommon(parent.command(name).description(description)));
}

export function register(program: Command, ctx: CliContext): void {
  const keys = program.command("keys").description("manage the dev/test keyring (unencrypted; see keys --help)").addHelpText("after", `\n${WARNING}`);

  keysCommand(keys, "add", "create a key from a new 24-word mnemonic (printed once)")
    .argument("<name>")
    .action(async (name: string, opts: KeysOptions) => {
      const key = await ctx.keyring(opts.home).add(name);
      ctx.io.err(WARNING);
      emit(ctx, opts, { ...(keyJson(key) as { [k: string]: Json }), mnemonic: key.mnemonic }, () =>
        [keyText(key), "", "mnemonic (write it down; it is also stored in plain text in the keyring):", key.mnemonic].join("\n"),
      );
    });

  keysCommand(keys, "recover", "import a key from a BIP-39 mnemonic (from --mnemonic, or stdin)")
    .argument("<name>")
    .option("--mnemonic <words>", "the mnemonic; omit to read it from stdin")
    .option("--hd-path <path>", "BIP-44 path", "m/44'/118'/0'/0/0")
    .action(async (name: string, opts: KeysOptions & { mnemonic?: string; hdPath: string }) => {
      const mnemonic = opts.mnemonic ?? (await ctx.io.readStdin());
      const key = await ctx.keyring(opts.home).recover(name, mnemonic, opts.hdPath);
      emit(ctx, opts, keyJson(key), () => keyText(key));
    });

  keysCommand(keys, "list", "list keys").action(async (opts: KeysOptions) => {
    const list = await ctx.keyring(opts.home).list();
    emit(ctx, opts, list.map(keyJson), () => (list.length ? list.map(keyText).join("\n") : "no keys"));
  });

  keysCommand(keys, "show", "show a key's address and public key")
    .argument("<name>")
    .option("--address", "print only the address", false)
    .action(async (name: string, opts: KeysOptions & { address: boolean }) => {
      const key = await ctx.keyring(opts.home).show(name);
      emit(ctx, opts, keyJson(key), () => (opts.address ? key.address : `${keyText(key)}\npubkey ${key.pubkey}\nhd_path ${key.hdPath}`));
    });

  keysCommand(keys, "delete", "delete a key (its mnemonic is lost unless you kept it)")
    .argument("<name>")
    .action(async (name: string, opts: KeysOptions) => {
      await ctx.keyring(opts.home).delete(name);
      emit(ctx, opts, { deleted: name }, () => `deleted ${name}`);
    });
}
