;; Test guest for the runner: the hello answer plus misbehaviour chosen by path.
;;   /trap  executes `unreachable`        /loop  never returns
;;   /grow  grows memory until refused, answers the pages gained
;;   /env   answers its whole environment, one "k=v" line each
;;   /log   writes to stdout and stderr, then answers "logged\n"
;;   /count answers how many requests this instance has served (state kept between requests)
;;   /big   streams 256 KiB of "x" in 4 KiB writes
;;   /echo  streams the request body back as it reads it
;;   /spin  counts down from 30 million before the hello answer (a guest that computes, then writes)
;;   /sleep?ms=N   waits N ms (wasi:clocks subscribe-duration + wasi:io/poll), answers "slept\n"
;;   /block?ms=N   the same through pollable.block
(module
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:cli/stderr@0.2.12" "get-stderr" (func $get_stderr (result i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query" (func $path (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_request (param i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-request.consume" (func $consume (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-body.stream" (func $body_stream (param i32 i32)))
  (import "wasi:io/streams@0.2.12" "[method]input-stream.blocking-read" (func $read (param i32 i64 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response" (func $response_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body" (func $response_body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $stream_write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $drop_stream (param i32)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration" (func $subscribe_duration (param i64) (result i32)))
  (import "wasi:io/poll@0.2.12" "poll" (func $poll (param i32 i32 i32)))
  (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $block (param i32)))
  (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop_pollable (param i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) "TARGET")
  (data (i32.const 32) "Hello ")
  (data (i32.const 48) "World")
  (data (i32.const 64) "/trap")
  (data (i32.const 72) "/loop")
  (data (i32.const 80) "/grow")
  (data (i32.const 88) "/env")
  (data (i32.const 96) "/log")
  (data (i32.const 104) "to stdout\n")
  (data (i32.const 120) "to stderr\n")
  (data (i32.const 136) "logged\n")
  (data (i32.const 152) "/count")
  (data (i32.const 160) "/big")
  (data (i32.const 168) "/echo")
  (data (i32.const 176) "/spin")
  (data (i32.const 184) "/sleep?ms=")
  (data (i32.const 200) "/block?ms=")
  (data (i32.const 216) "slept\n")
  (global $served (mut i32) (i32.const 0))
  (global $heap (mut i32) (i32.const 1024))

  (func $cabi_realloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr
      (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
               (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65535)) (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (if (local.get $old) (then (memory.copy (local.get $ptr) (local.get $old) (local.get $old_size))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  (func $eq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (block $no
      (loop $next
        (br_if $no (i32.ge_u (local.get $i) (local.get $alen)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  (func $alloc (param $n i32) (result i32)
    (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))

  ;; Writes bytes to a stream handle obtained from get-stdout/get-stderr, then drops it.
  (func $print (param $stream i32) (param $p i32) (param $n i32)
    (call $stream_write (local.get $stream) (local.get $p) (local.get $n) (i32.const 560))
    (call $drop_stream (local.get $stream)))

  ;; Decimal digits of $v at a fresh buffer; returns the pointer, length in global $outlen.
  (global $outlen (mut i32) (i32.const 0))
  (func $itoa (param $v i32) (result i32)
    (local $buf i32) (local $p i32) (local $start i32) (local $t i32)
    (local.set $buf (call $alloc (i32.const 12)))
    (local.set $p (i32.add (local.get $buf) (i32.const 11)))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $d
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $d (local.get $v)))
    (global.set $outlen (i32.sub (i32.add (local.get $buf) (i32.const 12)) (local.get $p)))
    (local.get $p))

  (func $respond (param $out i32) (param $buf i32) (param $len i32)
    (local $response i32) (local $body i32) (local $stream i32)
    (local.set $response (call $response_new (call $fields_new)))
    (call $response_body (local.get $response) (i32.const 528))
    (local.set $body (i32.load (i32.const 532)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $body_write (local.get $body) (i32.const 528))
    (local.set $stream (i32.load (i32.const 532)))
    (call $stream_write (local.get $stream) (local.get $buf) (local.get $len) (i32.const 528))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 528)))

  (func $big (param $out i32)
    (local $response i32) (local $body i32) (local $stream i32) (local $buf i32) (local $i i32)
    (local.set $buf (call $alloc (i32.const 4096)))
    (memory.fill (local.get $buf) (i32.const 120) (i32.const 4096))
    (local.set $response (call $response_new (call $fields_new)))
    (call $response_body (local.get $response) (i32.const 528))
    (local.set $body (i32.load (i32.const 532)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $body_write (local.get $body) (i32.const 528))
    (local.set $stream (i32.load (i32.const 532)))
    (loop $more
      (call $stream_write (local.get $stream) (local.get $buf) (i32.const 4096) (i32.const 528))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 64))))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 528)))

  (func $echo (param $out i32) (param $in i32)
    (local $response i32) (local $body i32) (local $stream i32)
    (local.set $response (call $response_new (call $fields_new)))
    (call $response_body (local.get $response) (i32.const 528))
    (local.set $body (i32.load (i32.const 532)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $body_write (local.get $body) (i32.const 528))
    (local.set $stream (i32.load (i32.const 532)))
    (block $end
      (loop $more
        ;; each read allocates; the heap restarts per chunk since nothing outlives a write
        (global.set $heap (i32.const 1024))
        (call $read (local.get $in) (i64.const 4096) (i32.const 592))
        (br_if $end (i32.load8_u (i32.const 592)))
        (call $stream_write (local.get $stream) (i32.load (i32.const 596)) (i32.load (i32.const 600)) (i32.const 528))
        (br $more)))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 528)))

;; The number after the 10-byte prefix "/sleep?ms=" / "/block?ms=".
  (func $ms (param $p i32) (param $plen i32) (result i64)
    (local $i i32) (local $v i64)
    (local.set $i (i32.const 10))
    (block $done
      (loop $digit
        (br_if $done (i32.ge_u (local.get $i) (local.get $plen)))
        (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10))
          (i64.extend_i32_u (i32.sub (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 48)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $digit)))
    (local.get $v))

  ;; Waits $ms through poll (or pollable.block when $use_block), then answers "slept\n".
  (func $sleep (param $out i32) (param $ms i64) (param $use_block i32)
    (local $pollable i32)
    (local.set $pollable (call $subscribe_duration (i64.mul (local.get $ms) (i64.const 1000000))))
    (if (local.get $use_block)
      (then (call $block (local.get $pollable)))
      (else
        (i32.store (i32.const 640) (local.get $pollable))
        (call $poll (i32.const 640) (i32.const 1) (i32.const 648))))
    (call $drop_pollable (local.get $pollable))
    (call $respond (local.get $out) (i32.const 216) (i32.const 6)))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $out i32)
    (local $p i32) (local $plen i32)
    (local $env i32) (local $n i32) (local $target i32) (local $target_len i32)
    (local $buf i32) (local $len i32) (local $grown i32)
    (global.set $heap (i32.const 1024))
    (call $path (local.get $request) (i32.const 512))
    (local.set $p (i32.load (i32.const 516)))
    (local.set $plen (i32.load (i32.const 520)))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 168) (i32.const 5))
      (then
        (call $consume (local.get $request) (i32.const 576))
        (call $body_stream (i32.load (i32.const 580)) (i32.const 576))
        (call $drop_request (local.get $request))
        (call $echo (local.get $out) (i32.load (i32.const 580)))
        (return)))
    (call $drop_request (local.get $request))
    (global.set $served (i32.add (global.get $served) (i32.const 1)))
    (if (i32.ge_u (local.get $plen) (i32.const 10))
      (then
        (if (call $eq (local.get $p) (i32.const 10) (i32.const 184) (i32.const 10))
          (then (call $sleep (local.get $out) (call $ms (local.get $p) (local.get $plen)) (i32.const 0)) (return)))
        (if (call $eq (local.get $p) (i32.const 10) (i32.const 200) (i32.const 10))
          (then (call $sleep (local.get $out) (call $ms (local.get $p) (local.get $plen)) (i32.const 1)) (return)))))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 160) (i32.const 4))
      (then (call $big (local.get $out)) (return)))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 152) (i32.const 6))
      (then
        (local.set $buf (call $itoa (global.get $served)))
        (call $respond (local.get $out) (local.get $buf) (global.get $outlen))
        (return)))

    (if (call $eq (local.get $p) (local.get $plen) (i32.const 176) (i32.const 5))
      (then
        (local.set $grown (i32.const 30000000))
        (loop $spin
          (local.set $grown (i32.sub (local.get $grown) (i32.const 1)))
          (br_if $spin (local.get $grown)))))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 64) (i32.const 5)) (then unreachable))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 72) (i32.const 5)) (then (loop $forever (br $forever))))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 80) (i32.const 5))
      (then
        (block $full
          (loop $more
            (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
            (local.set $grown (i32.add (local.get $grown) (i32.const 1)))
            (br $more)))
        (local.set $buf (call $itoa (local.get $grown)))
        (call $respond (local.get $out) (local.get $buf) (global.get $outlen))
        (return)))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 96) (i32.const 4))
      (then
        (call $print (call $get_stdout) (i32.const 104) (i32.const 10))
        (call $print (call $get_stderr) (i32.const 120) (i32.const 10))
        (call $respond (local.get $out) (i32.const 136) (i32.const 7))
        (return)))

    (call $get_env (i32.const 512))
    (local.set $env (i32.load (i32.const 512)))
    (local.set $n (i32.load (i32.const 516)))
    (if (call $eq (local.get $p) (local.get $plen) (i32.const 88) (i32.const 4))
      (then
        ;; k=v\n for every variable
        (local.set $buf (global.get $heap))
        (local.set $len (i32.const 0))
        (block $done
          (loop $each
            (br_if $done (i32.eqz (local.get $n)))
            (drop (call $alloc (i32.add (i32.add (i32.load offset=4 (local.get $env)) (i32.load offset=12 (local.get $env))) (i32.const 2))))
            (memory.copy (i32.add (local.get $buf) (local.get $len)) (i32.load (local.get $env)) (i32.load offset=4 (local.get $env)))
            (local.set $len (i32.add (local.get $len) (i32.load offset=4 (local.get $env))))
            (i32.store8 (i32.add (local.get $buf) (local.get $len)) (i32.const 61))
            (local.set $len (i32.add (local.get $len) (i32.const 1)))
            (memory.copy (i32.add (local.get $buf) (local.get $len)) (i32.load offset=8 (local.get $env)) (i32.load offset=12 (local.get $env)))
            (local.set $len (i32.add (local.get $len) (i32.load offset=12 (local.get $env))))
            (i32.store8 (i32.add (local.get $buf) (local.get $len)) (i32.const 10))
            (local.set $len (i32.add (local.get $len) (i32.const 1)))
            (local.set $env (i32.add (local.get $env) (i32.const 16)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $each)))
        (call $respond (local.get $out) (local.get $buf) (local.get $len))
        (return)))

    (local.set $target (i32.const 48))
    (local.set $target_len (i32.const 5))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (if (call $eq (i32.load (local.get $env)) (i32.load offset=4 (local.get $env)) (i32.const 16) (i32.const 6))
          (then
            (local.set $target (i32.load offset=8 (local.get $env)))
            (local.set $target_len (i32.load offset=12 (local.get $env)))))
        (local.set $env (i32.add (local.get $env) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each)))
    (local.set $len (i32.add (local.get $target_len) (i32.const 8)))
    (local.set $buf (call $alloc (local.get $len)))
    (memory.copy (local.get $buf) (i32.const 32) (i32.const 6))
    (memory.copy (i32.add (local.get $buf) (i32.const 6)) (local.get $target) (local.get $target_len))
    (i32.store16 (i32.add (local.get $buf) (i32.add (local.get $target_len) (i32.const 6))) (i32.const 0x0a21))
    (call $respond (local.get $out) (local.get $buf) (local.get $len)))
)
