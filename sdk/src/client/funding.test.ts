import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InferchainError } from "../errors.js";
import { isqrt, parseAmount, parseHeight, quadraticMatches, quadraticWeight } from "./funding.js";

interface QfVectors {
  cases: { name: string; pool: string; projects: string[][]; weights: string[]; matches: string[]; remainder: string }[];
}

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, "../../../test/vectors/qf.json"), "utf8")) as QfVectors;

describe("quadratic funding arithmetic (same vectors as chain/x/funding/types)", () => {
  it("has vectors", () => expect(vectors.cases.length).toBeGreaterThan(5));
  for (const c of vectors.cases) {
    it(c.name, () => {
      const projects = c.projects.map((p) => p.map(BigInt));
      expect(projects.map(quadraticWeight).map(String)).toEqual(c.weights);
      const res = quadraticMatches(BigInt(c.pool), projects);
      expect(res.matches.map(String)).toEqual(c.matches);
      expect(String(res.remainder)).toBe(c.remainder);
      expect(res.matches.reduce((a, b) => a + b, 0n) + res.remainder).toBe(BigInt(c.pool));
    });
  }

  it("isqrt is the exact floor square root", () => {
    for (const n of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, 10n ** 18n * 2n, (10n ** 30n + 12345n) ** 2n, (10n ** 30n + 12345n) ** 2n - 1n]) {
      const r = isqrt(n);
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
    }
    expect(() => isqrt(-1n)).toThrow(InferchainError);
  });

  it("a single contributor has no weight", () => {
    for (const c of [1n, 2n, 7n, 10_000n, 123_456_789n]) expect(quadraticWeight([c])).toBe(0n);
  });
});

describe("parseAmount / parseHeight", () => {
  it("parses amounts with or without a denom", () => {
    expect(parseAmount("amount", "5000uinfer", "uinfer")).toEqual({ amount: "5000", denom: "uinfer" });
    expect(parseAmount("amount", " 42 ", "uinfer")).toEqual({ amount: "42", denom: "uinfer" });
    expect(parseAmount("amount", { amount: "7", denom: "stake" }, "uinfer")).toEqual({ amount: "7", denom: "stake" });
  });
  it("refuses zero, negative and malformed amounts, naming the field", () => {
    for (const bad of ["0", "0uinfer", "-5uinfer", "5.5uinfer", "uinfer", ""]) {
      try {
        parseAmount("matching_pool", bad, "uinfer");
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(InferchainError);
        expect((err as InferchainError).field).toBe("matching_pool");
        expect((err as InferchainError).code).toBe("invalid_argument");
      }
    }
  });
  it("parses absolute and relative heights", () => {
    expect(parseHeight("start_height", "120")).toBe(120n);
    expect(parseHeight("start_height", 7)).toBe(7n);
    expect(parseHeight("end_height", "+30", 100)).toBe(130n);
    expect(() => parseHeight("end_height", "+30")).toThrow(/needs the current height/);
    expect(() => parseHeight("end_height", "soon", 5)).toThrow(/end_height/);
    expect(() => parseHeight("end_height", -1)).toThrow(/negative/);
  });
});
