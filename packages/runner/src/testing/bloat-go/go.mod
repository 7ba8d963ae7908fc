module kedge.dev/testing/bloat

go 1.19
