;; RFC 6962 interior nodes in bulk: out[i] = SHA-256(0x01 || in[64 i .. 64 i + 64)) for i < n, one call per batch.
;; Node's crypto.hash costs ~1-2 us per call on a 65-byte input (the JS binding, not SHA-256), and a Merkle tree has
;; one interior node per leaf; this kernel does the two compressions of each node with no per-node call.
;; Assembled by sdk/scripts/sha256-wasm.ts into sha256-wasm.ts (sha256-nodes.test.ts checks the bytes are current).
;;
;; Memory: [0, 256) round constants K, [256, 512) message schedule W, [512, 640) the two padded blocks of one node,
;; [640, 672) the state; callers put inputs and outputs at 1024 and above.
(module
  (memory (export "memory") 1)
  (data (i32.const 0)
    "\98\2f\8a\42\91\44\37\71\cf\fb\c0\b5\a5\db\b5\e9\5b\c2\56\39\f1\11\f1\59\a4\82\3f\92\d5\5e\1c\ab"
    "\98\aa\07\d8\01\5b\83\12\be\85\31\24\c3\7d\0c\55\74\5d\be\72\fe\b1\de\80\a7\06\dc\9b\74\f1\9b\c1"
    "\c1\69\9b\e4\86\47\be\ef\c6\9d\c1\0f\cc\a1\0c\24\6f\2c\e9\2d\aa\84\74\4a\dc\a9\b0\5c\da\88\f9\76"
    "\52\51\3e\98\6d\c6\31\a8\c8\27\03\b0\c7\7f\59\bf\f3\0b\e0\c6\47\91\a7\d5\51\63\ca\06\67\29\29\14"
    "\85\0a\b7\27\38\21\1b\2e\fc\6d\2c\4d\13\0d\38\53\54\73\0a\65\bb\0a\6a\76\2e\c9\c2\81\85\2c\72\92"
    "\a1\e8\bf\a2\4b\66\1a\a8\70\8b\4b\c2\a3\51\6c\c7\19\e8\92\d1\24\06\99\d6\85\35\0e\f4\70\a0\6a\10"
    "\16\c1\a4\19\08\6c\37\1e\4c\77\48\27\b5\bc\b0\34\b3\0c\1c\39\4a\aa\d8\4e\4f\ca\9c\5b\f3\6f\2e\68"
    "\ee\82\8f\74\6f\63\a5\78\14\78\c8\84\08\02\c7\8c\fa\ff\be\90\eb\6c\50\a4\f7\a3\f9\be\f2\78\71\c6")

  ;; big-endian <-> native (little-endian) 32-bit word
  (func $bswap (param $x i32) (result i32)
    (i32.or
      (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff))
      (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))

  ;; One SHA-256 compression of the 64-byte block at $p into the state at 640.
  (func $compress (param $p i32)
    (local $t i32) (local $w i32) (local $t1 i32) (local $t2 i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    ;; W[0..16): the block's words, big-endian
    (local.set $t (i32.const 0))
    (block $done16
      (loop $load
        (br_if $done16 (i32.ge_u (local.get $t) (i32.const 64)))
        (i32.store (i32.add (i32.const 256) (local.get $t))
          (call $bswap (i32.load (i32.add (local.get $p) (local.get $t)))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $load)))
    ;; W[16..64): W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]   ($t is a byte offset into W)
    (block $done64
      (loop $sched
        (br_if $done64 (i32.ge_u (local.get $t) (i32.const 256)))
        (local.set $w (i32.load (i32.add (i32.const 248) (local.get $t)))) ;; W[t-2]
        (local.set $t1 (i32.xor (i32.xor (i32.rotr (local.get $w) (i32.const 17)) (i32.rotr (local.get $w) (i32.const 19))) (i32.shr_u (local.get $w) (i32.const 10))))
        (local.set $w (i32.load (i32.add (i32.const 196) (local.get $t)))) ;; W[t-15]
        (local.set $t2 (i32.xor (i32.xor (i32.rotr (local.get $w) (i32.const 7)) (i32.rotr (local.get $w) (i32.const 18))) (i32.shr_u (local.get $w) (i32.const 3))))
        (i32.store (i32.add (i32.const 256) (local.get $t))
          (i32.add
            (i32.add (local.get $t1) (i32.load (i32.add (i32.const 228) (local.get $t)))) ;; + W[t-7]
            (i32.add (local.get $t2) (i32.load (i32.add (i32.const 192) (local.get $t)))))) ;; + W[t-16]
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $sched)))
    (local.set $a (i32.load (i32.const 640)))
    (local.set $b (i32.load (i32.const 644)))
    (local.set $c (i32.load (i32.const 648)))
    (local.set $d (i32.load (i32.const 652)))
    (local.set $e (i32.load (i32.const 656)))
    (local.set $f (i32.load (i32.const 660)))
    (local.set $g (i32.load (i32.const 664)))
    (local.set $h (i32.load (i32.const 668)))
    (local.set $t (i32.const 0))
    (block $end
      (loop $round
        (br_if $end (i32.ge_u (local.get $t) (i32.const 256)))
        ;; t1 = h + S1(e) + ch(e, f, g) + K[t] + W[t]
        (local.set $t1
          (i32.add
            (i32.add
              (i32.add (local.get $h)
                (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11))) (i32.rotr (local.get $e) (i32.const 25))))
              (i32.xor (local.get $g) (i32.and (local.get $e) (i32.xor (local.get $f) (local.get $g)))))
            (i32.add (i32.load (local.get $t)) (i32.load (i32.add (i32.const 256) (local.get $t))))))
        ;; t2 = S0(a) + maj(a, b, c)
        (local.set $t2
          (i32.add
            (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13))) (i32.rotr (local.get $a) (i32.const 22)))
            (i32.or (i32.and (local.get $a) (local.get $b)) (i32.and (local.get $c) (i32.or (local.get $a) (local.get $b))))))
        (local.set $h (local.get $g))
        (local.set $g (local.get $f))
        (local.set $f (local.get $e))
        (local.set $e (i32.add (local.get $d) (local.get $t1)))
        (local.set $d (local.get $c))
        (local.set $c (local.get $b))
        (local.set $b (local.get $a))
        (local.set $a (i32.add (local.get $t1) (local.get $t2)))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $round)))
    (i32.store (i32.const 640) (i32.add (i32.load (i32.const 640)) (local.get $a)))
    (i32.store (i32.const 644) (i32.add (i32.load (i32.const 644)) (local.get $b)))
    (i32.store (i32.const 648) (i32.add (i32.load (i32.const 648)) (local.get $c)))
    (i32.store (i32.const 652) (i32.add (i32.load (i32.const 652)) (local.get $d)))
    (i32.store (i32.const 656) (i32.add (i32.load (i32.const 656)) (local.get $e)))
    (i32.store (i32.const 660) (i32.add (i32.load (i32.const 660)) (local.get $f)))
    (i32.store (i32.const 664) (i32.add (i32.load (i32.const 664)) (local.get $g)))
    (i32.store (i32.const 668) (i32.add (i32.load (i32.const 668)) (local.get $h))))

  ;; out + 32 i <- SHA-256(0x01 || in[64 i .. 64 i + 64)) for i < n.
  (func (export "nodes") (param $in i32) (param $n i32) (param $out i32)
    (local $i i32) (local $k i32)
    ;; The padded message is 0x01 || 64 bytes || 0x80 || zeros || 520 as a 64-bit big-endian bit count (128 bytes):
    ;; everything but the 64 input bytes is the same for every node.
    (memory.fill (i32.const 512) (i32.const 0) (i32.const 128))
    (i32.store8 (i32.const 512) (i32.const 0x01))
    (i32.store8 (i32.const 577) (i32.const 0x80))
    (i32.store8 (i32.const 638) (i32.const 0x02))
    (i32.store8 (i32.const 639) (i32.const 0x08))
    (block $end
      (loop $node
        (br_if $end (i32.ge_u (local.get $i) (local.get $n)))
        (memory.copy (i32.const 513) (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 6))) (i32.const 64))
        (i32.store (i32.const 640) (i32.const 0x6a09e667))
        (i32.store (i32.const 644) (i32.const 0xbb67ae85))
        (i32.store (i32.const 648) (i32.const 0x3c6ef372))
        (i32.store (i32.const 652) (i32.const 0xa54ff53a))
        (i32.store (i32.const 656) (i32.const 0x510e527f))
        (i32.store (i32.const 660) (i32.const 0x9b05688c))
        (i32.store (i32.const 664) (i32.const 0x1f83d9ab))
        (i32.store (i32.const 668) (i32.const 0x5be0cd19))
        (call $compress (i32.const 512))
        (call $compress (i32.const 576))
        (local.set $k (i32.const 0))
        (block $stored
          (loop $store
            (br_if $stored (i32.ge_u (local.get $k) (i32.const 32)))
            (i32.store (i32.add (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 5))) (local.get $k))
              (call $bswap (i32.load (i32.add (i32.const 640) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $store)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $node))))
)
