;; A guest that only waits: every request sleeps ?ms=N milliseconds (default 100, at most 60000)
;; through wasi:clocks subscribe-duration + wasi:io/poll, then answers "slept N ms\n". Under the
;; runner's JSPI host the poll suspends the call instead of the thread, so one worker interleaves many
;; sleeping requests: the shape of a service that waits on a database or another API, without the
;; CPU a language runtime adds, which is why the benchmark's waiting rows use it.
;; A bad ms answers 400 naming the parameter. Written by hand, like helloworld, to stay a few KB.
(module
  (import "wasi:http/types@0.2.12" "[method]incoming-request.path-with-query" (func $path (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_request (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.append" (func $fields_append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response" (func $response_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.set-status-code" (func $set_status (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body" (func $response_body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $stream_write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $drop_stream (param i32)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration" (func $subscribe_duration (param i64) (result i32)))
  (import "wasi:io/poll@0.2.12" "poll" (func $poll (param i32 i32 i32)))
  (import "wasi:io/poll@0.2.12" "[resource-drop]pollable" (func $drop_pollable (param i32)))

  (memory (export "memory") 1)
  ;; Static data below 512; 512..575 is scratch for return areas, 640..655 the poll list and its
  ;; answer; the heap starts at 1024 and restarts at every request (one call in flight per instance).
  (data (i32.const 16) "slept ")
  (data (i32.const 32) " ms\n")
  (data (i32.const 48) "content-type")
  (data (i32.const 64) "text/plain; charset=utf-8")
  (data (i32.const 96) "ms: want an integer from 0 to 60000\n")
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

  ;; The value of the query's `ms` parameter: 100 when absent, -1 when not an integer in 0..60000.
  (func $query_ms (param $p i32) (param $len i32) (result i64)
    (local $i i32) (local $end i32) (local $c i32) (local $v i64)
    ;; skip the path up to '?'
    (block $query
      (loop $path
        (if (i32.ge_u (local.get $i) (local.get $len)) (then (return (i64.const 100))))
        (br_if $query (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 63)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $path)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (loop $param
      (if (i32.ge_u (local.get $i) (local.get $len)) (then (return (i64.const 100))))
      ;; $end: the '&' that ends this parameter, or the end of the query
      (local.set $end (local.get $i))
      (block $found
        (loop $scan
          (br_if $found (i32.ge_u (local.get $end) (local.get $len)))
          (br_if $found (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $end))) (i32.const 38)))
          (local.set $end (i32.add (local.get $end) (i32.const 1)))
          (br $scan)))
      ;; "ms=" (bytes m s =) followed by 1..5 digits, at most 60000
      (if (i32.and
            (i32.ge_u (i32.sub (local.get $end) (local.get $i)) (i32.const 3))
            (i32.and
              (i32.eq (i32.load16_u (i32.add (local.get $p) (local.get $i))) (i32.const 0x736d))
              (i32.eq (i32.load8_u offset=2 (i32.add (local.get $p) (local.get $i))) (i32.const 61))))
        (then
          (local.set $i (i32.add (local.get $i) (i32.const 3)))
          (if (i32.eq (local.get $i) (local.get $end)) (then (return (i64.const -1))))
          (loop $digit
            (local.set $c (i32.sub (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 48)))
            (if (i32.gt_u (local.get $c) (i32.const 9)) (then (return (i64.const -1))))
            (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10)) (i64.extend_i32_u (local.get $c))))
            (if (i64.gt_u (local.get $v) (i64.const 60000)) (then (return (i64.const -1))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $digit (i32.lt_u (local.get $i) (local.get $end))))
          (return (local.get $v))))
      (local.set $i (i32.add (local.get $end) (i32.const 1)))
      (br $param))
    (i64.const 100))

  ;; Sends $status with the $len bytes at $buf as a text/plain body.
  (func $respond (param $out i32) (param $status i32) (param $buf i32) (param $len i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
    (local.set $headers (call $fields_new))
    (call $fields_append (local.get $headers) (i32.const 48) (i32.const 12) (i32.const 64) (i32.const 25) (i32.const 528))
    (local.set $response (call $response_new (local.get $headers)))
    (drop (call $set_status (local.get $response) (local.get $status)))
    (call $response_body (local.get $response) (i32.const 528))
    (local.set $body (i32.load (i32.const 532)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $body_write (local.get $body) (i32.const 528))
    (local.set $stream (i32.load (i32.const 532)))
    (call $stream_write (local.get $stream) (local.get $buf) (local.get $len) (i32.const 528))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 528)))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $out i32)
    (local $ms i64) (local $pollable i32) (local $buf i32) (local $len i32) (local $d i32) (local $v i32)
    (global.set $heap (i32.const 1024))
    (call $path (local.get $request) (i32.const 512))
    (local.set $ms (i64.const 100))
    (if (i32.load8_u (i32.const 512))
      (then (local.set $ms (call $query_ms (i32.load (i32.const 516)) (i32.load (i32.const 520))))))
    (call $drop_request (local.get $request))
    (if (i64.lt_s (local.get $ms) (i64.const 0))
      (then (call $respond (local.get $out) (i32.const 400) (i32.const 96) (i32.const 36)) (return)))

    (local.set $pollable (call $subscribe_duration (i64.mul (local.get $ms) (i64.const 1000000))))
    (i32.store (i32.const 640) (local.get $pollable))
    (call $poll (i32.const 640) (i32.const 1) (i32.const 648))
    (call $drop_pollable (local.get $pollable))

    ;; "slept " + decimal ms + " ms\n"; the digits are written backwards from the end of a 5-byte slot
    (local.set $buf (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
    (memory.copy (local.get $buf) (i32.const 16) (i32.const 6))
    (local.set $v (i32.wrap_i64 (local.get $ms)))
    (local.set $d (i32.add (local.get $buf) (i32.const 11)))
    (loop $digits
      (local.set $d (i32.sub (local.get $d) (i32.const 1)))
      (i32.store8 (local.get $d) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digits (local.get $v)))
    (local.set $len (i32.sub (i32.add (local.get $buf) (i32.const 11)) (local.get $d)))
    (memory.copy (i32.add (local.get $buf) (i32.const 6)) (local.get $d) (local.get $len))
    (memory.copy (i32.add (local.get $buf) (i32.add (i32.const 6) (local.get $len))) (i32.const 32) (i32.const 4))
    (call $respond (local.get $out) (i32.const 200) (local.get $buf) (i32.add (local.get $len) (i32.const 10))))
)
