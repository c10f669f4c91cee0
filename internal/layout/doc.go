// Package layout holds the test that keeps hearth's package layout true:
// which project packages may import which (DESIGN.md's table), checked
// with `go list -deps` rather than by review.
package layout
