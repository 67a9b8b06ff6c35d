package table

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrCSV is wrapped by the errors of ReadCSV.
var ErrCSV = errors.New("table: malformed CSV")

// ReadCSV reads a table written by WriteCSV: its axis names, labels and
// values (each parsed as a float32, so a value WriteCSV wrote comes back
// exactly). The Hook is known only for a one-axis table; Head is -1.
func ReadCSV(r io.Reader) (Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return Table{}, fmt.Errorf("%w: header: %v", ErrCSV, err)
	}
	if len(header) < 2 {
		return Table{}, fmt.Errorf("%w: the header has %d cells, want a corner and a column at least", ErrCSV, len(header))
	}
	t := Table{Head: -1}
	rowAxis, colAxis, two := strings.Cut(header[0], `\`)
	if two {
		t.Axes = []Axis{{Name: rowAxis}, {Name: colAxis, Labels: header[1:]}}
	} else {
		if len(header) != 2 {
			return Table{}, fmt.Errorf("%w: a one-axis table has 2 columns, this header has %d", ErrCSV, len(header))
		}
		t.Hook, t.Axes = header[1], []Axis{{Name: rowAxis}}
	}
	cols := len(header) - 1
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Table{}, fmt.Errorf("%w: %v", ErrCSV, err)
		}
		t.Axes[0].Labels = append(t.Axes[0].Labels, rec[0])
		for c, s := range rec[1:] {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil {
				return Table{}, fmt.Errorf("%w: line %d, column %d: %q is not a number", ErrCSV, line, c+2, s)
			}
			t.Data = append(t.Data, float32(v))
		}
	}
	t.Shape = []int{len(t.Axes[0].Labels)}
	if two {
		t.Shape = append(t.Shape, cols)
	}
	return t, nil
}
