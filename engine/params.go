package engine

import (
	"strconv"
)

// Params are the weights of a GPT-2 model, named after their checkpoint
// keys. Loaded F32 weights alias the memory-mapped file and must not be
// written; use NewParams for weights that change (training).
type Params struct {
	WTE    []float32 // wte.weight (V, C): token embeddings, also the tied LM head
	WPE    []float32 // wpe.weight (P, C): position embeddings, P = n_positions
	Blocks []BlockParams
	LnFW   []float32 // ln_f.weight (C)
	LnFB   []float32 // ln_f.bias (C)
	// LMHead is lm_head.weight (V, C); the same slice as WTE when tied.
	LMHead []float32

	flat []float32 // the single allocation behind NewParams
}

// BlockParams are the weights of transformer block i, keys h.{i}.*.
// Matrices are in Hugging Face's Conv1D layout (in, out).
type BlockParams struct {
	Ln1W, Ln1B []float32 // ln_1.weight, ln_1.bias (C)
	AttnW      []float32 // attn.c_attn.weight (C, 3C): q, k, v side by side
	AttnB      []float32 // attn.c_attn.bias (3C)
	AttnProjW  []float32 // attn.c_proj.weight (C, C)
	AttnProjB  []float32 // attn.c_proj.bias (C)
	Ln2W, Ln2B []float32 // ln_2.weight, ln_2.bias (C)
	FcW        []float32 // mlp.c_fc.weight (C, F)
	FcB        []float32 // mlp.c_fc.bias (F)
	FcProjW    []float32 // mlp.c_proj.weight (F, C)
	FcProjB    []float32 // mlp.c_proj.bias (C)
}

// A ParamTensor is one weight of the model: its checkpoint key (without
// the "transformer." prefix), shape and storage.
type ParamTensor struct {
	Key   string
	Shape []int
	Data  *[]float32
	// Kind groups tensors for training: "embedding", "matrix", "bias" or "norm".
	// Weight decay applies to embeddings and matrices only.
	Kind string
}

// Tensors lists every weight of p in checkpoint order, the one place the
// weight keys and shapes are spelled out. The LM head is listed only when
// it is not tied to wte.
func (p *Params) Tensors(cfg Config) []ParamTensor {
	C, F, V, P := cfg.NEmbd, cfg.Inner(), cfg.VocabSize, cfg.NPositions
	ts := []ParamTensor{
		{"wte.weight", []int{V, C}, &p.WTE, "embedding"},
		{"wpe.weight", []int{P, C}, &p.WPE, "embedding"},
	}
	if len(p.Blocks) != cfg.NLayer {
		p.Blocks = make([]BlockParams, cfg.NLayer)
	}
	for i := range p.Blocks {
		b := &p.Blocks[i]
		h := "h." + strconv.Itoa(i) + "."
		ts = append(ts,
			ParamTensor{h + "ln_1.weight", []int{C}, &b.Ln1W, "norm"},
			ParamTensor{h + "ln_1.bias", []int{C}, &b.Ln1B, "norm"},
			ParamTensor{h + "attn.c_attn.weight", []int{C, 3 * C}, &b.AttnW, "matrix"},
			ParamTensor{h + "attn.c_attn.bias", []int{3 * C}, &b.AttnB, "bias"},
			ParamTensor{h + "attn.c_proj.weight", []int{C, C}, &b.AttnProjW, "matrix"},
			ParamTensor{h + "attn.c_proj.bias", []int{C}, &b.AttnProjB, "bias"},
			ParamTensor{h + "ln_2.weight", []int{C}, &b.Ln2W, "norm"},
			ParamTensor{h + "ln_2.bias", []int{C}, &b.Ln2B, "norm"},
			ParamTensor{h + "mlp.c_fc.weight", []int{C, F}, &b.FcW, "matrix"},
			ParamTensor{h + "mlp.c_fc.bias", []int{F}, &b.FcB, "bias"},
			ParamTensor{h + "mlp.c_proj.weight", []int{F, C}, &b.FcProjW, "matrix"},
			ParamTensor{h + "mlp.c_proj.bias", []int{C}, &b.FcProjB, "bias"},
		)
	}
	ts = append(ts,
		ParamTensor{"ln_f.weight", []int{C}, &p.LnFW, "norm"},
		ParamTensor{"ln_f.bias", []int{C}, &p.LnFB, "norm"},
	)
	if !cfg.Tied() {
		ts = append(ts, ParamTensor{"lm_head.weight", []int{V, C}, &p.LMHead, "matrix"})
	}
	return ts
}

// NewParams allocates zeroed weights for cfg in one contiguous block and
// points every tensor into it (so an optimizer can treat them as one
// vector, which Flat returns).
func NewParams(cfg Config) *Params {
	p := &Params{}
	ts := p.Tensors(cfg)
	total := 0
	for _, t := range ts {
		total += numElements(t.Shape)
	}
	flat := make([]float32, total)
	off := 0
	for _, t := range ts {
		n := numElements(t.Shape)
		*t.Data = flat[off : off+n : off+n]
		off += n
	}
	if cfg.Tied() {
		p.LMHead = p.WTE
	}
	p.flat = flat
	return p
}

// Flat returns the contiguous storage behind weights made by NewParams, in
// the order of Tensors, or nil for weights that are not one block (such as
// a loaded checkpoint).
func (p *Params) Flat() []float32 { return p.flat }

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
