package palette

import (
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestStops checks that the tables pass through their control colours
// exactly at the stops that fall on a table entry, and that the ends are the
// first and last stops.
func TestStops(t *testing.T) {
	tests := []struct {
		p     Palette
		stops []uint32
	}{
		{Sequential(), viridisStops[:]},
		{Diverging(), rdBuStops[:]},
	}
	for _, tc := range tests {
		n := len(tc.stops)
		if got, want := tc.p.At(0), rgb(tc.stops[0]); !near(got, want, 1) {
			t.Errorf("%s.At(0) = %v, want %v", tc.p.Name(), got, want)
		}
		if got, want := tc.p.At(1), rgb(tc.stops[n-1]); !near(got, want, 1) {
			t.Errorf("%s.At(1) = %v, want %v", tc.p.Name(), got, want)
		}
		// Every stop is within 3 levels of the nearest table entry.
		for i, s := range tc.stops {
			x := float64(i) / float64(n-1)
			if got := tc.p.At(x); !near(got, rgb(s), 3) {
				t.Errorf("%s.At(%.3f) = %v, want ≈ stop %06X", tc.p.Name(), x, got, s)
			}
		}
	}
}

// TestSequentialLightness checks the property that makes viridis readable:
// perceived lightness (OKLab L) rises monotonically from 0 to 1.
func TestSequentialLightness(t *testing.T) {
	p := Sequential()
	prev := -1.0
	for k := range Size {
		l := toOKLab(p.At(float64(k) / (Size - 1)))[0]
		if l < prev-0.004 { // allow 8-bit rounding
			t.Fatalf("lightness falls at entry %d: %.4f after %.4f", k, l, prev)
		}
		prev = max(prev, l)
	}
}

// TestDivergingCentre checks that the diverging map is symmetric in
// lightness around a near-white centre, blue below and red above.
func TestDivergingCentre(t *testing.T) {
	p := Diverging()
	c := p.At(0.5)
	if c.R < 0xF0 || c.G < 0xF0 || c.B < 0xF0 {
		t.Errorf("Diverging().At(0.5) = %v, want near white", c)
	}
	if lo := p.At(0.1); lo.B <= lo.R {
		t.Errorf("Diverging().At(0.1) = %v, want blue", lo)
	}
	if hi := p.At(0.9); hi.R <= hi.B {
		t.Errorf("Diverging().At(0.9) = %v, want red", hi)
	}
	for k := range Size / 2 {
		a := toOKLab(p.table[k])[0]
		b := toOKLab(p.table[Size-1-k])[0]
		if math.Abs(a-b) > 0.08 {
			t.Errorf("lightness of entries %d and %d = %.3f, %.3f: not symmetric", k, Size-1-k, a, b)
		}
	}
}

func TestAtClamps(t *testing.T) {
	p := Sequential()
	tests := []struct {
		t    float64
		want color.RGBA
	}{
		{-3, p.table[0]},
		{math.NaN(), p.table[0]},
		{math.Inf(1), p.table[Size-1]},
		{2, p.table[Size-1]},
		{0.5, p.table[128]}, // round(127.5) = 128
		{1.0 / 255, p.table[1]},
	}
	for _, tc := range tests {
		if got := p.At(tc.t); got != tc.want {
			t.Errorf("At(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	var zero Palette
	if zero.At(0.3) != p.At(0.3) || zero.Name() != "sequential" {
		t.Errorf("zero Palette does not behave as Sequential")
	}
}

func TestMaskedDistinct(t *testing.T) {
	m := Masked()
	for _, p := range []Palette{Sequential(), Diverging()} {
		for k, c := range p.table {
			if near(c, m, 12) {
				t.Errorf("%s entry %d = %v is too close to the masked colour %v", p.Name(), k, c, m)
			}
		}
	}
}

// jsTable extracts a named Uint8Array.of(...) table from the module source.
func jsTable(t *testing.T, src, name string) []color.RGBA {
	t.Helper()
	re := regexp.MustCompile(`export const ` + name + ` = Uint8Array\.of\(([^)]*)\);`)
	m := re.FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("JSModule has no table %s", name)
	}
	var vals []uint8
	for _, f := range strings.Split(m[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 || v > 255 {
			t.Fatalf("table %s: bad entry %q", name, f)
		}
		vals = append(vals, uint8(v))
	}
	if len(vals) != 3*Size {
		t.Fatalf("table %s has %d values, want %d", name, len(vals), 3*Size)
	}
	out := make([]color.RGBA, Size)
	for i := range out {
		out[i] = color.RGBA{vals[3*i], vals[3*i+1], vals[3*i+2], 0xFF}
	}
	return out
}

// TestJSModuleTables checks that the JS tables equal the Go tables entry by
// entry.
func TestJSModuleTables(t *testing.T) {
	src := string(JSModule())
	for _, tc := range []struct {
		name string
		p    Palette
	}{{"SEQUENTIAL", Sequential()}, {"DIVERGING", Diverging()}} {
		got := jsTable(t, src, tc.name)
		for i, c := range tc.p.Table() {
			if got[i] != c {
				t.Fatalf("JS %s[%d] = %v, Go table has %v", tc.name, i, got[i], c)
			}
		}
	}
	m := Masked()
	if want := "export const masked = Object.freeze([" + strconv.Itoa(int(m.R)) + ", " + strconv.Itoa(int(m.G)) + ", " + strconv.Itoa(int(m.B)) + "]);"; !strings.Contains(src, want) {
		t.Errorf("JSModule lacks %q", want)
	}
}

// TestJSModuleNode runs the module's functions under Node, when installed,
// and compares them with At over values that exercise clamping and rounding.
func TestJSModuleNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	dir := t.TempDir()
	mod := filepath.Join(dir, "palette.mjs")
	if err := os.WriteFile(mod, JSModule(), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := []float64{-1, 0, 0.001, 0.002, 0.25, 0.5, 0.5 / 255, 1.5 / 255, 0.7, 0.999, 1, 7}
	var arr []string
	for _, x := range ts {
		arr = append(arr, strconv.FormatFloat(x, 'g', -1, 64))
	}
	script := `import * as p from "./palette.mjs";
const ts = [` + strings.Join(arr, ",") + `, NaN];
for (const t of ts) console.log(p.sequentialCSS(t) + " " + p.divergingCSS(t));
console.log(p.maskedCSS);
`
	main := filepath.Join(dir, "main.mjs")
	if err := os.WriteFile(main, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, main).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	ts = append(ts, math.NaN())
	if len(lines) != len(ts)+1 {
		t.Fatalf("node printed %d lines, want %d:\n%s", len(lines), len(ts)+1, out)
	}
	for i, x := range ts {
		want := css(Sequential().At(x)) + " " + css(Diverging().At(x))
		if lines[i] != want {
			t.Errorf("JS colours of %v = %s, Go gives %s", x, lines[i], want)
		}
	}
	if got, want := lines[len(ts)], css(Masked()); got != want {
		t.Errorf("JS maskedCSS = %s, want %s", got, want)
	}
}

// near reports whether a and b differ by at most tol in every channel.
func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return abs(int(x)-int(y)) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
