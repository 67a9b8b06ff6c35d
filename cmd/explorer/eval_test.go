package main

import (
	"strings"
	"testing"
)

// TestCLIEval measures the embedded model on two held-out documents per
// part and language and checks the report has its three sections.
func TestCLIEval(t *testing.T) {
	code, out, stderr := runCLI(t, "eval", "--stories", "2", "--lang", "en", "--show")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"held-out loss", "\nstories ", "translation", "exact match", "qa", "want ", "got ", "best: "} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCLI(t, "eval", "--lang", "fr"); code == 0 {
		t.Error("eval --lang fr succeeded")
	}
	if code, _, _ := runCLI(t, "eval", "--stories", "0"); code == 0 {
		t.Error("eval --stories 0 succeeded")
	}
}
