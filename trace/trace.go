// Package trace names the intermediates of a GPT-2 forward pass, receives
// them from the engine, keeps them in memory and in files, and lists the
// steps of the computation that the explorer walks through.
//
// Hook names follow TransformerLens without the batch dimension
// ("blocks.3.attn.hook_pattern" is [H, T, T]). The engine calls a Recorder at
// each hook; a Trace is the in-memory Recorder that keeps them (lending the
// engine the memory to compute them in, so that it need not copy); the file
// format is safetensors keyed by hook name with a JSON description in its
// metadata. This package imports no other package of the explorer, so Python
// users and tests can rely on it alone.
package trace

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
)

// ModelInfo describes the model a trace came from.
type ModelInfo struct {
	Name      string  `json:"name"`
	NLayer    int     `json:"n_layer"`
	NHead     int     `json:"n_head"`
	NEmbd     int     `json:"n_embd"`
	NInner    int     `json:"n_inner"`
	NCtx      int     `json:"n_positions"`
	VocabSize int     `json:"vocab_size"`
	Epsilon   float64 `json:"layer_norm_epsilon"`
	// Activation is the MLP non-linearity, "gelu_new" for GPT-2.
	Activation string `json:"activation_function"`
	// Untied reports a separate LM head; GPT-2 ties it to the token
	// embedding wte.
	Untied bool `json:"untied_lm_head,omitempty"`
}

// HeadSize returns NEmbd / NHead.
func (m ModelInfo) HeadSize() int {
	if m.NHead == 0 {
		return 0
	}
	return m.NEmbd / m.NHead
}

// Inner returns the MLP width F: NInner, or 4·NEmbd when it is unset.
func (m ModelInfo) Inner() int {
	if m.NInner > 0 {
		return m.NInner
	}
	return 4 * m.NEmbd
}

// Params returns the number of distinct parameters of a GPT-2 of this
// shape: V·C + N_ctx·C for the two embeddings; per block 4C for two
// LayerNorms, 3C² + 3C for Q, K, V, C² + C for the attention output,
// C·F + F + F·C + C for the MLP; 2C for the final LayerNorm; and V·C more
// when the LM head is not tied to wte. GPT-2 small has 124,439,808.
func (m ModelInfo) Params() int64 {
	C, F, L := int64(m.NEmbd), int64(m.Inner()), int64(m.NLayer)
	perBlock := 4*C + 3*C*C + 3*C + C*C + C + 2*C*F + F + C
	n := int64(m.VocabSize)*C + int64(m.NCtx)*C + L*perBlock + 2*C
	if m.Untied {
		n += int64(m.VocabSize) * C
	}
	return n
}

// Dims returns the hook dimensions of a T-position pass over this model
// with top-k width k.
func (m ModelInfo) Dims(T, k int) Dims {
	return Dims{T: T, Keys: T, C: m.NEmbd, H: m.NHead, D: m.HeadSize(), F: m.Inner(), V: m.VocabSize, L: m.NLayer, K: k}
}

// A Trace holds the tensors of a forward pass, and of the tokens
// generated after it, keyed by hook name. It is a Recorder and a Lender.
//
// The recorded tensors may be written and read concurrently: Record and
// Lend may run while other goroutines call Tensor, Passes, Shape, Has,
// Names, Bytes or Clone. A tensor returned by Tensor or Passes may share
// memory with the trace and with other hooks: read it, do not modify it.
//
// The exported fields are different: they belong to whoever builds the
// trace (New or a file reader, then engine.LabelTrace and AppendToken)
// until other goroutines may read them, and are read-only from then on,
// without a lock. To add a token or labels to a trace others read, Clone
// it and change the copy, which shares the tensors (the explorer's page
// does so for generated tokens and for the logit lens).
//
// Seal makes the rule for tensors enforced: a sealed trace (one that
// several readers share, such as the explorer's run of a prompt that every
// tab of a class shows) refuses Record, lends nothing and panics on
// AppendToken; a Clone of it is not sealed.
type Trace struct {
	Model ModelInfo
	// Text is the prompt as typed, when known.
	Text string
	// IDs are the token ids of the prompt followed by any generated tokens.
	IDs []int
	// Tokens are the display forms of IDs (see the tokenizer's Display).
	Tokens []string
	// TokenStrings are the vocabulary strings of IDs (e.g. "Ġthe").
	TokenStrings []string
	// Labels gives the display form of every token id that the derived
	// hooks (top-k ids, logit lens) refer to.
	Labels map[int]string

	mu     sync.RWMutex
	chunks map[string][]Tensor // each hook's recorded passes, in order
	order  []string
	// owned holds the length of every slice the trace lent or keeps, by
	// its first element, so that Record keeps those without a copy.
	owned map[*float32]int
	// sealed reports that nothing may be added (see Seal).
	sealed bool
}

// Seal makes the trace read-only from now on: Record returns ErrSealed,
// Lend lends nothing, and AppendToken panics. Call it once the trace is
// complete (recorded and labelled), before handing it to readers that
// must all see the same trace; change a Clone instead. Sealing is final.
func (tr *Trace) Seal() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.sealed = true
}

// Sealed reports whether Seal was called.
func (tr *Trace) Sealed() bool {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	return tr.sealed
}

// New returns an empty trace of a prompt.
func New(model ModelInfo, text string, ids []int, tokens, tokenStrings []string) *Trace {
	return &Trace{
		Model: model, Text: text,
		IDs: slices.Clone(ids), Tokens: slices.Clone(tokens), TokenStrings: slices.Clone(tokenStrings),
		Labels: map[int]string{},
		chunks: map[string][]Tensor{},
	}
}

// Record implements Recorder by keeping t: its data as it is when the
// trace lent that memory (see Lend) or already keeps it under another name
// (the residual stream leaving one block is the one entering the next),
// and a copy otherwise.
func (tr *Trace) Record(t Tensor) error {
	if t.Len() != len(t.Data) {
		return fmt.Errorf("trace: record %q: shape %v holds %d values, got %d", t.Name, t.Shape, t.Len(), len(t.Data))
	}
	tr.mu.RLock()
	kept, sealed := tr.owns(t.Data), tr.sealed
	tr.mu.RUnlock()
	if sealed {
		return fmt.Errorf("record %q: %w", t.Name, ErrSealed)
	}
	if kept {
		t.Shape = slices.Clone(t.Shape)
	} else {
		t = t.Clone() // without the lock, so readers are not held up
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.sealed {
		return fmt.Errorf("record %q: %w", t.Name, ErrSealed)
	}
	if !kept {
		tr.own(t.Data)
	}
	if tr.chunks == nil {
		tr.chunks = map[string][]Tensor{}
	}
	if _, seen := tr.chunks[t.Name]; !seen {
		tr.order = append(tr.order, t.Name)
	}
	tr.chunks[t.Name] = append(tr.chunks[t.Name], t)
	return nil
}

// Lend implements Lender: it returns new memory for n values that the
// trace keeps without a copy when it is recorded, or nil when the trace
// is sealed.
func (tr *Trace) Lend(name string, n int) []float32 {
	if tr.Sealed() {
		return nil
	}
	buf := make([]float32, n)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.own(buf)
	return buf
}

// owns reports whether data is exactly a slice the trace lent or keeps;
// tr.mu must be held for reading.
func (tr *Trace) owns(data []float32) bool {
	return len(data) > 0 && tr.owned[&data[0]] == len(data)
}

// own notes that the trace lent or keeps data; tr.mu must be held.
func (tr *Trace) own(data []float32) {
	if len(data) == 0 {
		return
	}
	if tr.owned == nil {
		tr.owned = map[*float32]int{}
	}
	tr.owned[&data[0]] = len(data)
}

// Clone returns a copy of the trace that shares its tensors, which no one
// writes to, and copies the rest (token lists, labels, the hook index), so
// that hooks and labels can be added to the copy while the original is
// being read. The copy is not sealed.
func (tr *Trace) Clone() *Trace {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	c := &Trace{
		Model: tr.Model, Text: tr.Text,
		IDs: slices.Clone(tr.IDs), Tokens: slices.Clone(tr.Tokens), TokenStrings: slices.Clone(tr.TokenStrings),
		Labels: maps.Clone(tr.Labels),
		chunks: make(map[string][]Tensor, len(tr.chunks)),
		order:  slices.Clone(tr.order),
		owned:  maps.Clone(tr.owned),
	}
	if c.Labels == nil {
		c.Labels = map[int]string{}
	}
	for name, passes := range tr.chunks {
		c.chunks[name] = slices.Clone(passes)
	}
	return c
}

// Bytes returns the memory the trace's tensors hold, counting memory that
// several hooks share once. A copy made by Clone counts the tensors it
// shares with the original as its own.
func (tr *Trace) Bytes() int64 {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	var n int64
	for _, values := range tr.owned {
		n += int64(values)
	}
	return 4 * n
}

// AppendToken adds a generated token to IDs, Tokens and TokenStrings, of a
// trace whose fields no other goroutine reads yet (see Trace). It panics
// on a sealed trace: appending to a shared trace is a bug of the caller,
// who should append to a Clone.
func (tr *Trace) AppendToken(id int, display, token string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.sealed {
		panic("trace: AppendToken on a sealed trace: append to a Clone")
	}
	tr.IDs = append(tr.IDs, id)
	tr.Tokens = append(tr.Tokens, display)
	tr.TokenStrings = append(tr.TokenStrings, token)
}

// Names returns the recorded hook names in the order they first arrived.
func (tr *Trace) Names() []string {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	return slices.Clone(tr.order)
}

// Has reports whether the named hook was recorded.
func (tr *Trace) Has(name string) bool {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	return len(tr.chunks[name]) > 0
}

// Tensor returns the named hook over every recorded position. When tokens
// were generated after the prompt, their single-row passes are joined to the
// prompt's along the position axis; attention tensors are widened to the
// final key count, with masked keys as −Inf in scores and 0 in patterns.
func (tr *Trace) Tensor(name string) (Tensor, bool) {
	tr.mu.RLock()
	chunks := tr.chunks[name]
	tr.mu.RUnlock()
	switch len(chunks) {
	case 0:
		return Tensor{}, false
	case 1:
		return chunks[0], true
	}
	t, err := join(name, chunks)
	if err != nil {
		return Tensor{}, false
	}
	return t, true
}

// Passes returns the separately recorded passes of a hook: the prompt's
// first, then one per generated token.
func (tr *Trace) Passes(name string) []Tensor {
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	return slices.Clone(tr.chunks[name])
}

// Shape returns the shape of the named hook over every recorded position,
// as Tensor would return it, without joining the passes' data.
func (tr *Trace) Shape(name string) ([]int, bool) {
	tr.mu.RLock()
	chunks := tr.chunks[name]
	tr.mu.RUnlock()
	switch {
	case len(chunks) == 0:
		return nil, false
	case len(chunks) == 1:
		return slices.Clone(chunks[0].Shape), true
	}
	shape, _, err := joinedShape(name, chunks)
	return shape, err == nil
}

// joinedShape returns the shape of chunks of one hook joined along its
// position axis (attention tensors widened to the most keys), and the
// hook's layout.
func joinedShape(name string, chunks []Tensor) ([]int, Layout, error) {
	lay, err := LayoutOf(name, Dims{})
	if err != nil {
		return nil, lay, err
	}
	rank := len(chunks[0].Shape)
	if lay.PosAxis >= rank {
		return nil, lay, fmt.Errorf("trace: %q has rank %d", name, rank)
	}
	shape := slices.Clone(chunks[0].Shape)
	shape[lay.PosAxis] = 0
	for _, c := range chunks {
		if len(c.Shape) != rank {
			return nil, lay, fmt.Errorf("trace: %q passes differ in rank", name)
		}
		shape[lay.PosAxis] += c.Shape[lay.PosAxis]
		if lay.KeyAxis >= 0 {
			shape[lay.KeyAxis] = max(shape[lay.KeyAxis], c.Shape[lay.KeyAxis])
		}
	}
	return shape, lay, nil
}

// join concatenates chunks of one hook along its position axis.
func join(name string, chunks []Tensor) (Tensor, error) {
	shape, lay, err := joinedShape(name, chunks)
	if err != nil {
		return Tensor{}, err
	}
	first := chunks[0]
	pad := float32(0)
	if _, point, ok := ParseBlock(name); ok && point == AttnScores {
		pad = float32(math.Inf(-1))
	}
	out := Tensor{Name: name, Shape: shape, Offset: first.Offset}
	out.Data = make([]float32, out.Len())
	// outer: product of dims before the position axis; inner: after it.
	outer := 1
	for _, d := range shape[:lay.PosAxis] {
		outer *= d
	}
	rowLen := 1 // elements per position row in the output
	for _, d := range shape[lay.PosAxis+1:] {
		rowLen *= d
	}
	rows := shape[lay.PosAxis]
	at := 0 // first output row of the current chunk
	for _, c := range chunks {
		cRows := c.Shape[lay.PosAxis]
		cRowLen := 1
		for _, d := range c.Shape[lay.PosAxis+1:] {
			cRowLen *= d
		}
		for o := 0; o < outer; o++ {
			for r := 0; r < cRows; r++ {
				dst := out.Data[(o*rows+at+r)*rowLen : (o*rows+at+r+1)*rowLen]
				src := c.Data[(o*cRows+r)*cRowLen : (o*cRows+r+1)*cRowLen]
				n := copy(dst, src)
				for i := n; i < len(dst); i++ {
					dst[i] = pad
				}
			}
		}
		at += cRows
	}
	return out, nil
}
