//go:build !amd64 || purego

package kernel

// bestImpl returns the pure-Go kernels, the only ones on this platform.
func bestImpl() *impl { return goImpl }

// allImpls lists every kernel set compiled in, for tests.
func allImpls() []*impl { return []*impl{goImpl} }

// implUsable reports whether the CPU can run im.
func implUsable(im *impl) bool { return true }
