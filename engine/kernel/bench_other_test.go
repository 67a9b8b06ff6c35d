//go:build !amd64 || purego

package kernel

// peakNow returns 0: there is no FMA peak loop on this platform, and the
// benchmarks then report no %peak.
func peakNow(p *Pool) float64 { return 0 }
