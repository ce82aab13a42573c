import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { digestArtifact } from "../digest/digest.js";
import { NotFoundError } from "../errors.js";
import { DatasetRole, LineageEdgeKind, Model, ModelStatus, ParentRelation, type Attestation } from "../generated/inferchain/registry/v1/types.js";
import type { Provenance } from "../client/provenance.js";
import { TestKeyring } from "../keys/keyring.js";
import type { CliContext, TxApi } from "./context.js";
import { createProgram } from "./program.js";

const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const R = (c: string): string => c.repeat(64);

function model(root: string, name: string, extra: Partial<Model> = {}): Model {
  return Model.fromPartial({ contentRoot: root, name, version: "1", format: "onnx", status: ModelStatus.MODEL_STATUS_ACTIVE, ...extra });
}

/** A stand-in for the chain that records what the commands asked for. */
function fakeChain() {
  const tx = { txHash: "ABCD", height: 7, gasUsed: 1234n, gasWanted: 2000n, events: [] };
  const api = {
    senderAddress: "infer1sender",
    getHeight: vi.fn(async () => 100),
    getChainId: vi.fn(async () => "test-1"),
    getModel: vi.fn(async (ref: string) => {
      if (ref === "missing@1") throw new NotFoundError("model missing@1 not found", { field: "model" });
      return model(R("a"), ref.split("@")[0]!);
    }),
    getDataset: vi.fn(),
    getProvenance: vi.fn(async (): Promise<Provenance> => {
      const att: Attestation = {
        id: 3n, subject: R("b"), subjectKind: 1, attester: "infer1auditor", predicate: "eval", methodHash: "", resultHash: "",
        uri: "", score: "0.9", issuedHeight: 5n, expiresHeight: 0n, revoked: false, revokedHeight: 0n,
      };
      return {
        model: model(R("a"), "child"),
        files: [],
        ancestors: [model(R("b"), "base")],
        datasets: [],
        edges: [{ from: R("a"), to: R("b"), kind: LineageEdgeKind.LINEAGE_EDGE_KIND_PARENT, relation: ParentRelation.PARENT_RELATION_FINETUNE, role: 0 }],
        truncated: false,
        attestations: { [R("a")]: [], [R("b")]: [att] },
      };
    }),
    listModels: vi.fn(async () => ({ items: [model(R("a"), "m")], nextKey: undefined })),
    listDatasets: vi.fn(async () => ({ items: [], nextKey: undefined })),
    getAttestations: vi.fn(async () => []),
    getDescendants: vi.fn(),
    // x/inference (exercised in inference.test.ts)
    getJob: vi.fn(),
    listJobs: vi.fn(),
    getExecutor: vi.fn(),
    listExecutors: vi.fn(),
    getExecutorsOfModel: vi.fn(),
    getInferenceParams: vi.fn(),
    waitForResult: vi.fn(),
    requestInference: vi.fn(),
    infer: vi.fn(),
    disconnect: vi.fn(),
    registerModel: vi.fn(async () => ({ ...tx, contentRoot: R("c") })),
    registerDataset: vi.fn(async () => ({ ...tx, contentRoot: R("d") })),
    attest: vi.fn(async () => ({ ...tx, id: 9n })),
    revokeAttestation: vi.fn(async () => tx),
    updateModelStatus: vi.fn(async () => tx),
  };
  return api;
}

interface Run {
  out: string;
  err: string;
  error: unknown;
  chain: ReturnType<typeof fakeChain>;
  connect: ReturnType<typeof vi.fn>;
  connectSigning: ReturnType<typeof vi.fn>;
}

async function run(args: string[], stdin = ""): Promise<Run> {
  const chain = fakeChain();
  let out = "";
  let err = "";
  const connect = vi.fn(async () => chain);
  const connectSigning = vi.fn(async () => chain as unknown as TxApi);
  const ctx: CliContext = {
    io: {
      out: (t) => (out += t + "\n"),
      err: (t) => (err += t + "\n"),
      stderrIsTTY: false,
      stderr: new PassThrough(),
      readStdin: async () => stdin,
    },
    connect,
    connectSigning,
    keyring: (home) => new TestKeyring(home ?? home_),
  };
  let error: unknown;
  try {
    await createProgram(ctx).parseAsync(args, { from: "user" });
  } catch (e) {
    error = e;
  }
  return { out, err, error, chain, connect, connectSigning };
}

let home_: string;
let dir: string;
beforeAll(async () => {
  home_ = await mkdtemp(join(tmpdir(), "inferchain-cli-"));
  await new TestKeyring(home_).recover("alice", MNEMONIC);
  dir = join(home_, "model");
  await mkdir(join(dir, "sub"), { recursive: true });
  await writeFile(join(dir, "model.onnx"), Buffer.alloc(10_000, 7));
  await writeFile(join(dir, "sub", "config.json"), "{}");
});
afterAll(async () => {
  await rm(home_, { recursive: true, force: true });
});

describe("inferchain CLI", () => {
  it("digest prints the same content root as digestArtifact", async () => {
    const r = await run(["digest", dir, "--json"]);
    expect(r.error).toBeUndefined();
    const expected = await digestArtifact(dir);
    const json = JSON.parse(r.out) as { contentRoot: string; files: { path: string }[] };
    expect(json.contentRoot).toBe(expected.contentRoot);
    expect(json.files.map((f) => f.path)).toEqual(["model.onnx", "sub/config.json"]);
    expect((await run(["digest", dir])).out).toContain(`content_root ${expected.contentRoot}`);
  });

  it("register-model hashes, resolves options and signs with the --from key", async () => {
    const r = await run([
      "register-model", dir, "--name", "llama-ft", "--version", "1.0", "--format", "onnx", "--license", "Apache-2.0",
      "--parent", "llama@1:finetune", "--parent", `${R("e")}:quantized`, "--dataset", "wiki@2024:pretrain",
      "--from", "alice", "--node", "http://node:1", "--chain-id", "test-1", "--gas-price", "1uinfer", "--json",
    ]);
    expect(r.error).toBeUndefined();
    expect(r.connectSigning).toHaveBeenCalledWith("http://node:1", expect.anything(), { gasPrice: "1uinfer", chainId: "test-1" });
    const input = r.chain.registerModel.mock.calls[0]![0 as never] as Record<string, unknown>;
    const digest = await digestArtifact(dir);
    expect(input).toMatchObject({
      name: "llama-ft",
      version: "1.0",
      format: "onnx",
      license: "Apache-2.0",
      contentRoot: digest.contentRoot,
      files: digest.files,
      parents: [
        { model: "llama@1", relation: ParentRelation.PARENT_RELATION_FINETUNE },
        { model: R("e"), relation: ParentRelation.PARENT_RELATION_QUANTIZED },
      ],
      datasets: [{ dataset: "wiki@2024", role: DatasetRole.DATASET_ROLE_PRETRAIN }],
    });
    expect(JSON.parse(r.out)).toMatchObject({ contentRoot: R("c"), txHash: "ABCD", height: 7 });
  });

  it("refuses a bad --parent before hashing or connecting", async () => {
    const r = await run(["register-model", dir, "--name", "a", "--version", "1", "--format", "onnx", "--from", "alice", "--parent", "llama@1"]);
    expect(r.error).toMatchObject({ code: "invalid_argument", field: "parents[0]" });
    expect(r.connectSigning).not.toHaveBeenCalled();
  });

  it("reports a missing required option through commander", async () => {
    const r = await run(["register-model", dir, "--name", "a", "--version", "1", "--from", "alice"]);
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(r.err).toMatch(/--format/);
  });

  it("takes --node from INFERCHAIN_NODE", async () => {
    vi.stubEnv("INFERCHAIN_NODE", "http://env-node:26657");
    try {
      const r = await run(["model", "llama@1"]);
      expect(r.connect).toHaveBeenCalledWith("http://env-node:26657");
    } finally {
      vi.unstubAllEnvs();
    }
    expect((await run(["model", "llama@1"])).connect).toHaveBeenCalledWith("http://127.0.0.1:26657");
  });

  it("model prints text or JSON and passes errors through", async () => {
    const r = await run(["model", "llama@1", "--json"]);
    expect(r.chain.getModel).toHaveBeenCalledWith("llama@1");
    expect(JSON.parse(r.out)).toMatchObject({ model: { name: "llama", contentRoot: R("a") }, attestations: [] });
    expect((await run(["model", "llama@1"])).out).toMatch(/^model +llama@1/);
    expect((await run(["model", "missing@1"])).error).toBeInstanceOf(NotFoundError);
    expect((await run(["model", "not-a-ref"])).error).toMatchObject({ field: "model" });
  });

  it("provenance draws the lineage tree with attestations", async () => {
    const r = await run(["provenance", "child@1"]);
    expect(r.error).toBeUndefined();
    expect(r.out).toContain("└── parent (finetune) base@1");
    expect(r.out).toContain("✓ #3 eval  by infer1auditor  score 0.9");
    const j = await run(["provenance", "child@1", "--json"]);
    expect(JSON.parse(j.out)).toMatchObject({ model: { name: "child" }, ancestors: [{ name: "base" }], truncated: false });
  });

  it("parses tx arguments: attest, revoke-attestation, model-status", async () => {
    const a = await run(["attest", "llama@1", "--predicate", "eval", "--score", "0.87", "--expires-height", "100", "--from", "alice"]);
    expect(a.chain.attest).toHaveBeenCalledWith(expect.objectContaining({ subject: "llama@1", predicate: "eval", score: "0.87", expiresHeight: 100n }));
    expect(a.out).toContain("attestation #9 recorded");
    const r = await run(["revoke-attestation", "12", "--from", "alice"]);
    expect(r.chain.revokeAttestation).toHaveBeenCalledWith(12n);
    expect((await run(["revoke-attestation", "x", "--from", "alice"])).error).toBeInstanceOf(CommanderError);
    const s = await run(["model-status", "llama@1", "deprecated", "--superseded-by", "llama@2", "--reason", "old", "--from", "alice"]);
    expect(s.chain.updateModelStatus).toHaveBeenCalledWith({ model: "llama@1", status: ModelStatus.MODEL_STATUS_DEPRECATED, supersededBy: "llama@2", reason: "old" });
    expect((await run(["model-status", "llama@1", "gone", "--from", "alice"])).error).toMatchObject({ field: "status" });
  });

  it("verify compares local files with the registered model", async () => {
    const d = await digestArtifact(dir);
    const r = await run(["verify", "llama@1", dir]);
    // The fake chain's model has no files: everything local is extra.
    expect(r.error).toMatchObject({ code: "invalid_state" });
    expect(r.out).toContain("extra   model.onnx");
    expect(d.files).toHaveLength(2);
  });

  it("fails clearly for an unknown --from key", async () => {
    const r = await run(["attest", "llama@1", "--predicate", "eval", "--from", "nobody"]);
    expect(r.error).toBeInstanceOf(NotFoundError);
  });

  it("keys: recover from stdin, list, show --address, delete", async () => {
    const h = join(home_, "k2");
    const rec = await run(["keys", "recover", "bob", "--home", h, "--json"], MNEMONIC + "\n");
    expect(rec.error).toBeUndefined();
    const address = (JSON.parse(rec.out) as { address: string }).address;
    expect(address).toMatch(/^infer1/);
    expect((await run(["keys", "list", "--home", h])).out).toBe(`bob\t${address}\n`);
    expect((await run(["keys", "show", "bob", "--address", "--home", h])).out).toBe(`${address}\n`);
    const add = await run(["keys", "add", "carol", "--home", h, "--json"]);
    expect((JSON.parse(add.out) as { mnemonic: string }).mnemonic.split(" ")).toHaveLength(24);
    expect(add.err).toMatch(/unencrypted/);
    await run(["keys", "delete", "bob", "--home", h]);
    expect((await run(["keys", "list", "--home", h, "--json"])).out).not.toContain("bob");
  });
});

describe("inferchain bom", () => {
  it("prints a CycloneDX 1.6 BOM that passes the strict validator, reading provenance with revoked attestations", async () => {
    const { Validation, Spec } = await import("@cyclonedx/cyclonedx-library");
    const r = await run(["bom", "child@1"]);
    expect(r.error).toBeUndefined();
    expect(r.chain.getProvenance).toHaveBeenCalledWith("child@1", { includeRevoked: true });
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(r.out)).toBeNull();
    const doc = JSON.parse(r.out);
    expect(doc.metadata.component.name).toBe("child");
    expect(doc.metadata.properties).toEqual(expect.arrayContaining([{ name: "inferchain:chain_id", value: "test-1" }, { name: "inferchain:height", value: "100" }]));
  });

  it("--format spdx --out writes SPDX 3 JSON-LD to the file and says what it wrote", async () => {
    const file = join(dir, "child.spdx.json");
    const r = await run(["bom", "child@1", "--format", "spdx", "--out", file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/wrote spdx ML-BOM of child@1 to .*child\.spdx\.json: 1 ancestor model\(s\), 0 dataset\(s\), 1 attestation\(s\)/);
    const { readFile } = await import("node:fs/promises");
    expect(JSON.parse(await readFile(file, "utf8"))["@context"]).toBe("https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
  });

  it("refuses an unknown format and a bad reference before connecting; an unwritable --out is an io error", async () => {
    const bad = await run(["bom", "child@1", "--format", "xml"]);
    expect(bad.error).toBeDefined();
    expect(bad.err).toMatch(/Allowed choices are cyclonedx, spdx/);
    expect(bad.connect).not.toHaveBeenCalled();
    const ref = await run(["bom", "child"]);
    expect((ref.error as Error).message).toMatch(/neither a 64-hex content root/);
    expect(ref.connect).not.toHaveBeenCalled();
    const out = await run(["bom", "child@1", "--out", join(dir, "no-such-dir", "x.json")]);
    expect(out.error).toMatchObject({ code: "io", field: "out" });
  });
});

describe("inferchain explorer", () => {
  it("refuses a port that is not one before connecting", async () => {
    for (const port of ["abc", "70000"]) {
      const r = await run(["explorer", "--port", port]);
      expect(r.error).toBeDefined();
      expect(r.err).toMatch(/expected a port number/);
      expect(r.connect).not.toHaveBeenCalled();
    }
  });
});
