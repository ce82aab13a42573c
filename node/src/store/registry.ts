/** What the model store needs from the chain's x/registry (ChainClient in production, fakes in tests). */

export interface RegistryModelView {
  contentRoot: string;
  name: string;
  version: string;
  /** pending: a trained child awaiting its training audit (the chain takes no job for it until it settles). */
  status: 'active' | 'pending' | 'deprecated' | 'revoked' | 'unknown';
  files: { path: string; size: bigint; root: string }[];
}

export interface ModelRegistry {
  /** undefined when the chain has no such model. */
  getModel(contentRoot: string): Promise<RegistryModelView | undefined>;
}
