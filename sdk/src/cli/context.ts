import type { OfflineSigner } from "@cosmjs/proto-signing";
import { InferchainClient } from "../client/query-client.js";
import { SigningInferchainClient, type SigningOptions } from "../client/signing-client.js";
import { TestKeyring } from "../keys/keyring.js";

/** The query side the commands use (a subset of InferchainClient, so tests can stand in for the chain). */
export type QueryApi = Pick<
  InferchainClient,
  | "getHeight"
  | "getChainId"
  | "getModel"
  | "getDataset"
  | "getProvenance"
  | "listModels"
  | "listDatasets"
  | "getAttestations"
  | "getDescendants"
  | "getJob"
  | "listJobs"
  | "getExecutor"
  | "listExecutors"
  | "getExecutorsOfModel"
  | "getInferenceParams"
  | "waitForResult"
  | "getFundingRound"
  | "listFundingRounds"
  | "listAllFundingRounds"
  | "listFundingProjects"
  | "listAllFundingProjects"
  | "getMatchEstimates"
  | "disconnect"
  | "training"
  | "resolveModel"
  | "resolveDataset"
>;

export type TxApi = QueryApi &
  Pick<SigningInferchainClient, "senderAddress" | "registerModel" | "registerDataset" | "attest" | "revokeAttestation" | "updateModelStatus" | "requestInference" | "infer" | "signAndBroadcast"> &
  Pick<SigningInferchainClient, "createFundingRound" | "fundFundingRound" | "registerFundingProject" | "contribute">;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars draw only there unless --progress). */
  stderrIsTTY: boolean;
  stderr: NodeJS.WritableStream;
  /** Reads all of stdin (keys recover without --mnemonic). */
  readStdin(): Promise<string>;
}

/** Everything a command touches outside itself; main.ts wires the real ones. */
export interface CliContext {
  io: CliIo;
  connect(node: string): Promise<QueryApi>;
  connectSigning(node: string, signer: OfflineSigner, options: SigningOptions): Promise<TxApi>;
  keyring(home: string | undefined): TestKeyring;
}

export function defaultContext(): CliContext {
  return {
    io: {
      out: (text) => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
      err: (text) => process.stderr.write(text.endsWith("\n") ? text : text + "\n"),
      stderrIsTTY: process.stderr.isTTY === true,
      stderr: process.stderr,
      readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
        return Buffer.concat(chunks).toString("utf8");
      },
    },
    connect: (node) => InferchainClient.connect(node),
    connectSigning: (node, signer, options) => SigningInferchainClient.connectWithSigner(node, signer, options),
    keyring: (home) => new TestKeyring(home),
  };
}
