// A test server for memory limits: like Knative's autoscale-go, /?bloat=N allocates and touches N MiB.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
)

var kept [][]byte

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if n, err := strconv.Atoi(r.URL.Query().Get("bloat")); err == nil && n > 0 {
			b := make([]byte, n<<20)
			for i := range b {
				b[i] = 1
			}
			kept = append(kept, b)
		}
		fmt.Fprintf(w, "ok %s\n", os.Getenv("K_REVISION"))
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := http.ListenAndServe(":"+port, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
