package main

import "flag"

var updateScripts = flag.Bool("update", false, "rewrite expected output in testdata/script")
