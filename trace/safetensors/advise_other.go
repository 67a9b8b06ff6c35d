//go:build !linux

package safetensors

// adviseHuge does nothing outside Linux; see advise_linux.go.
func adviseHuge([]byte) {}
