export * from "./framing.js";
export * from "./manifest.js";
export * from "./fetch.js";
export * from "./server.js";
export * from "./pull.js";
export * from "./progress.js";
