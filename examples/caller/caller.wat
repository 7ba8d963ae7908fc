;; A service that calls another one: every request GETs http://$UPSTREAM/ (a cluster-local name such
;; as helloworld.example.svc.cluster.local) and answers with the upstream's body, or "error N\n" with
;; N the wasi:http error-code case (15 = HTTP-request-denied, 36 = loop-detected). Under the runner's
;; JSPI host the call suspends the guest instead of blocking its worker, and a few KB of WAT cost
;; next to no CPU per request: what the benchmark's service-to-service rows measure is the path
;; (gateway → activator → runner → outbound → gateway → callee), not a language runtime.
;; The same module as the runner's outbound test guest (packages/runner/src/testing/outbound.wat).
(module
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  (import "wasi:http/types@0.2.12" "[resource-drop]incoming-request" (func $drop_request (param i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-request" (func $request_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-authority" (func $set_authority (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.get" (func $future_get (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-response.consume" (func $consume (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-body.stream" (func $body_stream (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-response" (func $response_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-response.body" (func $response_body (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-body.write" (func $body_write (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[static]outgoing-body.finish" (func $body_finish (param i32 i32 i32 i32)))
  (import "wasi:http/outgoing-handler@0.2.12" "handle" (func $send (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[method]input-stream.blocking-read" (func $read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $stream_write (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.12" "[resource-drop]output-stream" (func $drop_stream (param i32)))

  (memory (export "memory") 1)
  (data (i32.const 16) "UPSTREAM")
  (data (i32.const 32) "error   \0a")
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

  (func $eq8 (param $a i32) (param $alen i32) (result i32)
    (if (i32.ne (local.get $alen) (i32.const 8)) (then (return (i32.const 0))))
    (i64.eq (i64.load (local.get $a)) (i64.load (i32.const 16))))

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

  ;; "error NN\n" for an error-code case number below 100
  (func $error (param $out i32) (param $code i32)
    (i32.store8 offset=6 (i32.const 32) (i32.add (i32.const 48) (i32.div_u (local.get $code) (i32.const 10))))
    (i32.store8 offset=7 (i32.const 32) (i32.add (i32.const 48) (i32.rem_u (local.get $code) (i32.const 10))))
    (call $respond (local.get $out) (i32.const 32) (i32.const 9)))

  (func (export "wasi:http/incoming-handler@0.2.12#handle") (param $request i32) (param $out i32)
    (local $env i32) (local $n i32) (local $auth i32) (local $auth_len i32)
    (local $req i32) (local $future i32) (local $resp i32) (local $body i32) (local $stream i32)
    (global.set $heap (i32.const 1024))
    (call $drop_request (local.get $request))
    (call $get_env (i32.const 512))
    (local.set $env (i32.load (i32.const 512)))
    (local.set $n (i32.load (i32.const 516)))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (if (call $eq8 (i32.load (local.get $env)) (i32.load offset=4 (local.get $env)))
          (then
            (local.set $auth (i32.load offset=8 (local.get $env)))
            (local.set $auth_len (i32.load offset=12 (local.get $env)))))
        (local.set $env (i32.add (local.get $env) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $each)))

    (local.set $req (call $request_new (call $fields_new)))
    (drop (call $set_authority (local.get $req) (i32.const 1) (local.get $auth) (local.get $auth_len)))
    (call $send (local.get $req) (i32.const 0) (i32.const 0) (i32.const 576))
    (if (i32.load8_u (i32.const 576))
      (then (call $error (local.get $out) (i32.load8_u (i32.const 584))) (return)))
    (local.set $future (i32.load (i32.const 584)))
    (call $future_get (local.get $future) (i32.const 608))
    ;; some(ok(ok(response))) expected: 608 option, 616 outer result, 624 inner result, 632 payload
    (if (i32.load8_u (i32.const 624))
      (then (call $error (local.get $out) (i32.load8_u (i32.const 632))) (return)))
    (local.set $resp (i32.load (i32.const 632)))
    (call $consume (local.get $resp) (i32.const 656))
    (local.set $body (i32.load (i32.const 660)))
    (call $body_stream (local.get $body) (i32.const 656))
    (local.set $stream (i32.load (i32.const 660)))
    (call $read (local.get $stream) (i64.const 4096) (i32.const 656))
    (call $respond (local.get $out) (i32.load (i32.const 660)) (i32.load (i32.const 664))))
)
