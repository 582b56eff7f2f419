//go:build !linux

package main

import "os"

// swapIn renames tmp over name: only Linux can exchange two files.
var swapIn = func(tmp, name string) (int, error) {
	return swapReplaced, os.Rename(tmp, name)
}
