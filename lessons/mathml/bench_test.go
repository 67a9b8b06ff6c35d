package mathml

import "testing"

func BenchmarkConvertAttention(b *testing.B) {
	const tex = `\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}} + M\right)V`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Convert(tex, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConvertLessons(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, tex := range lessonFormulas {
			if _, err := Convert(tex, true); err != nil {
				b.Fatal(err)
			}
		}
	}
}
