;; Knative's helloworld as a wasi:http/proxy component, written by hand so it stays tiny (a few KB)
;; and builds in about a second: answers "Hello <TARGET>!\n", TARGET from wasi:cli/environment.
(module
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_request (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.12" "[method]fields.append" (func $fields_append (param i32 i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response" (func $response_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body" (func $response_body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $stream_write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $drop_stream (param i32)))

  (memory (export "memory") 1)
  ;; Static data below 1024; 512..575 is scratch for return areas; the heap starts at 1024.
  (data (i32.const 16) "TARGET")
  (data (i32.const 32) "Hello ")
  (data (i32.const 48) "World")
  (data (i32.const 64) "content-type")
  (data (i32.const 80) "text/plain; charset=utf-8")
  (global $heap (mut i32) (i32.const 1024))

  ;; Bump allocator for the host's lowering (environment strings). Reset at every request: nothing
  ;; the guest allocates outlives one call of handle.
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

  ;; 1 when the 6 bytes at $p spell TARGET.
  (func $is_target (param $p i32) (param $len i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $len) (i32.const 6)) (then (return (i32.const 0))))
    (block $no
      (loop $next
        (br_if $no (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                           (i32.load8_u (i32.add (i32.const 16) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const 6))))
      (return (i32.const 1)))
    (i32.const 0))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $out i32)
    (local $env i32) (local $n i32) (local $e i32)
    (local $target i32) (local $target_len i32)
    (local $buf i32) (local $len i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
    (global.set $heap (i32.const 1024))
    (call $drop_request (local.get $request))

    (local.set $target (i32.const 48))
    (local.set $target_len (i32.const 5))
    (call $get_env (i32.const 512))
    (local.set $env (i32.load (i32.const 512)))
    (local.set $n (i32.load (i32.const 516)))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (if (call $is_target (i32.load (local.get $env)) (i32.load offset=4 (local.get $env)))
          (then
            (local.set $target (i32.load offset=8 (local.get $env)))
            (local.set $target_len (i32.load offset=12 (local.get $env)))))
        (local.set $env (i32.add (local.get $env) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each)))

    ;; "Hello " + target + "!\n"
    (local.set $len (i32.add (local.get $target_len) (i32.const 8)))
    (local.set $buf (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $len)))
    (memory.copy (local.get $buf) (i32.const 32) (i32.const 6))
    (memory.copy (i32.add (local.get $buf) (i32.const 6)) (local.get $target) (local.get $target_len))
    (i32.store16 (i32.add (local.get $buf) (i32.add (local.get $target_len) (i32.const 6))) (i32.const 0x0a21))

    (local.set $headers (call $fields_new))
    (call $fields_append (local.get $headers) (i32.const 64) (i32.const 12) (i32.const 80) (i32.const 25) (i32.const 528))
    (local.set $response (call $response_new (local.get $headers)))
    (call $response_body (local.get $response) (i32.const 528))
    (local.set $body (i32.load (i32.const 532)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response)
      (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $body_write (local.get $body) (i32.const 528))
    (local.set $stream (i32.load (i32.const 532)))
    (call $stream_write (local.get $stream) (local.get $buf) (local.get $len) (i32.const 528))
    (call $drop_stream (local.get $stream))
    (call $body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 528)))
)
