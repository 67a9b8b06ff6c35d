package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/web/openai"
)

// ExampleNew serves a model's Completions API and asks it for a greedy
// continuation, as OpenAI's clients do.
func ExampleNew() {
	m, tok, err := engine.LoadDir(context.Background(), "../../testdata/conformance/tiny-gpt2")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(openai.New(m, tok, openai.Options{ModelName: "tiny-gpt2"}))
	defer srv.Close()

	res, err := http.Post(srv.URL+"/v1/completions", "application/json",
		strings.NewReader(`{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":5,"temperature":0}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var out struct {
		Object  string `json:"object"`
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
			TotalTokens      int `json:"total_tokens"`
		} `json:"usage"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	fmt.Println(res.StatusCode, out.Object, len(out.Choices), out.Choices[0].FinishReason)
	fmt.Printf("%+v\n", out.Usage)
	// Output:
	// 200 text_completion 1 length
	// {PromptTokens:4 CompletionTokens:5 TotalTokens:9}
}
