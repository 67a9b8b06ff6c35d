//go:build unix

package main

import (
	"testing"
	"time"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

func TestPairedRatio(t *testing.T) {
	ms := func(v float64) sample { return sample{wall: time.Duration(v * float64(time.Millisecond))} }
	tests := []struct {
		name        string
		runs        []sample
		torch       []float64
		med, lo, hi float64
	}{
		{"rounds pair up", []sample{ms(100), ms(300), ms(200)}, []float64{0.2, 0.3, 0.1}, 1, 0.5, 2},
		{"a busy round on both sides cancels", []sample{ms(100), ms(400)}, []float64{0.1, 0.4}, 1, 1, 1},
		{"extra explorer rounds are left out", []sample{ms(100), ms(200), ms(900)}, []float64{0.2, 0.2}, 0.75, 0.5, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			med, lo, hi := pairedRatio(tc.runs, tc.torch)
			tracetest.Check(t, "median, lowest, highest", []float64{med, lo, hi}, []float64{tc.med, tc.lo, tc.hi}, trace.Tolerance{Abs: 1e-12})
		})
	}
}
