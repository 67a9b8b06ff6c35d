package engine

import (
	"errors"
	"fmt"

	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Errors about the input of a forward pass.
var (
	ErrTooLong    = errors.New("engine: prompt longer than context")
	ErrEmpty      = errors.New("engine: no tokens")
	ErrBadTokenID = errors.New("engine: token id out of range")
)

// TopK is how many candidates the derived hooks (next-token predictions and
// the logit lens) keep per position.
const TopK = 10

// A Model is a GPT-2 ready to run. Its methods may be called from several
// goroutines at once: each forward pass keeps its activations in its own
// State. Close releases the memory-mapped weights and the worker pool.
type Model struct {
	Config Config
	Params Params
	// Name identifies the model in traces and the UI, e.g. "gpt2".
	Name string

	pool   *kernel.Pool
	packed packedWeights
	files  map[string]*safetensors.File
	// hooks[l][i] is trace.Block(l, trace.BlockPoints()[i]), built once so
	// a forward pass formats no names.
	hooks [][]string
}

// Indexes into Model.hooks rows, in the order of trace.BlockPoints.
const (
	hResidPre = iota
	hLN1Scale
	hLN1Normalized
	hQ
	hK
	hV
	hScores
	hPattern
	hZ
	hAttnOut
	hResidMid
	hLN2Scale
	hLN2Normalized
	hMLPPre
	hMLPPost
	hMLPOut
	hResidPost
	numBlockHooks
)

// New returns a model that computes with params, which must match cfg
// (see Params.Tensors). The model owns a worker pool with one worker per
// CPU until Close.
func New(cfg Config, params Params) (*Model, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	for _, t := range params.Tensors(cfg) {
		if len(*t.Data) != numElements(t.Shape) {
			return nil, fmt.Errorf("engine: weight %q has %d values, want %v", t.Key, len(*t.Data), t.Shape)
		}
	}
	if cfg.Tied() {
		params.LMHead = params.WTE
	}
	return newModel(cfg, params)
}

func newModel(cfg Config, params Params) (*Model, error) {
	m := &Model{Config: cfg, Params: params, pool: kernel.NewPool(0)}
	var err error
	if m.packed, err = packWeights(m.pool, cfg, &m.Params); err != nil {
		m.pool.Close()
		return nil, err
	}
	points := trace.BlockPoints()
	if len(points) != numBlockHooks {
		panic("engine: hook table out of date with trace.BlockPoints")
	}
	m.hooks = make([][]string, cfg.NLayer)
	for l := range m.hooks {
		m.hooks[l] = make([]string, len(points))
		for i, p := range points {
			m.hooks[l][i] = trace.Block(l, p)
		}
	}
	return m, nil
}

// packedWeights are the model's matrices copied once, when the model is
// made, into the panel layout of the pool's matrix kernel (kernel.Pack),
// so that no forward pass spends time packing them and every product reads
// its weight as one contiguous stream. They take as much memory again as
// the matrices in Params (≈ 500 MB for GPT-2 small, the unembedding
// included), which stay the weights' canonical form. That memory is mapped
// outside the Go heap (kernel.PackMapped) and released by Close.
type packedWeights struct {
	blocks []packedBlock
	lmHead *kernel.Packed // (C, V): logits = x · lm_headᵀ
}

// packedBlock holds one block's four Conv1D weights, each (in, out).
type packedBlock struct {
	attn, attnProj, fc, fcProj *kernel.Packed
}

func packWeights(p *kernel.Pool, cfg Config, w *Params) (packedWeights, error) {
	C, F, V := cfg.NEmbd, cfg.Inner(), cfg.VocabSize
	pw := packedWeights{blocks: make([]packedBlock, cfg.NLayer)}
	var err error
	pack := func(transB bool, K, N int, b []float32, ldb int) *kernel.Packed {
		if err != nil {
			return nil
		}
		var pk *kernel.Packed
		pk, err = p.PackMapped(transB, K, N, b, ldb)
		return pk
	}
	for l := range pw.blocks {
		b := &w.Blocks[l]
		pw.blocks[l] = packedBlock{
			attn:     pack(false, C, 3*C, b.AttnW, 3*C),
			attnProj: pack(false, C, C, b.AttnProjW, C),
			fc:       pack(false, C, F, b.FcW, F),
			fcProj:   pack(false, F, C, b.FcProjW, C),
		}
	}
	pw.lmHead = pack(true, C, V, w.LMHead, C)
	if err != nil {
		pw.free()
		return packedWeights{}, fmt.Errorf("engine: pack the weights: %w", err)
	}
	return pw, nil
}

// free releases the packed matrices' memory.
func (pw packedWeights) free() {
	for _, b := range pw.blocks {
		for _, pk := range []*kernel.Packed{b.attn, b.attnProj, b.fc, b.fcProj} {
			if pk != nil {
				pk.Free()
			}
		}
	}
	if pw.lmHead != nil {
		pw.lmHead.Free()
	}
}

// Close releases the model's worker pool, its packed weights and any
// memory-mapped weight files. The model must not be used afterwards.
func (m *Model) Close() error {
	m.pool.Close()
	m.packed.free()
	var errs []error
	for _, f := range m.files {
		errs = append(errs, f.Close())
	}
	m.files = nil
	return errors.Join(errs...)
}

// Pool returns the worker pool the model computes with.
func (m *Model) Pool() *kernel.Pool { return m.pool }

// Info describes the model for traces.
func (m *Model) Info() trace.ModelInfo { return m.Config.Info(m.Name) }

// checkIDs validates token ids for a pass that starts at position start.
func (m *Model) checkIDs(ids []int, start int) error {
	if len(ids) == 0 {
		return ErrEmpty
	}
	if start+len(ids) > m.Config.NPositions {
		return fmt.Errorf("%w: %d tokens, the model's context is %d (HINT: shorten the prompt)",
			ErrTooLong, start+len(ids), m.Config.NPositions)
	}
	for i, id := range ids {
		if id < 0 || id >= m.Config.VocabSize {
			return fmt.Errorf("%w: ids[%d] = %d, vocabulary has %d entries", ErrBadTokenID, i, id, m.Config.VocabSize)
		}
	}
	return nil
}
