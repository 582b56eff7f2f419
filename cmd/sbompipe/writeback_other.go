//go:build !linux

package main

import "os"

// startWriteback does nothing here: only Linux has sync_file_range.
func startWriteback(*os.File, int64, int64) {}
