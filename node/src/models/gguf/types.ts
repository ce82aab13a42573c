/** GGML tensor types (ggml.h `enum ggml_type`) and the block layouts of those the importer reads. */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  BF16: 30,
} as const;

export function ggmlTypeName(t: number): string {
  for (const [k, v] of Object.entries(GgmlType)) if (v === t) return k;
  return `type#${t}`;
}

/** Elements per block and bytes per block, for the supported types. */
export const BLOCK: Readonly<Record<number, { size: number; bytes: number }>> = {
  [GgmlType.F32]: { size: 1, bytes: 4 },
  [GgmlType.F16]: { size: 1, bytes: 2 },
  [GgmlType.Q4_0]: { size: 32, bytes: 18 }, // f16 d, 16 bytes of nibbles
  [GgmlType.Q4_1]: { size: 32, bytes: 20 }, // f16 d, f16 m, 16 bytes of nibbles
  [GgmlType.Q8_0]: { size: 32, bytes: 34 }, // f16 d, 32 int8
};

export const SUPPORTED_TYPES = ['F32', 'F16', 'Q4_0', 'Q4_1', 'Q8_0'] as const;
