package trace

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"testing"
	"time"
)

// refMatch is the definition of a pattern match written as plainly as
// possible, by recursion over the parts (exponential in the number of
// "**", so only for small cases): the reference the compiled matcher is
// checked against.
func refMatch(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "**" {
		for skip := 0; skip <= len(name); skip++ {
			if refMatch(pattern[1:], name[skip:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, _ := path.Match(pattern[0], name[0])
	return ok && refMatch(pattern[1:], name[1:])
}

// TestMatchAgreesWithReference compares the compiled matcher with the
// recursive definition on random patterns over random and real names.
func TestMatchAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	atoms := []string{"**", "*", "blocks", "0", "1", "?", "attn", "hook_*", "hook_pattern", "[01]", "ln1", "*_q", "logits"}
	names := Names(2)
	names = append(names, "a.b.c.d.e.f", "blocks", "", "x..y")
	for i := 0; i < 20000; i++ {
		parts := make([]string, 1+rng.IntN(6))
		for j := range parts {
			parts[j] = atoms[rng.IntN(len(atoms))]
		}
		p, err := compile(strings.Join(parts, "."))
		if err != nil {
			t.Fatal(err)
		}
		name := names[rng.IntN(len(names))]
		if got, want := p.match(name), refMatch(parts, strings.Split(name, ".")); got != want {
			t.Fatalf("pattern %q on %q: got %v, want %v", strings.Join(parts, "."), name, got, want)
		}
	}
}

// TestAdversarialPatterns matches the worst patterns a page may send, at
// the length bound, against every hook of a 48-layer model, and a
// selection of MaxPatterns of them. The recursive matcher this replaced
// took about 20 s of a core for one 300-byte pattern of repeated "**";
// the bound here is generous for a slow, shared machine and still
// thousands of times below that.
func TestAdversarialPatterns(t *testing.T) {
	fill := func(unit, end string) string {
		return strings.Repeat(unit, (MaxPatternBytes-len(end))/len(unit)) + end
	}
	adversarial := []string{
		fill("**.", "nope"),      // merged into one "**", then fails
		fill("**.*.", "nope"),    // alternating: nothing to merge, needs ≥ 50 parts
		fill("*a", "*"),          // one part of many stars
		fill("*.**.", "hook_q"),  // alternating, fails on the part count
		fill("[a-z]*.**.", "?"),  // classes and stars
		fill("**.", "hook_q"),    // matches every layer's queries
		fill("**.", "*_pattern"), // matches every pattern
	}
	names := Names(48)
	start := time.Now()
	matches := 0
	for _, p := range adversarial {
		pat, err := compile(p)
		if err != nil {
			t.Fatalf("compile(%.20q…): %v", p, err)
		}
		for _, n := range names {
			if pat.match(n) {
				matches++
			}
		}
	}
	many := make([]string, 0, MaxPatterns)
	for len(many) < MaxPatterns {
		many = append(many, adversarial[5:]...)
	}
	sel, err := Select(48, many...)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		sel.Match(n)
	}
	d := time.Since(start)
	if d > 2*time.Second {
		t.Errorf("adversarial patterns took %v", d)
	}
	t.Logf("%d patterns × %d names, then a selection of %d: %v", len(adversarial), len(names), len(many), d)
	if want := 48 * 2; matches != want {
		t.Errorf("the adversarial patterns matched %d hooks, want %d (each layer's queries and pattern)", matches, want)
	}
	if !sel.Match(Block(3, AttnQ)) || !sel.Match(Block(3, AttnPattern)) || sel.Match(Block(3, AttnK)) {
		t.Error("the adversarial selection matches the wrong hooks")
	}
}

func TestPatternBounds(t *testing.T) {
	long := "blocks.*." + strings.Repeat("*", MaxPatternBytes)
	if _, err := Select(12, long); !errors.Is(err, ErrPattern) {
		t.Errorf("a %d-byte pattern: %v, want ErrPattern", len(long), err)
	}
	many := make([]string, MaxPatterns+1)
	for i := range many {
		many[i] = "logits"
	}
	if _, err := Select(12, many...); !errors.Is(err, ErrPattern) {
		t.Errorf("%d patterns: %v, want ErrPattern", len(many), err)
	}
	if _, err := Select(12, many[:MaxPatterns]...); err != nil {
		t.Errorf("%d patterns: %v", MaxPatterns, err)
	}
}

// BenchmarkMatchAdversarial measures one match of an adversarial pattern
// that fails at its last part against a hook name: "**" repeated k times,
// and "**.*" repeated, which merging runs of "**" does not shorten. The
// "recursive" cases run the matcher this package used before (refMatch,
// exponential in k), the "nfa" ones the compiled matcher.
func BenchmarkMatchAdversarial(b *testing.B) {
	name := "blocks.11.attn.hook_pattern"
	for _, tc := range []struct {
		unit string
		ks   []int
		rec  int // the largest k the recursive matcher is run for
	}{{"**.", []int{4, 8, 12, 16, 80}, 12}, {"**.*.", []int{2, 4, 6, 8, 48}, 6}} {
		for _, k := range tc.ks {
			p := strings.Repeat(tc.unit, k) + "nope"
			pat, err := compile(p)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("nfa/%dB", len(p)), func(b *testing.B) {
				for b.Loop() {
					pat.match(name)
				}
			})
			if k <= tc.rec {
				parts, nameParts := strings.Split(p, "."), strings.Split(name, ".")
				b.Run(fmt.Sprintf("recursive/%dB", len(p)), func(b *testing.B) {
					for b.Loop() {
						refMatch(parts, nameParts)
					}
				})
			}
		}
	}
}

// FuzzSelect compiles any pattern and matches it against hook names: no
// panic, and the compiled matcher agrees with the recursive definition on
// patterns short enough for it.
func FuzzSelect(f *testing.F) {
	for _, p := range []string{"blocks.*.attn.hook_pattern", "**", "blocks.[01].**", "**.**.*", "[", "a.b.c"} {
		f.Add(p)
	}
	names := Names(3)
	f.Fuzz(func(t *testing.T, p string) {
		sel, err := Select(3, p)
		if err == nil {
			for _, n := range names {
				sel.Match(n)
			}
		}
		pat, err := compile(p)
		if err != nil || strings.Count(p, "**") > 6 {
			return
		}
		for _, n := range names {
			if got, want := pat.match(n), refMatch(strings.Split(p, "."), strings.Split(n, ".")); got != want {
				t.Fatalf("pattern %q on %q: got %v, want %v", p, n, got, want)
			}
		}
	})
}
