package defaultmodel_test

import (
	"context"
	"fmt"

	"github.com/transformer-explorer/explorer/engine/defaultmodel"
)

func ExampleLoad() {
	m, tok, err := defaultmodel.Load(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	c := m.Config
	fmt.Printf("%s: %d layers, %d heads, width %d, context %d, %d tokens\n",
		m.Name, c.NLayer, c.NHead, c.NEmbd, c.NPositions, tok.VocabSize())
	// Output: explorer-stories: 4 layers, 4 heads, width 128, context 256, 4096 tokens
}
