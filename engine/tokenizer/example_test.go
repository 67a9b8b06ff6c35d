package tokenizer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
)

func ExampleTokenizer_Encode() {
	vocab, err := os.ReadFile("testdata/vocab.json")
	if err != nil {
		log.Fatal(err)
	}
	merges, err := os.ReadFile("testdata/merges.txt")
	if err != nil {
		log.Fatal(err)
	}
	tok, err := tokenizer.Load(vocab, merges)
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tok.Encode("Hello world,\n  it's 日本")
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range ids {
		fmt.Printf("%5d  %-8q %s\n", id, tok.Token(id), tok.Display(id))
	}
	text, _ := tok.Decode(ids)
	fmt.Printf("%q\n", text)
	// Output:
	// 15496  "Hello"  Hello
	//   995  "Ġworld" ␣world
	//    11  ","      ,
	//   198  "Ċ"      ↵
	//   220  "Ġ"      ␣
	//   340  "Ġit"    ␣it
	//   338  "'s"     's
	// 10545  "Ġæ"     ␣<0xE6>
	//   245  "Ĺ"      <0x97>
	//    98  "¥"      <0xA5>
	// 17312  "æľ"     <0xE6><0x9C>
	//   105  "¬"      <0xAC>
	// "Hello world,\n  it's 日本"
}

func ExampleTrain() {
	corpus := strings.Repeat("the cat sat on the mat. ", 50)
	tok, err := tokenizer.Train(context.Background(), strings.NewReader(corpus), tokenizer.TrainOptions{VocabSize: 266})
	if err != nil {
		log.Fatal(err)
	}
	for id := 256; id < tok.VocabSize(); id++ {
		fmt.Printf("%d %s\n", id, tok.Display(id))
	}
	ids, _ := tok.Encode("the cat sat on the mat.")
	fmt.Println(ids)
	// Output:
	// 256 at
	// 257 he
	// 258 the
	// 259 ␣the
	// 260 ␣c
	// 261 ␣m
	// 262 ␣o
	// 263 ␣s
	// 264 ␣cat
	// 265 <|endoftext|>
	// [258 264 263 256 262 77 259 261 256 13]
}

func ExampleDisplayBytes() {
	for _, s := range []string{" the", "\n\n", "\t", "\xe6\x97", "\x00", "\u200d"} {
		fmt.Println(tokenizer.DisplayBytes([]byte(s)))
	}
	// Output:
	// ␣the
	// ↵↵
	// ⇥
	// <0xE6><0x97>
	// <0x00>
	// <U+200D>
}
