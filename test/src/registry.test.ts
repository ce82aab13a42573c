import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  InferchainError,
  ModelStatus,
  MsgRegisterModel,
  NotFoundError,
  registryTypeUrls,
  type SigningInferchainClient,
} from "@inferchain/sdk";
import { clientFor, inferchainCli, makeArtifact, unknownRoot } from "./helpers.js";

// The user flow of issue 2 over a real localnet: datasets, a base model, a fine-tuned child, an attestation,
// and an auditor reading the child's full provenance through the SDK and the CLI; then every bad input refused.
const localnet = inject("localnet");
const rpc = localnet.nodes[0]!.endpoints.rpc;
const run = Date.now().toString(36);

let alice: SigningInferchainClient; // publisher
let bob: SigningInferchainClient; // auditor / attester
const roots = { web: "", chat: "", base: "", child: "" };
let attestationId = 0n;

/** Registry totals, to show a refused message changed nothing. */
async function snapshot(c: SigningInferchainClient) {
  const [models, datasets] = await Promise.all([c.listModels({ limit: 1000 }), c.listDatasets({ limit: 1000 })]);
  const attestations = roots.child ? await c.getAttestations(roots.child, { includeRevoked: true }) : [];
  return { models: models.items.length, datasets: datasets.items.length, attestations: JSON.stringify(attestations, (_, v) => (typeof v === "bigint" ? v.toString() : v)) };
}

async function expectRefused(action: () => Promise<unknown>, field: RegExp, code?: string): Promise<InferchainError> {
  const before = await snapshot(alice);
  const err = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the chain accepted a message it must refuse").toBeInstanceOf(InferchainError);
  const e = err as InferchainError;
  expect(e.message).toMatch(field);
  if (code) expect(e.code).toBe(code);
  expect(await snapshot(alice)).toEqual(before);
  return e;
}

beforeAll(async () => {
  alice = await clientFor(localnet, "alice");
  bob = await clientFor(localnet, "bob");
});

describe("registry: lineage of a fine-tuned model", () => {
  it("registers two datasets, a base model and a fine-tuned child, and attests the child", async () => {
    const web = await makeArtifact({ "part-0.jsonl": 9000, "part-1.jsonl": 4096 });
    const chat = await makeArtifact({ "train.jsonl": 5000 });
    roots.web = (await alice.registerDataset({ name: `web-corpus-${run}`, version: "1", files: web.digest.files, recordCount: 1200, license: "CC-BY-4.0" })).contentRoot;
    roots.chat = (
      await alice.registerDataset({ name: `chat-sft-${run}`, version: "1", files: chat.digest.files, recordCount: 300, license: "CC-BY-4.0", sources: [`web-corpus-${run}@1`] })
    ).contentRoot;

    const base = await makeArtifact({ "model.onnx": 20000, "tokenizer.json": 3000, "config.json": 200 });
    const child = await makeArtifact({ "model.onnx": 20001, "tokenizer.json": 3000, "config.json": 210 });
    roots.base = (
      await alice.registerModel({
        name: `tiny-base-${run}`,
        version: "1.0",
        format: "onnx",
        files: base.digest.files,
        contentRoot: base.digest.contentRoot,
        datasets: [{ dataset: roots.web, role: "pretrain" }],
        license: "Apache-2.0",
      })
    ).contentRoot;
    roots.child = (
      await alice.registerModel({
        name: `tiny-chat-${run}`,
        version: "1.0",
        format: "onnx",
        files: child.digest.files,
        parents: [{ model: `tiny-base-${run}@1.0`, relation: "finetune" }],
        datasets: [{ dataset: `chat-sft-${run}@1`, role: "finetune" }],
        license: "Apache-2.0",
      })
    ).contentRoot;
    expect(roots.child).toBe(child.digest.contentRoot);

    attestationId = (await bob.attest({ subject: roots.child, predicate: "eval", score: "0.873", uri: "https://example.org/evals/1" })).id;
    expect(attestationId).toBeGreaterThan(0n);
  });

  it("getProvenance(child) shows the model, its files, ancestors, datasets (transitively) and attestations", async () => {
    const p = await bob.getProvenance(`tiny-chat-${run}@1.0`);
    expect(p.model.contentRoot).toBe(roots.child);
    expect(p.files.map((f) => f.path).sort()).toEqual(["config.json", "model.onnx", "tokenizer.json"]);
    expect(p.ancestors.map((m) => m.contentRoot)).toEqual([roots.base]);
    expect(p.datasets.map((d) => d.contentRoot).sort()).toEqual([roots.web, roots.chat].sort());
    expect(p.truncated).toBe(false);
    // edges: child->base (parent), child->chat (dataset), base->web (dataset), chat->web (source)
    const edges = p.edges.map((e) => `${e.from.slice(0, 8)}>${e.to.slice(0, 8)}`).sort();
    expect(edges).toEqual(
      [`${roots.child}>${roots.base}`, `${roots.child}>${roots.chat}`, `${roots.base}>${roots.web}`, `${roots.chat}>${roots.web}`].map((s) => s.replace(/^(\w{8})\w*>(\w{8})\w*$/, "$1>$2")).sort(),
    );
    const childAttestations = p.attestations[roots.child] ?? [];
    expect(childAttestations).toHaveLength(1);
    expect(childAttestations[0]).toMatchObject({ id: attestationId, predicate: "eval", score: "0.873", attester: bob.senderAddress });
    expect(p.attestations[roots.base]).toEqual([]);
  });

  it("`inferchain provenance <child> --json` prints the same lineage", async () => {
    const res = await inferchainCli(["provenance", `tiny-chat-${run}@1.0`, "--json", "--node", rpc]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const json = JSON.parse(res.stdout) as {
      model: { contentRoot: string };
      ancestors: { contentRoot: string }[];
      datasets: { contentRoot: string }[];
      attestations: Record<string, { predicate: string }[]>;
    };
    expect(json.model.contentRoot).toBe(roots.child);
    expect(json.ancestors.map((m) => m.contentRoot)).toEqual([roots.base]);
    expect(json.datasets.map((d) => d.contentRoot).sort()).toEqual([roots.web, roots.chat].sort());
    expect(json.attestations[roots.child]?.map((a) => a.predicate)).toEqual(["eval"]);

    const human = await inferchainCli(["provenance", roots.child, "--node", rpc]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`tiny-base-${run}@1.0`);
    expect(human.stdout).toContain(`web-corpus-${run}@1`);
  });

  it("descendants and attestations are queryable from the other side", async () => {
    const d = await bob.getDescendants(roots.base);
    expect(d.descendants.map((m) => m.contentRoot)).toEqual([roots.child]);
    await expect(bob.getModel(unknownRoot())).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("registry: bad input is refused with a message naming the field, and nothing changes", () => {
  /** Sends a raw MsgRegisterModel, bypassing the SDK's own checks, so the chain's validation is what answers. */
  const rawRegister = (overrides: Partial<MsgRegisterModel>) => async () => {
    const a = await makeArtifact({ "w.bin": 100 });
    const value = MsgRegisterModel.fromPartial({
      publisher: alice.senderAddress,
      contentRoot: a.digest.contentRoot,
      name: `raw-${Math.random().toString(36).slice(2)}`,
      version: "1",
      format: "onnx",
      files: a.digest.files.map((f) => ({ path: f.path, size: BigInt(f.size), root: f.root })),
      ...overrides,
    });
    return alice.signAndBroadcast([{ typeUrl: registryTypeUrls.MsgRegisterModel, value }]);
  };

  it("unknown parent model", async () => {
    await expectRefused(rawRegister({ parents: [{ model: unknownRoot(), relation: 1 }] }), /parents/, "not_found");
  });

  it("unknown dataset", async () => {
    await expectRefused(rawRegister({ datasets: [{ dataset: unknownRoot(), role: 1 }] }), /datasets/, "not_found");
  });

  it("a digest that is not 32 bytes of hex", async () => {
    await expectRefused(rawRegister({ contentRoot: "abc123" }), /content_root/, "invalid_argument");
    await expectRefused(rawRegister({ contentRoot: "zz".repeat(32) }), /content_root/, "invalid_argument");
  });

  it("a duplicate content root, and a duplicate name@version", async () => {
    const base = await alice.getModel(roots.base);
    await expectRefused(rawRegister({ contentRoot: base.contentRoot, files: base.files, name: "another-name" }), /content_root/, "already_exists");
    await expectRefused(rawRegister({ name: base.name, version: base.version }), /name/, "already_exists");
  });

  it("empty and over-long fields", async () => {
    await expectRefused(rawRegister({ name: "" }), /name/, "invalid_argument");
    const params = await alice.getParams();
    await expectRefused(rawRegister({ name: "n".repeat(params.maxFieldLength + 1) }), /name/, "invalid_argument");
    await expectRefused(rawRegister({ format: "" }), /format/, "invalid_argument");
  });

  it("a non-publisher changing a model's status", async () => {
    await expectRefused(() => bob.updateModelStatus({ model: roots.base, status: ModelStatus.MODEL_STATUS_DEPRECATED, reason: "not mine" }), /publisher/, "unauthorized");
    expect((await alice.getModel(roots.base)).status).toBe(ModelStatus.MODEL_STATUS_ACTIVE);
  });

  it("attesting a subject that does not exist", async () => {
    await expectRefused(() => bob.attest({ subject: unknownRoot(), predicate: "eval" }), /subject/, "not_found");
  });

  it("a revoked attestation revoked again", async () => {
    const { id } = await bob.attest({ subject: roots.base, predicate: "safety" });
    await bob.revokeAttestation(id);
    expect((await bob.getAttestation(id)).revoked).toBe(true);
    await expectRefused(() => bob.revokeAttestation(id), /revoked/, "invalid_state");
  });
});

describe("registry: model status by its publisher", () => {
  it("deprecates, supersedes and finally revokes a model", async () => {
    await alice.updateModelStatus({ model: roots.base, status: "deprecated", supersededBy: roots.child, reason: "use the chat model" });
    const m = await alice.getModel(roots.base);
    expect(m.status).toBe(ModelStatus.MODEL_STATUS_DEPRECATED);
    expect(m.supersededBy).toBe(roots.child);
    await alice.updateModelStatus({ model: roots.base, status: "revoked", reason: "license problem" });
    expect((await alice.getModel(roots.base)).status).toBe(ModelStatus.MODEL_STATUS_REVOKED);
  });
});
