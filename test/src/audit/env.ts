import type { LocalnetInfo } from "@inferchain/localnet";
import { E2E_PORT_SHIFT } from "../helpers.js";

/** The audit localnet's ports: RPC 38657 (+10 per validator), sidecars 38680 (+10). */
export const AUDIT_PORT_OFFSET = 12_000 + E2E_PORT_SHIFT;

declare module "vitest" {
  export interface ProvidedContext {
    localnet: LocalnetInfo;
    otherModelDir: string;
  }
}
