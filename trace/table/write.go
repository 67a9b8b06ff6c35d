package table

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/trace/npy"
)

// Formats returns the formats Write writes.
func Formats() []string { return []string{"csv", "npy", "json"} }

// FormatOf returns the format named by path's extension (csv, npy or
// json, case-insensitive).
func FormatOf(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if !slices.Contains(Formats(), ext) {
		return "", fmt.Errorf("%w: %q needs a .csv, .npy or .json extension", ErrFormat, path)
	}
	return ext, nil
}

// Write writes the table to w in format (csv, npy or json). It checks
// everything it can before writing a byte.
func (t Table) Write(w io.Writer, format string) error {
	switch format {
	case "csv":
		return t.WriteCSV(w)
	case "npy":
		return t.WriteNPY(w)
	case "json":
		return t.WriteJSON(w)
	}
	return fmt.Errorf("%w %q: want csv, npy or json", ErrFormat, format)
}

// ContentType returns the MIME type of a format, for downloads.
func ContentType(format string) string {
	switch format {
	case "csv":
		return "text/csv; charset=utf-8"
	case "json":
		return "application/json"
	}
	return "application/octet-stream"
}

// FormatValue returns the shortest decimal that reads back as x
// (strconv.ParseFloat(s, 32) gives x again), with "-inf", "inf" and
// "nan" for the values that are not finite, as Python's float() reads
// them.
func FormatValue(x float32) string {
	v := float64(x)
	switch {
	case math.IsInf(v, -1):
		return "-inf"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsNaN(v):
		return "nan"
	}
	return strconv.FormatFloat(v, 'g', -1, 32)
}

// WriteCSV writes a table of one or two axes as CSV: a header row naming
// the columns, then one row per entry of the first axis, led by its label.
// A two-axis table's corner cell is "rows\columns" (e.g. "query\key");
// a one-axis table has the columns label and the hook name. A table of
// more axes is an error wrapping ErrRank: take one head first.
func (t Table) WriteCSV(w io.Writer) error {
	var header []string
	rows, cols := 0, 1
	switch len(t.Shape) {
	case 1:
		header = []string{t.Axes[0].Name, t.Hook}
		rows = t.Shape[0]
	case 2:
		header = append([]string{t.Axes[0].Name + `\` + t.Axes[1].Name}, t.Axes[1].Labels...)
		rows, cols = t.Shape[0], t.Shape[1]
	default:
		names := make([]string, len(t.Axes))
		for i, a := range t.Axes {
			names[i] = a.Name
		}
		return fmt.Errorf("%w: %s is %v (%s); CSV holds a matrix: take one head, or write npy or json",
			ErrRank, t.Hook, t.Shape, strings.Join(names, " × "))
	}
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("table: write csv: %w", err)
	}
	rec := make([]string, cols+1)
	for r := range rows {
		rec[0] = t.Axes[0].Labels[r]
		for c := range cols {
			rec[c+1] = t.value(r*cols + c)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("table: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("table: write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("table: write csv: %w", err)
	}
	return nil
}

// value formats element i: an integer for ids, else FormatValue.
func (t Table) value(i int) string {
	if t.IDs {
		return strconv.Itoa(int(t.Data[i]))
	}
	return FormatValue(t.Data[i])
}

// WriteNPY writes the table as a .npy array of its shape: '<f4' with each
// value's bits unchanged, or '<i8' for token ids. Labels are not kept.
func (t Table) WriteNPY(w io.Writer) error {
	if t.IDs {
		ids := make([]int64, len(t.Data))
		for i, x := range t.Data {
			ids[i] = int64(x)
		}
		return npy.WriteInt64(w, t.Shape, ids)
	}
	return npy.WriteFloat32(w, t.Shape, t.Data)
}

// WriteJSON writes the table as one JSON object:
//
//	{"hook": "...", "head": 0, "shape": [T, T],
//	 "axes": [{"name": "query", "labels": [...]}, ...],
//	 "values": [[...], ...]}
//
// with values nested by axis. "head" is left out for a whole hook. JSON
// has no infinities or NaN: such values are null (in attention scores, a
// null is a masked cell, −∞).
func (t Table) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `{"hook":%s,`, jsonString(t.Hook))
	if t.Head >= 0 {
		fmt.Fprintf(bw, `"head":%d,`, t.Head)
	}
	bw.WriteString(`"shape":[`)
	for i, d := range t.Shape {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(strconv.Itoa(d))
	}
	bw.WriteString(`],"axes":[`)
	for i, a := range t.Axes {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, `{"name":%s,"labels":[`, jsonString(a.Name))
		for j, l := range a.Labels {
			if j > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(jsonString(l))
		}
		bw.WriteString(`]}`)
	}
	bw.WriteString(`],"values":`)
	t.nested(bw, 0, 0)
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("table: write json: %w", err)
	}
	return nil
}

// nested writes the values of axis a from flat index at, as nested arrays.
func (t Table) nested(bw *bufio.Writer, a, at int) {
	if a == len(t.Shape) {
		x := float64(t.Data[at])
		switch {
		case math.IsInf(x, 0) || math.IsNaN(x):
			bw.WriteString("null")
		default:
			bw.WriteString(t.value(at))
		}
		return
	}
	stride := 1
	for _, d := range t.Shape[a+1:] {
		stride *= d
	}
	bw.WriteByte('[')
	for i := range t.Shape[a] {
		if i > 0 {
			bw.WriteByte(',')
		}
		t.nested(bw, a+1, at+i*stride)
	}
	bw.WriteByte(']')
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
