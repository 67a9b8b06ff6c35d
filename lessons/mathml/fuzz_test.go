package mathml

import (
	"errors"
	"strings"
	"testing"
)

// FuzzConvert checks that Convert never panics, that every error is an
// *Error pointing inside the input, and that every success is well-formed
// MathML whose annotation is the input.
func FuzzConvert(f *testing.F) {
	for _, tex := range lessonFormulas {
		f.Add(tex, true)
	}
	for _, tt := range convertTests {
		f.Add(tt.tex, tt.display)
	}
	for _, tt := range errorTests {
		f.Add(tt.tex, false)
	}
	f.Add(strings.Repeat("{", 300)+"x"+strings.Repeat("}", 300), false)
	f.Fuzz(func(t *testing.T, tex string, display bool) {
		out, err := Convert(tex, display)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Convert(%q) error %v is not an *Error", tex, err)
			}
			if e.Offset < 0 || e.Offset > len(tex) {
				t.Fatalf("Convert(%q) error offset %d outside [0, %d]", tex, e.Offset, len(tex))
			}
			if out != "" {
				t.Fatalf("Convert(%q) returned output with an error", tex)
			}
			return
		}
		if err := checkMathML(tex, out); err != nil {
			t.Fatalf("Convert(%q, %v): %v\n%s", tex, display, err, out)
		}
	})
}
