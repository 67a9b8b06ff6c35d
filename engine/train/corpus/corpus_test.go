package corpus

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	ctx := context.Background()
	if err := Generate(ctx, &a, Options{Stories: 50, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	Generate(ctx, &b, Options{Stories: 50, Seed: 7})
	Generate(ctx, &c, Options{Stories: 50, Seed: 8})
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("Generate with the same seed gave different corpora")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("Generate with different seeds gave the same corpus")
	}
	stories := strings.Split(strings.TrimSpace(a.String()), "\n"+Separator)
	if got := len(stories) - 1; got != 50 { // the text after the last separator is empty
		t.Errorf("got %d stories, want 50", got)
	}
}

func TestStoryShape(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 200; i++ {
		s := Story(r)
		if !strings.HasPrefix(s, "Once upon a time") || !strings.HasSuffix(s, "The end.") {
			t.Fatalf("story %d does not open and close as expected:\n%s", i, s)
		}
		if strings.ContainsAny(s, "{}") {
			t.Fatalf("story %d has an unfilled field:\n%s", i, s)
		}
		if n := len(strings.Fields(s)); n < 80 || n > 400 {
			t.Errorf("story %d has %d words", i, n)
		}
	}
}

func TestGenerateBadOptions(t *testing.T) {
	if err := Generate(context.Background(), &bytes.Buffer{}, Options{Stories: -1}); err == nil {
		t.Error("Generate(Stories: -1) succeeded")
	}
}

func TestGameStory(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 50; i++ {
		s := GameStory(r)
		const listen = "Listen: "
		at := strings.Index(s, listen)
		if at < 0 {
			t.Fatalf("game story %d has no game:\n%s", i, s)
		}
		code := s[at+len(listen) : at+len(listen)+strings.Index(s[at+len(listen):], ".\"")]
		if n := len(strings.Fields(code)); n < 10 || n > 30 {
			t.Errorf("game %d has %d words, want 10..30", i, n)
		}
		if strings.Count(s, code) != 2 {
			t.Errorf("game %d: the sequence %q does not appear exactly twice", i, code)
		}
	}
}
