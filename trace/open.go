package trace

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Errors of reading trace files that are not necessarily the explorer's
// own; each is wrapped with the tensor and the detail.
var (
	ErrShape   = errors.New("trace: tensors disagree")
	ErrValue   = errors.New("trace: bad values")
	ErrNoHooks = errors.New("trace: no hook the explorer knows")
	ErrBatch   = errors.New("trace: batch")
	ErrTokens  = errors.New("trace: tokens")
	ErrTooBig  = errors.New("trace: file too large")
)

// ReadOptions say how to read a trace file whose metadata may not say
// everything: a file of TransformerLens-named tensors saved from Python,
// with or without a leading batch dimension. The zero value reads the
// first row of a batch and shows the positions as "[0]", "[1]", ...
// when the file names no tokens.
type ReadOptions struct {
	// BatchIndex is the row to read from a file whose tensors have a
	// leading batch dimension [B, ...]. It must be 0 for a file without
	// one.
	BatchIndex int
	// IDs are the token ids of the positions, used only when the file has
	// no input_ids tensor.
	IDs []int
	// Tokens are the display strings of the positions, used only when
	// the file's metadata has none.
	Tokens []string
	// Label, when not nil, returns the display and vocabulary strings of
	// a token id (a tokenizer's Display and Token). It names the positions
	// of a file that has ids but no token strings, and the ids of the
	// derived hooks.
	Label func(id int) (display, vocab string)
	// MaxBytes, when positive, bounds the memory the trace takes (four
	// bytes a value, whatever the file's element type); a larger file is
	// refused with ErrTooBig before any tensor is decoded.
	MaxBytes int64
}

// A ReadReport says how a trace file was read.
type ReadReport struct {
	// Explorer reports whether the file has the explorer's metadata.
	Explorer bool
	// Batch is the file's batch size, or 0 when its tensors have no batch
	// dimension.
	Batch int
	// Inferred reports whether the model's shape was inferred from the
	// tensors, which leaves what no tensor shows (the context length,
	// LayerNorm's ε, the activation) unknown, that is zero.
	Inferred bool
	// Tokens says where the tokens' display strings came from: "metadata",
	// "options", "ids" (Label on the file's or the options' ids) or
	// "positions".
	Tokens string
	// Ignored lists the tensors that are not hooks the explorer knows, in
	// file order; they were skipped.
	Ignored []string
}

// MaxLayers bounds the blocks of a trace file: a block index at or past
// it is an error, not a model of that depth (GPT-2 XL has 48 layers).
const MaxLayers = 256

// PositionToken returns the display string of position i in a trace
// whose tokens are unknown: "[i]".
func PositionToken(i int) string { return "[" + strconv.Itoa(i) + "]" }

// UnknownID is the token id of a position whose id the trace file does not
// give.
const UnknownID = -1

// Open reads a trace file: the explorer's own (see Write), or a safetensors
// file of tensors named as TransformerLens names its hooks (hook_embed,
// blocks.0.attn.hook_pattern, ..., logits, and optionally input_ids), as
// F32, F16, BF16 or F64, each with or without a leading batch dimension.
// The model's shape comes from the explorer's metadata or, without it, from
// the tensors, which must agree with one another. In a file without the
// explorer's metadata, tensors holding NaN, or infinities anywhere but the
// masked attention scores, are refused (the explorer's own files keep what
// the engine computed, even from a model whose training diverged). Errors
// name the file and the tensor and wrap ErrShape, ErrValue, ErrNoHooks,
// ErrBatch, ErrTokens, ErrTooBig or ErrFormat.
func Open(path string, opt ReadOptions) (*Trace, ReadReport, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, ReadReport{}, fmt.Errorf("trace: read: %w", err)
	}
	defer f.Close()
	tr, rep, err := decode(f, opt)
	if err != nil {
		return nil, rep, fmt.Errorf("trace: read %s: %w", path, err)
	}
	return tr, rep, nil
}

// Decode reads a trace from the bytes of a trace file, as Open does. The
// trace does not refer to buf.
func Decode(buf []byte, opt ReadOptions) (*Trace, ReadReport, error) {
	f, err := safetensors.Parse(buf)
	if err != nil {
		return nil, ReadReport{}, fmt.Errorf("trace: read: %w", err)
	}
	tr, rep, err := decode(f, opt)
	if err != nil {
		return nil, rep, fmt.Errorf("trace: read: %w", err)
	}
	return tr, rep, nil
}

// hookTensor is a tensor of the file that a hook of the trace comes from.
type hookTensor struct {
	info  safetensors.Info
	shape []int // without the batch dimension
}

// decode reads the trace in f. It checks every shape and the budget before
// it decodes any data.
func decode(f *safetensors.File, opt ReadOptions) (*Trace, ReadReport, error) {
	var rep ReadReport
	meta, err := readMetadata(f.Metadata)
	if err != nil {
		return nil, rep, err
	}
	fileTokens, err := foreignTokens(f.Metadata, meta, opt.BatchIndex)
	if err != nil {
		return nil, rep, err
	}
	rep.Explorer = meta != nil
	// Which tensors become hooks, in forward order.
	var names []string
	if meta != nil {
		names = meta.hooks
		for i, name := range names {
			if slices.Contains(names[:i], name) {
				return nil, rep, fmt.Errorf("%w: metadata lists %q twice", ErrFormat, name)
			}
			if _, known := symbolicShape(name); !known || name == InputIDs {
				return nil, rep, fmt.Errorf("%w: metadata lists %q, which is not a hook", ErrFormat, name)
			}
			if _, ok := f.Info(name); !ok {
				return nil, rep, fmt.Errorf("%w: hook %q listed but not stored", ErrFormat, name)
			}
		}
	}
	layers := 0
	for _, info := range f.Tensors {
		_, known := symbolicShape(info.Name)
		if l, _, ok := ParseBlock(info.Name); ok {
			if l >= MaxLayers {
				return nil, rep, fmt.Errorf("%w: %s is in block %d; a trace has at most %d layers", ErrShape, info.Name, l, MaxLayers)
			}
			layers = max(layers, l+1)
		}
		switch {
		case info.Name == InputIDs:
		case !known || (meta != nil && !slices.Contains(names, info.Name)):
			rep.Ignored = append(rep.Ignored, info.Name)
		case meta == nil:
			names = append(names, info.Name)
		}
	}
	if meta == nil {
		order := Names(layers)
		slices.SortStableFunc(names, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	}
	_, hasIDs := f.Info(InputIDs)
	switch {
	case meta != nil && !hasIDs:
		return nil, rep, fmt.Errorf("%w: no %s tensor", ErrFormat, InputIDs)
	case len(names) == 0 && meta == nil:
		return nil, rep, noHooksError(f)
	}
	// Shapes: the batch dimension, then the sizes the hooks share.
	hooks := make(map[string]hookTensor, len(names)+1)
	all := names
	if hasIDs {
		all = append(slices.Clone(names), InputIDs)
	}
	var batched, flat string
	for _, name := range all {
		info, _ := f.Info(name)
		want, _ := symbolicShape(name)
		h := hookTensor{info: info, shape: info.Shape}
		switch len(info.Shape) {
		case len(want):
			flat = name
		case len(want) + 1:
			b := info.Shape[0]
			if rep.Batch != 0 && b != rep.Batch {
				return nil, rep, fmt.Errorf("%w: %s has a batch of %d, but %s has %d", ErrBatch, name, b, batched, rep.Batch)
			}
			if b < 1 {
				return nil, rep, fmt.Errorf("%w: %s is %v, an empty batch", ErrBatch, name, info.Shape)
			}
			rep.Batch, batched = b, name
			h.shape = info.Shape[1:]
		default:
			return nil, rep, fmt.Errorf("%w: %s is %v; want %s, or that with a leading batch dimension",
				ErrShape, name, info.Shape, shapeText(want))
		}
		hooks[name] = h
	}
	switch {
	case rep.Batch > 1 && flat != "":
		return nil, rep, fmt.Errorf("%w: %s has a batch of %d but %s has no batch dimension, so it is unclear which row it belongs to; save every tensor with the batch or every one without it",
			ErrBatch, batched, rep.Batch, flat)
	case rep.Batch == 0 && opt.BatchIndex != 0:
		return nil, rep, fmt.Errorf("%w: index %d: the file's tensors have no batch dimension, so the only row is 0", ErrBatch, opt.BatchIndex)
	case opt.BatchIndex < 0 || (rep.Batch > 0 && opt.BatchIndex >= rep.Batch):
		return nil, rep, fmt.Errorf("%w: index %d: the file holds a batch of %d (rows 0 to %d)", ErrBatch, opt.BatchIndex, rep.Batch, rep.Batch-1)
	}
	z := newSizes()
	if meta != nil {
		if err := z.seed(meta.model, "the file's metadata"); err != nil {
			return nil, rep, err
		}
	}
	for _, name := range all {
		want, _ := symbolicShape(name)
		if err := z.match(name, want, hooks[name].shape); err != nil {
			return nil, rep, err
		}
	}
	model, err := inferModel(z, meta, layers)
	if err != nil {
		return nil, rep, err
	}
	rep.Inferred = meta == nil
	T := z.val[sizeT]
	if opt.MaxBytes > 0 {
		var n int64
		for _, name := range names {
			n += 4 * int64(elements(hooks[name].shape))
		}
		if n > opt.MaxBytes {
			return nil, rep, fmt.Errorf("%w: its hooks take %d bytes, more than the %d allowed", ErrTooBig, n, opt.MaxBytes)
		}
	}
	// Data: the batch row of every tensor, checked value by value.
	ids, err := readIDs(f, hooks, opt, T)
	if err != nil {
		return nil, rep, err
	}
	tr := New(model, "", ids, nil, nil)
	if meta != nil {
		tr.Text, tr.TokenStrings, tr.Labels = meta.text, meta.tokenStrings, meta.labels
	}
	for _, name := range names {
		data, err := readRow(f, hooks[name], opt.BatchIndex)
		if err != nil {
			return nil, rep, err
		}
		if meta == nil {
			if err := checkValues(name, hooks[name].shape, data); err != nil {
				return nil, rep, err
			}
		}
		// Record copies, so nothing aliases the (possibly mapped) file.
		if err := tr.Record(Tensor{Name: name, Shape: hooks[name].shape, Data: data}); err != nil {
			return nil, rep, err
		}
	}
	if rep.Tokens, err = nameTokens(tr, fileTokens, opt); err != nil {
		return nil, rep, err
	}
	return tr, rep, nil
}

// inferModel returns the model the file's metadata describes, checked
// against the tensors, or the one the tensors imply.
func inferModel(z *sizes, meta *fileMeta, layers int) (ModelInfo, error) {
	if meta == nil {
		return z.model(layers, false)
	}
	if layers > meta.model.NLayer {
		return ModelInfo{}, fmt.Errorf("%w: the metadata says %d layers, but the file holds block %d", ErrShape, meta.model.NLayer, layers-1)
	}
	if _, err := z.model(meta.model.NLayer, true); err != nil {
		return ModelInfo{}, err
	}
	return meta.model, nil
}

// noHooksError lists what the file holds instead of hooks.
func noHooksError(f *safetensors.File) error {
	if len(f.Tensors) == 0 {
		return fmt.Errorf("%w: the file holds no tensors", ErrNoHooks)
	}
	names := make([]string, 0, 5)
	for _, info := range f.Tensors[:min(len(f.Tensors), 5)] {
		names = append(names, strconv.Quote(info.Name))
	}
	more := ""
	if len(f.Tensors) > 5 {
		more = fmt.Sprintf(" and %d more", len(f.Tensors)-5)
	}
	return fmt.Errorf("%w: the file holds %s%s; hooks are named as TransformerLens names them, e.g. %q, %q, %q",
		ErrNoHooks, strings.Join(names, ", "), more, Embed, Block(0, AttnPattern), Logits)
}

func elements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// readRow returns the values of row b of a hook's tensor as float32 (the
// slice may alias the file when the tensor is F32).
func readRow(f *safetensors.File, h hookTensor, b int) ([]float32, error) {
	n := elements(h.shape)
	if len(h.info.Shape) == len(h.shape) {
		b = 0
	}
	size := h.info.DType.Size()
	_, raw, err := f.Bytes(h.info.Name)
	if err != nil {
		return nil, err
	}
	raw = raw[b*n*size : (b+1)*n*size]
	switch h.info.DType {
	case safetensors.F32, safetensors.F16, safetensors.BF16, safetensors.F64:
		v, err := safetensors.ToFloat32(h.info.DType, raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", h.info.Name, err)
		}
		return v, nil
	}
	if !IsIDs(h.info.Name) {
		return nil, fmt.Errorf("%w: %s is %s; hooks hold F32, F16, BF16 or F64 values", ErrValue, h.info.Name, h.info.DType)
	}
	ints, err := safetensors.ToInt64(h.info.DType, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFormat, h.info.Name, err)
	}
	v := make([]float32, len(ints))
	for i, x := range ints {
		if x < -1 || x > 1<<24 {
			return nil, fmt.Errorf("%w: %s%v = %d is not a token id", ErrValue, h.info.Name, Index(h.shape, i), x)
		}
		v[i] = float32(x)
	}
	return v, nil
}

// readIDs returns the token ids of the positions: the file's input_ids,
// else the options', else UnknownID for every position.
func readIDs(f *safetensors.File, hooks map[string]hookTensor, opt ReadOptions, T int) ([]int, error) {
	h, ok := hooks[InputIDs]
	if !ok {
		if opt.IDs == nil {
			ids := make([]int, T)
			for i := range ids {
				ids[i] = UnknownID
			}
			return ids, nil
		}
		if len(opt.IDs) != T {
			return nil, fmt.Errorf("%w: %d token ids given for %d positions", ErrTokens, len(opt.IDs), T)
		}
		return slices.Clone(opt.IDs), nil
	}
	b := opt.BatchIndex
	if len(h.info.Shape) == 1 {
		b = 0
	}
	_, raw, err := f.Bytes(InputIDs)
	if err != nil {
		return nil, err
	}
	size := h.info.DType.Size()
	raw = raw[b*T*size : (b+1)*T*size]
	switch h.info.DType {
	case safetensors.F32, safetensors.F16, safetensors.BF16, safetensors.F64:
		return nil, fmt.Errorf("%w: %s is %s; token ids are integers (I64 or I32)", ErrValue, InputIDs, h.info.DType)
	}
	v, err := safetensors.ToInt64(h.info.DType, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrFormat, InputIDs, err)
	}
	ids := make([]int, len(v))
	for i, x := range v {
		if x < UnknownID || x > math.MaxInt32 {
			return nil, fmt.Errorf("%w: %s[%d] = %d is not a token id", ErrValue, InputIDs, i, x)
		}
		ids[i] = int(x)
	}
	return ids, nil
}

// checkValues refuses NaN anywhere and infinities anywhere but the
// masked cells of the attention scores.
func checkValues(name string, shape []int, data []float32) error {
	_, point, _ := ParseBlock(name)
	for i, x := range data {
		v := float64(x)
		switch {
		case math.IsNaN(v):
			return fmt.Errorf("%w: %s%v is NaN (not a number): the model or its export produced it; check the cache in Python (e.g. torch.isnan(t).any())",
				ErrValue, name, Index(shape, i))
		case math.IsInf(v, -1) && point == AttnScores:
		case math.IsInf(v, 0):
			return fmt.Errorf("%w: %s%v is %v, and only masked attention scores may be infinite (an F16 overflow does this: save the cache as float32)",
				ErrValue, name, Index(shape, i), v)
		}
	}
	return nil
}

// nameTokens fills in the display and vocabulary strings of the trace's
// positions and the labels of the derived hooks' ids, and says where the
// display strings came from.
func nameTokens(tr *Trace, fileTokens []string, opt ReadOptions) (string, error) {
	T := len(tr.IDs)
	from := ""
	switch {
	case fileTokens != nil:
		tr.Tokens, from = fileTokens, "metadata"
	case opt.Tokens != nil:
		if len(opt.Tokens) != T {
			return "", fmt.Errorf("%w: %d token strings given for %d positions", ErrTokens, len(opt.Tokens), T)
		}
		tr.Tokens, from = slices.Clone(opt.Tokens), "options"
	case opt.Label != nil && !slices.Contains(tr.IDs, UnknownID):
		tr.Tokens, tr.TokenStrings = make([]string, T), make([]string, T)
		for i, id := range tr.IDs {
			tr.Tokens[i], tr.TokenStrings[i] = opt.Label(id)
		}
		from = "ids"
	default:
		tr.Tokens = make([]string, T)
		for i := range tr.Tokens {
			tr.Tokens[i] = PositionToken(i)
		}
		from = "positions"
	}
	if len(tr.Tokens) != T {
		return "", fmt.Errorf("%w: the file's metadata names %d tokens for %d positions", ErrTokens, len(tr.Tokens), T)
	}
	if len(tr.TokenStrings) != T {
		tr.TokenStrings = slices.Clone(tr.Tokens)
	}
	if opt.Label != nil {
		for _, name := range []string{NextTopIDs, LensTopIDs} {
			t, ok := tr.Tensor(name)
			if !ok {
				continue
			}
			for _, x := range t.Data {
				id := int(x)
				if _, done := tr.Labels[id]; id >= 0 && !done {
					tr.Labels[id], _ = opt.Label(id)
				}
			}
		}
	}
	return from, nil
}
