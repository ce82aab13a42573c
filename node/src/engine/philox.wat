;; Philox4x32-10 uniforms for a whole vocabulary row: u(seed, step, id) for id = 0..n-1, as f64 at 8*id in memory.
;; The same counter layout and bit extraction as philox.ts uniform() (spec: SAMPLING.md), with 64-bit integer
;; products, so the high and low words of each 32x32-bit product are exact without 16-bit limbs.
;; Built into philox-wasm.ts by `npm run -w node build:philox-wasm` (wabt); philox.test.ts checks the two agree.
(module
  (memory (export "memory") 1)
  (func (export "uniforms") (param $k0 i32) (param $k1 i32) (param $step i32) (param $n i32)
    (local $id i32) (local $r i32)
    (local $c0 i64) (local $c1 i64) (local $c2 i64) (local $c3 i64)
    (local $p0 i64) (local $p1 i64) (local $a i64) (local $b i64)
    (local.set $id (i32.const 0))
    (block $done
      (loop $ids
        (br_if $done (i32.ge_u (local.get $id) (local.get $n)))
        ;; counter (id, step, 0, "gumb"), key (k0, k1)
        (local.set $c0 (i64.extend_i32_u (local.get $id)))
        (local.set $c1 (i64.extend_i32_u (local.get $step)))
        (local.set $c2 (i64.const 0))
        (local.set $c3 (i64.const 0x67756d62))
        (local.set $a (i64.extend_i32_u (local.get $k0)))
        (local.set $b (i64.extend_i32_u (local.get $k1)))
        (local.set $r (i32.const 0))
        (loop $rounds
          (local.set $p0 (i64.mul (i64.const 0xd2511f53) (local.get $c0)))
          (local.set $p1 (i64.mul (i64.const 0xcd9e8d57) (local.get $c2)))
          (local.set $c0 (i64.xor (i64.xor (i64.shr_u (local.get $p1) (i64.const 32)) (local.get $c1)) (local.get $a)))
          (local.set $c1 (i64.and (local.get $p1) (i64.const 0xffffffff)))
          (local.set $c2 (i64.xor (i64.xor (i64.shr_u (local.get $p0) (i64.const 32)) (local.get $c3)) (local.get $b)))
          (local.set $c3 (i64.and (local.get $p0) (i64.const 0xffffffff)))
          ;; key schedule: k += (W0, W1) mod 2^32
          (local.set $a (i64.and (i64.add (local.get $a) (i64.const 0x9e3779b9)) (i64.const 0xffffffff)))
          (local.set $b (i64.and (i64.add (local.get $b) (i64.const 0xbb67ae85)) (i64.const 0xffffffff)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rounds (i32.lt_u (local.get $r) (i32.const 10))))
        ;; u = (floor(x0 / 2^5) * 2^26 + floor(x1 / 2^6) + 0.5) / 2^53: the integer is exact (< 2^53); the + 0.5
        ;; and the division are the same IEEE double operations, in the same order, as in philox.ts.
        (f64.store
          (i32.shl (local.get $id) (i32.const 3))
          (f64.div
            (f64.add
              (f64.convert_i64_u
                (i64.or
                  (i64.shl (i64.shr_u (local.get $c0) (i64.const 5)) (i64.const 26))
                  (i64.shr_u (local.get $c1) (i64.const 6))))
              (f64.const 0.5))
            (f64.const 9007199254740992)))
        (local.set $id (i32.add (local.get $id) (i32.const 1)))
        (br $ids)))))
