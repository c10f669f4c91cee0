package main

import (
	"log/slog"
	"runtime/debug"
)

// goRecover runs fn in a new goroutine; a panic in it is logged with its
// stack instead of crashing the process.
func goRecover(log *slog.Logger, name string, fn func()) {
	go func() {
		defer func() {
			if p := recover(); p != nil {
				log.Error(name+" panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		fn()
	}()
}
