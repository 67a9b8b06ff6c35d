package i18n_test

import (
	"fmt"

	"github.com/transformer-explorer/explorer/lessons/i18n"
)

func ExampleT() {
	for _, lang := range i18n.Langs() {
		fmt.Println(i18n.T(lang, "status.done", "n", 9, "ms", 12, "kb", 3))
	}
	// Output:
	// 9 tokens · ran in 12 ms · 3 KB streamed
	// 9 个词元 · 用时 12 毫秒 · 传输 3 KB
}
