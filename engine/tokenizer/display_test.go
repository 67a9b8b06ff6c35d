package tokenizer

import "testing"

func TestDisplayBytes(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"", ""},
		{"the", "the"},
		{" the", "␣the"},
		{"  ", "␣␣"},
		{"a b", "a␣b"},
		{"\n", "↵"},
		{"\n\n", "↵↵"},
		{"\t", "⇥"},
		{"\r\n", "␍↵"},
		{"\x00", "<0x00>"},
		{"\x1b[0m", "<0x1B>[0m"},
		{"\x7f", "<0x7F>"},
		{"\u0085", "<0xC2><0x85>"},
		{"\xe8", "<0xE8>"},
		{"\xe6\x97", "<0xE6><0x97>"},
		{" \xe6\x97", "␣<0xE6><0x97>"},
		{"\xa5", "<0xA5>"},
		{"\xff\xfe", "<0xFF><0xFE>"},
		{"日本", "日本"},
		{"从前有一个", "从前有一个"}, // a merged token of whole characters shows them
		{"，", "，"},
		{"中\xe6", "中<0xE6>"},           // a whole character and the start of the next
		{"\xb8\xad文", "<0xB8><0xAD>文"}, // the end of a character and a whole one
		{" café", "␣café"},
		{"\u200d", "<U+200D>"},
		{"\ufeff", "<U+FEFF>"},
		{"\u2028", "<U+2028>"},
		{"\u00a0", "\u00a0"},
		{"\ufffd", "\ufffd"},
		{"👍🏽", "👍🏽"},
	} {
		if got := DisplayBytes([]byte(c.in)); got != c.want {
			t.Errorf("DisplayBytes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	tok := loadGPT2(t)
	for _, c := range []struct {
		id   int
		want string
	}{
		{262, "␣the"},   // "Ġthe"
		{198, "↵"},      // "Ċ"
		{628, "↵↵"},     // "ĊĊ"
		{197, "⇥"},      // "ĉ"
		{220, "␣"},      // "Ġ"
		{188, "<0x00>"}, // "Ā"
		{162, "<0xE6>"}, // "æ", first byte of many CJK characters
		{50256, "<|endoftext|>"},
	} {
		if got := tok.Display(c.id); got != c.want {
			t.Errorf("Display(%d) (token %q) = %q, want %q", c.id, tok.Token(c.id), got, c.want)
		}
	}
}

// TestDisplayDistinct checks that no two GPT-2 tokens share a display
// string (the rule does not promise this in general, but it holds for GPT-2).
func TestDisplayDistinct(t *testing.T) {
	tok := loadGPT2(t)
	seen := make(map[string]int, tok.VocabSize())
	collisions := 0
	for id := range tok.VocabSize() {
		d := tok.Display(id)
		if d == "" {
			t.Errorf("Display(%d) (token %q) is empty", id, tok.Token(id))
		}
		if prev, ok := seen[d]; ok {
			collisions++
			t.Logf("Display(%d) = Display(%d) = %q", id, prev, d)
			continue
		}
		seen[d] = id
	}
	if collisions > 0 {
		t.Errorf("%d GPT-2 tokens share a display string with another token", collisions)
	}
}
