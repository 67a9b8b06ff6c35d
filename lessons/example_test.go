package lessons_test

import (
	"fmt"
	"log"

	"github.com/transformer-explorer/explorer/lessons"
)

// The lessons in teaching order, with the step each one jumps to in the
// first layer.
func ExampleLibrary_List() {
	lib, err := lessons.Load()
	if err != nil {
		log.Fatal(err)
	}
	ls, err := lib.List("en")
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range ls {
		fmt.Printf("%-20s %-12s %s\n", l.ID, l.StepID(0), l.Title)
	}
	// Output:
	// history              tokenize     Where GPT comes from: from the Transformer to GPT-3
	// tokenization         tokenize     Tokenization: from text to numbers
	// token-embedding      embed        Token embedding: a vector for every token
	// positional-embedding pos_embed    Positional encoding: where each token sits
	// residual-stream      L0.resid_mid The residual stream: a running sum
	// layer-norm           L0.ln1       Layer normalization: keeping numbers in range
	// self-attention       L0.scores    Self-attention in six steps
	// attention-why        L0.scores    Why attention works: the scale, the mask and the heads, measured
	// multi-head           L0.attn_out  Multi-head attention: several questions at once
	// feed-forward         L0.mlp       The feed-forward network and GELU
	// output-layer         logits       The output layer: logits and probabilities
	// sampling             sample       Sampling: choosing the next token
	// pretraining          probs        Pre-training: learning by predicting the next token
	// fine-tuning          probs        Fine-tuning: teaching a pre-trained model a task with labelled examples
	// applications         sample       One next-token machine, many applications
	// scale                ln_final     Scale, and reading a model with the logit lens
	// challenges           sample       Open problems: cost, understanding, languages, modalities and safety
	// tools                sample       Tools: Hugging Face, the OpenAI API and GitHub, with code that runs
}

// The lessons shown beside a step of the explorer, in Chinese.
func ExampleLibrary_ForStep() {
	lib, err := lessons.Load()
	if err != nil {
		log.Fatal(err)
	}
	ls, err := lib.ForStep("L3.softmax", "zh")
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range ls {
		fmt.Println(l.ID, l.Title)
	}
	// Output:
	// self-attention 自注意力的六个步骤
	// attention-why 注意力为什么有效：缩放、掩码和各个头，逐一测量
}
