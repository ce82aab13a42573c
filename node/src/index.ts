// @inferchain/node public surface. Engine exports below; other areas add theirs.
export * from './engine/index.js';
export { importGguf, ImportError, type ImportOptions, type ImportResult, type WeightMode } from './models/gguf/import.js';
export { GgufFormatError, GgufUnsupportedError } from './models/gguf/errors.js';
export { makeTinyModel } from './models/tiny.js';
export { TextTokenizer, type ChatMessage } from './tokenizer/tokenizer.js';
