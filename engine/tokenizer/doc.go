// Package tokenizer implements GPT-2's byte-level BPE tokenizer: loading
// OpenAI's vocab.json and merges.txt (or a Hugging Face tokenizer.json),
// encoding text to token ids exactly as OpenAI's reference encoder does,
// decoding ids back to bytes, and training a new vocabulary on a corpus.
//
// # Byte level
//
// GPT-2 works on bytes, not characters. Each of the 256 byte values is given
// a printable stand-in rune (the "byte-to-unicode" alphabet: printable
// Latin-1 bytes stand for themselves, the others are moved to U+0100 and up,
// so the space byte 0x20 is written 'Ġ' and the newline 0x0A is 'Ċ').
// Vocabulary strings, as found in vocab.json and returned by
// [Tokenizer.Token], are spelled in that alphabet; [Tokenizer.Bytes] gives the
// raw bytes and [Tokenizer.Display] a readable form (see [DisplayBytes]).
//
// # Encoding
//
// Encoding has two stages. The pre-tokenizer splits text into words with
// GPT-2's pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// (hand-written here, since Go's regexp has no lookahead; \s is Unicode
// White_Space). Then each word, as bytes, is merged pair by pair in the order
// of merges.txt until no listed pair is left. Words never merge across their
// boundaries. Special tokens such as "<|endoftext|>" are not recognised in
// text: they encode as ordinary text, as the reference encoder does; callers
// that want the special token append [Tokenizer.EndOfText] themselves.
//
// # Training
//
// [Train] learns a new merge list from a corpus with the same pre-tokenizer,
// starting from the 256 byte tokens, and [Tokenizer.WriteVocab] and
// [Tokenizer.WriteMerges] save it in GPT-2's file formats.
//
// A *Tokenizer is immutable after it is made and safe for concurrent use.
package tokenizer
