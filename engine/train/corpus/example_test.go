package corpus_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/transformer-explorer/explorer/engine/train/corpus"
)

func ExampleStory() {
	s := corpus.Story(rand.New(rand.NewPCG(1, 2)))
	fmt.Println(strings.HasPrefix(s, "Once upon a time"))
	// Output: true
}
