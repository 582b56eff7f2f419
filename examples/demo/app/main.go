// Command shop-app is the Go half of the example product that make demo
// releases: a module with one requirement, built with its version stamped.
package main

import (
	"fmt"

	"github.com/google/uuid"
)

// version is set at build time: -ldflags "-X main.version=v1.0.0".
var version = "dev"

func main() {
	fmt.Printf("shop-app %s, order %s\n", version, uuid.NewString())
}
