import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.js";
import { TestKeyring } from "./keyring.js";

// BIP-39 test mnemonic; its cosmos (118) account is well known.
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "inferchain-keys-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("TestKeyring", () => {
  it("recovers a mnemonic to the expected infer address and signs", async () => {
    const kr = new TestKeyring(home);
    const key = await kr.recover("alice", `  ${MNEMONIC}\n`);
    // The well-known cosmos1 address of this mnemonic, re-encoded: HD path m/44'/118'/0'/0/0 like inferchaind keys add.
    expect(key.address).toBe(toBech32("infer", fromBech32("cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4", 90).data));
    expect(key.hdPath).toBe("m/44'/118'/0'/0/0");
    const signer = await kr.signer("alice");
    expect((await signer.getAccounts())[0]!.address).toBe(key.address);
    expect((await stat(join(home, "keys", "alice.json"))).mode & 0o777).toBe(0o600);
  });

  it("round-trips add, list, show, delete", async () => {
    const kr = new TestKeyring(home);
    const bob = await kr.add("bob");
    expect(bob.mnemonic.split(" ")).toHaveLength(24);
    await kr.recover("alice", MNEMONIC);
    const list = await kr.list();
    expect(list.map((k) => k.name)).toEqual(["alice", "bob"]);
    expect(list.every((k) => !("mnemonic" in k))).toBe(true);
    expect((await kr.show("bob")).address).toBe(bob.address);
    expect((await kr.export("bob")).mnemonic).toBe(bob.mnemonic);
    await kr.delete("bob");
    await expect(kr.show("bob")).rejects.toBeInstanceOf(NotFoundError);
    expect((await kr.list()).map((k) => k.name)).toEqual(["alice"]);
  });

  it("refuses duplicates, bad names and bad mnemonics", async () => {
    const kr = new TestKeyring(home);
    await kr.recover("alice", MNEMONIC);
    await expect(kr.recover("alice", MNEMONIC)).rejects.toMatchObject({ code: "already_exists", field: "name" });
    await expect(kr.add("../evil")).rejects.toMatchObject({ code: "invalid_argument", field: "name" });
    await expect(kr.recover("carol", "not a mnemonic")).rejects.toMatchObject({ code: "invalid_argument", field: "mnemonic" });
    expect(await new TestKeyring(join(home, "empty")).list()).toEqual([]);
  });
});
