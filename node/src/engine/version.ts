/** Bumped whenever the graph or file layout changes in a way that changes output bytes. */
export const ENGINE_VERSION = '0.6.1';
