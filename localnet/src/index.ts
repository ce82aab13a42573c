export * from "./accounts.js";
export * from "./ports.js";
export * from "./paths.js";
export { startLocalnet, stopLocalnet, resetLocalnet, localnetStatus, waitForHeight, latestHeight, CHAIN_ID, DENOM, MIN_GAS_PRICE } from "./localnet.js";
export type { LocalnetInfo, LocalnetNode, LocalnetOptions } from "./localnet.js";
export * from "./inference.js";
export { isAlive, readPid } from "./process.js";
