package palette_test

import (
	"fmt"

	"github.com/transformer-explorer/explorer/viz/palette"
)

func ExampleSequential() {
	p := palette.Sequential()
	fmt.Println(p.Name(), p.At(0), p.At(1))
	// Output: sequential {68 1 84 255} {253 231 37 255}
}

func ExampleDiverging() {
	// A signed value v in [−m, m] maps to t = 0.5 + v/(2m): zero is the
	// near-white centre (#F7F7F7, up to interpolation and rounding).
	p := palette.Diverging()
	m, v := 4.0, 0.0
	fmt.Println(p.At(0.5 + v/(2*m)))
	// Output: {247 246 246 255}
}
