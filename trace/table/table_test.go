package table_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/npy"
	"github.com/transformer-explorer/explorer/trace/table"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

var exact = trace.Tolerance{Abs: 0}

// hard are float32 values whose decimal forms need care: a third, a
// subnormal, the largest float32, a negative zero, a masked cell.
var hard = []float32{1.0 / 3, 1e-45, 3.4028235e38, float32(math.Copysign(0, -1)), float32(math.Inf(-1)), 0.1, -2.5e-8, 16777217}

// testTrace holds a 3-token trace of a 2-head model whose values are their
// own flat index plus the hook's number, or hard values for the scores.
func testTrace(t *testing.T) *trace.Trace {
	t.Helper()
	tr := trace.New(trace.ModelInfo{NLayer: 1, NHead: 2, NEmbd: 4}, "a b c", []int{5, 6, 7}, []string{"a", "␣b", "␣c"}, nil)
	fill := func(n int, base float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = base + float32(i)
		}
		return v
	}
	scores := make([]float32, 18)
	for i := range scores {
		scores[i] = hard[i%len(hard)]
	}
	for _, x := range []trace.Tensor{
		{Name: trace.Embed, Shape: []int{3, 4}, Data: fill(12, 0)},
		{Name: trace.Block(0, trace.AttnQ), Shape: []int{3, 2, 2}, Data: fill(12, 100)},
		{Name: trace.Block(0, trace.AttnPattern), Shape: []int{2, 3, 3}, Data: fill(18, 200)},
		{Name: trace.Block(0, trace.AttnScores), Shape: []int{2, 3, 3}, Data: scores},
		{Name: trace.NextLoss, Shape: []int{2}, Data: []float32{1.5, 2.5}},
		{Name: trace.NextTopIDs, Shape: []int{3, 2}, Data: []float32{5, 9, 50256, 1, 0, 3}},
	} {
		if err := tr.Record(x); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func TestOf(t *testing.T) {
	tr := testTrace(t)
	for _, tc := range []struct {
		hook  string
		head  int
		shape []int
		data  []float32
		axes  []string
	}{
		// Head 1 of [H T T] is the second 3×3 block.
		{trace.Block(0, trace.AttnPattern), 1, []int{3, 3}, []float32{209, 210, 211, 212, 213, 214, 215, 216, 217}, []string{"query", "key"}},
		// Head 1 of [T H D] is every second pair.
		{trace.Block(0, trace.AttnQ), 1, []int{3, 2}, []float32{102, 103, 106, 107, 110, 111}, []string{"position", "dim"}},
		{trace.Block(0, trace.AttnQ), -1, []int{3, 2, 2}, nil, []string{"position", "head", "dim"}},
		{trace.Embed, -1, []int{3, 4}, nil, []string{"position", "channel"}},
		{trace.NextLoss, -1, []int{2}, []float32{1.5, 2.5}, []string{"position"}},
	} {
		tab, err := table.Of(tr, tc.hook, tc.head)
		if err != nil {
			t.Errorf("Of(%s, %d): %v", tc.hook, tc.head, err)
			continue
		}
		if !slices.Equal(tab.Shape, tc.shape) || len(tab.Axes) != len(tc.axes) {
			t.Errorf("Of(%s, %d) shape %v, axes %v", tc.hook, tc.head, tab.Shape, tab.Axes)
			continue
		}
		for i, a := range tab.Axes {
			if a.Name != tc.axes[i] || len(a.Labels) != tc.shape[i] {
				t.Errorf("Of(%s, %d) axis %d = %+v, want %s of %d", tc.hook, tc.head, i, a, tc.axes[i], tc.shape[i])
			}
		}
		if tc.data != nil {
			tracetest.Check(t, tc.hook, tab.Data, tc.data, exact)
		}
	}
	pat, _ := table.Of(tr, trace.Block(0, trace.AttnPattern), 0)
	if want := []string{"0:a", "1:␣b", "2:␣c"}; !slices.Equal(pat.Axes[0].Labels, want) || !slices.Equal(pat.Axes[1].Labels, want) {
		t.Errorf("pattern labels %v × %v, want %v", pat.Axes[0].Labels, pat.Axes[1].Labels, want)
	}
	for _, tc := range []struct {
		hook string
		head int
		want error
		text string
	}{
		{trace.Logits, -1, table.ErrHook, `"logits"`},
		{trace.Embed, 0, table.ErrHead, "hook_embed has no heads"},
		{trace.Block(0, trace.AttnPattern), 2, table.ErrHead, "heads 0 to 1"},
	} {
		if _, err := table.Of(tr, tc.hook, tc.head); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Of(%s, %d) = %v, want %v saying %q", tc.hook, tc.head, err, tc.want, tc.text)
		}
	}
}

// TestRoundTrip writes views in every format and reads them back: every
// value, label and shape comes back exactly.
func TestRoundTrip(t *testing.T) {
	tr := testTrace(t)
	for _, v := range []struct {
		hook string
		head int
	}{
		{trace.Block(0, trace.AttnScores), 0},
		{trace.Block(0, trace.AttnScores), 1},
		{trace.Block(0, trace.AttnQ), 1},
		{trace.Embed, -1},
		{trace.NextLoss, -1},
		{trace.NextTopIDs, -1},
	} {
		tab, err := table.Of(tr, v.hook, v.head)
		if err != nil {
			t.Fatal(err)
		}
		label := v.hook
		var csvBuf bytes.Buffer
		if err := tab.Write(&csvBuf, "csv"); err != nil {
			t.Fatal(err)
		}
		back, err := table.ReadCSV(&csvBuf)
		if err != nil {
			t.Fatalf("%s: ReadCSV: %v", label, err)
		}
		if !slices.Equal(back.Shape, tab.Shape) || !bitsEqual(back.Data, tab.Data) {
			t.Errorf("%s: CSV gives %v %v, want %v %v", label, back.Shape, back.Data, tab.Shape, tab.Data)
		}
		for i := range back.Axes {
			if back.Axes[i].Name != tab.Axes[i].Name || !slices.Equal(back.Axes[i].Labels, tab.Axes[i].Labels) {
				t.Errorf("%s: CSV axis %d = %+v, want %+v", label, i, back.Axes[i], tab.Axes[i])
			}
		}
		var npyBuf bytes.Buffer
		if err := tab.Write(&npyBuf, "npy"); err != nil {
			t.Fatal(err)
		}
		arr, err := npy.Read(npyBuf.Bytes())
		if err != nil {
			t.Fatalf("%s: npy: %v", label, err)
		}
		wantType := npy.Float32
		if tab.IDs {
			wantType = npy.Int64
		}
		if arr.DType != wantType || !slices.Equal(arr.Shape, tab.Shape) {
			t.Errorf("%s: npy is %s%v", label, arr.DType, arr.Shape)
		}
		tracetest.Check(t, label+" npy", arr.Data, tab.Data, exact)
		if !bitsEqual(narrow(arr.Data), tab.Data) {
			t.Errorf("%s: npy bits differ", label)
		}
		var jsonBuf bytes.Buffer
		if err := tab.Write(&jsonBuf, "json"); err != nil {
			t.Fatal(err)
		}
		var js struct {
			Hook   string `json:"hook"`
			Head   *int   `json:"head"`
			Shape  []int  `json:"shape"`
			Values any    `json:"values"`
			Axes   []struct {
				Name   string   `json:"name"`
				Labels []string `json:"labels"`
			} `json:"axes"`
		}
		if err := json.Unmarshal(jsonBuf.Bytes(), &js); err != nil {
			t.Fatalf("%s: json: %v\n%s", label, err, jsonBuf.Bytes())
		}
		if js.Hook != v.hook || (js.Head == nil) != (v.head < 0) || !slices.Equal(js.Shape, tab.Shape) || len(js.Axes) != len(tab.Axes) {
			t.Errorf("%s: json %+v", label, js)
		}
		flat := flatten(js.Values)
		tracetest.Check(t, label+" json", narrow(flat), tab.Data, exact)
	}
}

// flatten turns nested JSON arrays into their values, −∞ for null.
func flatten(v any) []float64 {
	switch x := v.(type) {
	case []any:
		var out []float64
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	case float64:
		return []float64{x}
	}
	return []float64{math.Inf(-1)}
}

func narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestWriteCSVNeedsAMatrix(t *testing.T) {
	tab, _ := table.Of(testTrace(t), trace.Block(0, trace.AttnPattern), -1)
	var buf bytes.Buffer
	if err := tab.WriteCSV(&buf); !errors.Is(err, table.ErrRank) || !strings.Contains(err.Error(), "head × query × key") {
		t.Errorf("WriteCSV of [H T T] = %v, want ErrRank naming the axes", err)
	}
	if buf.Len() != 0 {
		t.Error("a refused CSV wrote bytes")
	}
	if err := tab.Write(&buf, "xlsx"); !errors.Is(err, table.ErrFormat) {
		t.Errorf("Write(xlsx) = %v", err)
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		x    float32
		want string
	}{
		{0.1, "0.1"}, {1.0 / 3, "0.33333334"}, {float32(math.Inf(-1)), "-inf"}, {float32(math.NaN()), "nan"}, {1e-45, "1e-45"}, {16777216, "1.6777216e+07"},
	} {
		if got := table.FormatValue(tc.x); got != tc.want {
			t.Errorf("FormatValue(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

func TestSub(t *testing.T) {
	tr := testTrace(t)
	a, _ := table.Of(tr, trace.Block(0, trace.AttnScores), 0)
	b := a
	b.Data = slices.Clone(a.Data)
	b.Data[0] += 0.25
	d, err := table.Sub(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(a.Data))
	want[0] = float64(a.Data[0]) - float64(b.Data[0])
	tracetest.Check(t, "a − b", d.Data, want, trace.Tolerance{Abs: 1e-7}) // masked cells are 0
	q, _ := table.Of(tr, trace.Block(0, trace.AttnQ), 0)
	if _, err := table.Sub(a, q); !errors.Is(err, table.ErrShape) {
		t.Errorf("Sub(scores, q) = %v, want ErrShape", err)
	}
}

// FuzzReadCSV checks that the reader never panics and that a table it
// reads has as many values and axes as its shape says.
func FuzzReadCSV(f *testing.F) {
	f.Add("query\\key,0:a,1:b\n0:a,1,-inf\n1:b,0.5,nan\n")
	f.Add("position,next.loss\n0,1.5\n")
	f.Add("a,\"b\nc\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := table.ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		n := 1
		for _, d := range tab.Shape {
			n *= d
		}
		if n != len(tab.Data) || len(tab.Axes) != len(tab.Shape) {
			t.Fatalf("shape %v, %d values, %d axes", tab.Shape, len(tab.Data), len(tab.Axes))
		}
	})
}
