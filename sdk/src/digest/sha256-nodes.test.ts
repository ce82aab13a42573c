import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parentLevel } from "./node-level.js";

const sha = (b: Uint8Array): Buffer => createHash("sha256").update(b).digest();

describe("parentLevel (wasm SHA-256 of RFC 6962 interior nodes)", () => {
  it("equals SHA-256(0x01 ‖ left ‖ right) from node:crypto for every pair, with an odd last hash carried up", () => {
    for (const n of [1, 2, 3, 4, 5, 17, 64, 1001]) {
      const level = randomBytes(n * 32);
      const up = parentLevel(level);
      expect(up.length).toBe(Math.ceil(n / 2) * 32);
      for (let i = 0; i + 1 < n; i += 2) {
        const want = sha(Buffer.concat([Buffer.from([1]), level.subarray(i * 32, (i + 2) * 32)]));
        expect(up.subarray((i / 2) * 32, (i / 2 + 1) * 32).equals(want), `n ${n} pair ${i / 2}`).toBe(true);
      }
      if (n % 2 === 1) expect(up.subarray(-32).equals(level.subarray(-32))).toBe(true);
    }
  });

  it("known answer: the all-zero pair, from Python hashlib (a wrong round constant or byte order fails here)", () => {
    expect(parentLevel(new Uint8Array(64)).toString("hex")).toBe("ae0798d0ecaed2b778eddebf18f071a561c53658c05e76cedecc27cafbdbc577");
  });

  it("works across batch boundaries and memory growth (more than 32768 nodes per level)", () => {
    const n = 2 * 32768 + 7;
    const level = randomBytes(n * 32);
    const up = parentLevel(level);
    for (const i of [0, 32767, 32768, 32769, 32770]) {
      const want = sha(Buffer.concat([Buffer.from([1]), level.subarray(i * 64, (i + 1) * 64)]));
      expect(up.subarray(i * 32, (i + 1) * 32).equals(want), `node ${i}`).toBe(true);
    }
    expect(up.subarray(-32).equals(level.subarray(-32))).toBe(true);
  });

  it("refuses a level that is not a whole number of hashes", () => {
    expect(() => parentLevel(new Uint8Array(0))).toThrow(/non-empty multiple of 32/);
    expect(() => parentLevel(new Uint8Array(33))).toThrow(/non-empty multiple of 32/);
  });

  it("the committed kernel (sha256-wasm.ts) is what sha256-nodes.wat assembles to", async () => {
    const { assembleSha256Nodes, renderWasmTs, WASM_TS_FILE } = await import("../../scripts/sha256-wasm.js");
    expect(await readFile(WASM_TS_FILE, "utf8")).toBe(renderWasmTs(await assembleSha256Nodes()));
  });
});
