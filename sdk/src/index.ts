// Public API of @inferchain/sdk.
export * from "./errors.js";
export * from "./digest/index.js";
export * from "./refs.js";
export * from "./chain/abci-errors.js";
export * from "./chain/registry-types.js";
export * from "./client/pagination.js";
export * from "./client/provenance.js";
export * from "./client/json.js";
export * from "./client/query-client.js";
export * from "./client/signing-client.js";
export * from "./keys/keyring.js";

// Generated chain types (messages, enums, queries) under their proto names.
export * from "./types.js";
export { PageRequest, PageResponse } from "./generated/cosmos/base/query/v1beta1/pagination.js";
