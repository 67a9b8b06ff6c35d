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

// The task items of a question-answering document: each prompt ends with
// the answer marker, and the answer is what the document says next.
func ExampleExamples() {
	ex, err := corpus.Examples(corpus.Options{Stories: 1, Seed: 3, Langs: []corpus.Lang{corpus.Chinese},
		Mix: []corpus.Share{{Part: corpus.QA, Weight: 1}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range ex {
		question := e.Prompt[strings.LastIndex(e.Prompt, "\n")+1:]
		fmt.Printf("%s%s\n", question, e.Answer)
	}
	// Output:
	// 问：图贝有什么？答：一颗蓝色的星星
	// 问：图贝在哪里遇见了奥斯卡？答：在公园
	// 问：图贝的星星是什么颜色？答：蓝色
}
