package engine

import (
	"errors"
	"math"
	"testing"
)

func TestDistribution(t *testing.T) {
	logits := []float32{2, 1, 0, -1}
	// Reference: softmax of logits/τ computed independently in float64.
	ref := func(tau float64, keep []int) []float64 {
		out := make([]float64, len(logits))
		var sum float64
		for _, i := range keep {
			out[i] = math.Exp(float64(logits[i]) / tau)
			sum += out[i]
		}
		for i := range out {
			out[i] /= sum
		}
		return out
	}
	tests := []struct {
		name string
		opt  SampleOptions
		want []float64
	}{
		{"plain", SampleOptions{Temperature: 1}, ref(1, []int{0, 1, 2, 3})},
		{"hot", SampleOptions{Temperature: 2}, ref(2, []int{0, 1, 2, 3})},
		{"top-k 2", SampleOptions{Temperature: 1, TopK: 2}, ref(1, []int{0, 1})},
		// p = [.644 .237 .087 .032]: .644 < .7, so the nucleus is the top two.
		{"top-p .7", SampleOptions{Temperature: 1, TopP: 0.7}, ref(1, []int{0, 1})},
		{"top-p .9", SampleOptions{Temperature: 1, TopP: 0.9}, ref(1, []int{0, 1, 2})},
		{"greedy", SampleOptions{Temperature: 0}, []float64{1, 0, 0, 0}},
	}
	for _, tt := range tests {
		got := NewSampler(tt.opt, nil).Distribution(logits)
		for i := range got {
			if !(math.Abs(got[i]-tt.want[i]) <= 1e-12) {
				t.Errorf("%s: Distribution = %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
}

func TestSampleIsSeededAndFollowsTheDistribution(t *testing.T) {
	logits := []float32{0, float32(math.Log(3)), -50}
	opt := SampleOptions{Temperature: 1}
	a, b := NewSampler(opt, NewRand(7)), NewSampler(opt, NewRand(7))
	counts := make([]int, 3)
	const n = 20000
	for i := 0; i < n; i++ {
		x, y := a.Sample(logits), b.Sample(logits)
		if x != y {
			t.Fatalf("draw %d: same seed gave %d and %d", i, x, y)
		}
		counts[x]++
	}
	// Token 1 has probability 3/4; a 5σ band is ±0.015.
	if f := float64(counts[1]) / n; math.Abs(f-0.75) > 0.015 || counts[2] > 0 {
		t.Errorf("frequencies %v, want token 1 at 0.75 and token 2 never", counts)
	}
}

func TestStopWriter(t *testing.T) {
	tests := []struct {
		stops   []string
		pieces  []string
		wantOut []string // what each write releases
		text    string
		stopped bool
	}{
		{nil, []string{"Hel", "lo"}, []string{"Hel", "lo"}, "Hello", false},
		{[]string{"\n\n"}, []string{"a\n", "b\n", "\nc"}, []string{"a", "\nb", ""}, "a\nb", true},
		{[]string{"END"}, []string{"xE", "N", "Dy"}, []string{"x", "", ""}, "x", true},
		{[]string{"END"}, []string{"xE", "Nz"}, []string{"x", "ENz"}, "xENz", false},
		// A split UTF-8 character is held until complete: "é" is C3 A9.
		{nil, []string{"caf\xc3", "\xa9!"}, []string{"caf", "é!"}, "café!", false},
	}
	for _, tt := range tests {
		w := newStopWriter(tt.stops)
		var stopped bool
		for i, p := range tt.pieces {
			out, s := w.write([]byte(p))
			if string(out) != tt.wantOut[i] {
				t.Errorf("stops %q: write(%q) released %q, want %q", tt.stops, p, out, tt.wantOut[i])
			}
			stopped = s
		}
		if w.String() != tt.text || stopped != tt.stopped {
			t.Errorf("stops %q: text %q stopped %v, want %q %v", tt.stops, w.String(), stopped, tt.text, tt.stopped)
		}
	}
}

func TestSampleOptionsValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		opt SampleOptions
		ok  bool
	}{
		{SampleOptions{Temperature: 1, TopP: 1}, true},
		{SampleOptions{}, true}, // greedy, every token
		{SampleOptions{Temperature: MaxTemperature, TopK: MaxTopK, TopP: 0.5}, true},
		{SampleOptions{Temperature: -0.1}, false},
		{SampleOptions{Temperature: MaxTemperature + 1}, false},
		{SampleOptions{Temperature: nan}, false},
		{SampleOptions{Temperature: inf}, false},
		{SampleOptions{Temperature: -inf}, false},
		{SampleOptions{TopK: -1}, false},
		{SampleOptions{TopK: MaxTopK + 1}, false},
		{SampleOptions{TopP: nan}, false},
		{SampleOptions{TopP: 1.0001}, false},
		{SampleOptions{TopP: -0.5}, false},
		{SampleOptions{TopP: inf}, false},
	} {
		err := tt.opt.Validate()
		var se *SampleError
		if (err == nil) != tt.ok || (err != nil && !errors.As(err, &se)) {
			t.Errorf("%+v.Validate() = %v, want ok %v", tt.opt, err, tt.ok)
		}
	}
}
