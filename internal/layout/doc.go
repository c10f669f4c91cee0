// Package layout holds the test that keeps hearth's package layout true:
// which project packages may depend on which, directly or through another
// package, and which may use anything outside the standard library
// (DESIGN.md's table), checked with `go list -deps` rather than by review.
package layout
