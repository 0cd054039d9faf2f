// Package layering holds the test that keeps the code's floors in order (ARCHITECTURE.md): each
// internal package sits on one floor, and a package imports only packages on floors below its
// own. It has no code of its own; the rule is the test.
package layering
