/**
 * DEV/TEST KEYRING. Keys are stored UNENCRYPTED (mnemonic in plain JSON) under
 * `${INFERCHAIN_HOME:-~/.inferchain}/keys/<name>.json`, files 0600. Fine for localnets and CI; never
 * put a key that holds real value here.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { toBase64 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from "@cosmjs/proto-signing";
import { stringToPath, pathToString } from "@cosmjs/crypto";
import { InferchainError, NotFoundError, invalidArgument } from "../errors.js";
import { BECH32_PREFIX } from "../client/query-client.js";

export interface StoredKey {
  name: string;
  type: "secp256k1";
  address: string;
  /** Compressed secp256k1 public key, base64. */
  pubkey: string;
  /** BIP-44 path; m/44'/118'/0'/0/0 like `inferchaind keys add`. */
  hdPath: string;
  mnemonic: string;
  createdAt: string;
}

/** What list/show return: never the mnemonic. */
export type KeyInfo = Omit<StoredKey, "mnemonic">;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEFAULT_HD_PATH = pathToString(makeCosmoshubPath(0));

export function defaultHome(): string {
  return process.env.INFERCHAIN_HOME || join(homedir(), ".inferchain");
}

export class TestKeyring {
  readonly dir: string;

  constructor(home: string = defaultHome()) {
    this.dir = join(home, "keys");
  }

  /** Creates a key from a fresh 24-word mnemonic; the result includes the mnemonic (show it once). */
  async add(name: string): Promise<StoredKey> {
    const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix: BECH32_PREFIX, hdPaths: [makeCosmoshubPath(0)] });
    return this.store(name, wallet, DEFAULT_HD_PATH);
  }

  async recover(name: string, mnemonic: string, hdPath: string = DEFAULT_HD_PATH): Promise<StoredKey> {
    const words = mnemonic.trim().split(/\s+/).join(" ");
    let wallet: DirectSecp256k1HdWallet;
    try {
      wallet = await DirectSecp256k1HdWallet.fromMnemonic(words, { prefix: BECH32_PREFIX, hdPaths: [stringToPath(hdPath)] });
    } catch (err) {
      throw invalidArgument("mnemonic", `not a valid BIP-39 mnemonic (${(err as Error).message})`);
    }
    return this.store(name, wallet, hdPath);
  }

  async list(): Promise<KeyInfo[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const keys = await Promise.all(names.filter((n) => NAME.test(n)).map((n) => this.read(n)));
    return keys.map(publicInfo).sort((a, b) => a.name.localeCompare(b.name));
  }

  async show(name: string): Promise<KeyInfo> {
    return publicInfo(await this.read(name));
  }

  /** The stored record, mnemonic included. */
  async export(name: string): Promise<StoredKey> {
    return this.read(name);
  }

  async delete(name: string): Promise<void> {
    await this.read(name);
    await rm(this.file(name));
  }

  /** A cosmjs signer for the key (SIGN_MODE_DIRECT). */
  async signer(name: string): Promise<DirectSecp256k1HdWallet> {
    const key = await this.read(name);
    return DirectSecp256k1HdWallet.fromMnemonic(key.mnemonic, { prefix: BECH32_PREFIX, hdPaths: [stringToPath(key.hdPath)] });
  }

  private file(name: string): string {
    if (!NAME.test(name)) throw invalidArgument("name", `"${name}" is not a valid key name (letters, digits, . _ -; up to 64)`);
    return join(this.dir, `${name}.json`);
  }

  private async read(name: string): Promise<StoredKey> {
    let text: string;
    try {
      text = await readFile(this.file(name), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`key "${name}" not found in ${this.dir}`, { field: "name" });
      throw err;
    }
    const key = JSON.parse(text) as Partial<StoredKey>;
    if (typeof key.mnemonic !== "string" || typeof key.address !== "string" || typeof key.hdPath !== "string") {
      throw new InferchainError("io", `key file ${this.file(name)} is malformed`, { field: "name" });
    }
    return key as StoredKey;
  }

  private async store(name: string, wallet: DirectSecp256k1HdWallet, hdPath: string): Promise<StoredKey> {
    const file = this.file(name);
    const [account] = await wallet.getAccounts();
    const key: StoredKey = {
      name,
      type: "secp256k1",
      address: account!.address,
      pubkey: toBase64(account!.pubkey),
      hdPath,
      mnemonic: wallet.mnemonic,
      createdAt: new Date().toISOString(),
    };
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      // "wx": never overwrite an existing key silently.
      await writeFile(file, JSON.stringify(key, null, 2) + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new InferchainError("already_exists", `name: key "${name}" already exists`, { field: "name" });
      throw err;
    }
    return key;
  }
}

/** A SIGN_MODE_DIRECT signer for an infer1... account from a mnemonic (m/44'/118'/0'/0/0 unless given). */
export function signerFromMnemonic(mnemonic: string, hdPath: string = DEFAULT_HD_PATH): Promise<DirectSecp256k1HdWallet> {
  return DirectSecp256k1HdWallet.fromMnemonic(mnemonic.trim().split(/\s+/).join(" "), { prefix: BECH32_PREFIX, hdPaths: [stringToPath(hdPath)] });
}

function publicInfo(key: StoredKey): KeyInfo {
  const { mnemonic: _mnemonic, ...info } = key;
  return info;
}
