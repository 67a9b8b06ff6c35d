package viz

import (
	"io"
	"testing"
)

// BenchmarkModelGrid renders the 144-head grid of a GPT-2-small-sized trace
// (12 layers × 12 heads, 64 tokens) in each format.
func BenchmarkModelGrid(b *testing.B) {
	tr := synth(b, 12, 12, 64, 4)
	for _, format := range Formats() {
		if format == "eps" {
			continue // refuses more cells than it can draw as vectors
		}
		b.Run(format, func(b *testing.B) {
			req := Request{Kind: KindModel, Format: format}
			for b.Loop() {
				if err := Render(io.Discard, tr, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAttention renders one 64-token pattern, as the web app's
// download button does.
func BenchmarkAttention(b *testing.B) {
	tr := synth(b, 1, 1, 64, 4)
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			req := Request{Kind: KindAttention, Format: format}
			for b.Loop() {
				if err := Render(io.Discard, tr, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
