package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
//
// A Model owns its weights (see Params) and never changes them.
type Model struct {
	Config Config
	// Name identifies the model in traces and the UI, e.g. "gpt2".
	Name string

	params Params
	mats   matrices // the matrices of params, with their packed copies
	pool   *kernel.Pool
	files  map[string]*safetensors.File
	// hooks[l] are the hook names of block l (see blockHookNames), built
	// once so a forward pass formats no names.
	hooks [][numBlockHooks]string

	// closed is closed by Close, which then waits for packers, the
	// PackWeights calls still running, before freeing what they pack.
	mu      sync.Mutex
	closed  chan struct{}
	packers sync.WaitGroup
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
// (see Params.Tensors). The model takes ownership of params: the caller
// must not change them afterwards (a change would reach only the products
// that read the checkpoint's layout, not the packed copies; to run other
// weights, make another Model). The model owns a worker pool with one
// worker per CPU until Close. Its matrices are not packed (see
// PackWeights).
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
	return newModel(cfg, params), nil
}

func newModel(cfg Config, params Params) *Model {
	m := &Model{Config: cfg, params: params, pool: kernel.NewPool(0), closed: make(chan struct{})}
	m.mats = newMatrices(cfg, &m.params)
	m.hooks = make([][numBlockHooks]string, cfg.NLayer)
	for l := range m.hooks {
		m.hooks[l] = blockHookNames(l)
	}
	return m
}

// Params returns the model's weights, named after their checkpoint keys.
// They are read-only: loaded F32 weights alias the memory-mapped file, and
// the model may compute with packed copies of them.
func (m *Model) Params() *Params { return &m.params }

// PackWeights copies every weight matrix (the unembedding included), in
// the order a pass uses them, into the matrix kernels' panel layout
// (kernel.Pool.PackMapped), the form their products read fastest, and
// returns when all are packed, or early with ctx's error. Passes may run
// meanwhile on other goroutines: each product reads its matrix's packed
// copy from the moment the copy exists. Packed matrices take as much
// memory again as the matrices (≈ 500 MB for GPT-2 small), mapped outside
// the Go heap until Close, and packing them costs about as much time as
// one pass of 64 tokens spends reading them; see the package doc for who
// packs. Packing matrices that are packed already does nothing.
func (m *Model) PackWeights(ctx context.Context) error {
	m.mu.Lock()
	select {
	case <-m.closed:
		m.mu.Unlock()
		return errors.New("engine: pack the weights: the model is closed")
	default:
	}
	m.packers.Add(1)
	m.mu.Unlock()
	defer m.packers.Done()
	for _, l := range m.mats.all() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.closed:
			return errors.New("engine: pack the weights: the model is closed")
		default:
		}
		if _, err := l.pack(m.pool); err != nil {
			return fmt.Errorf("engine: pack the weights: %w", err)
		}
	}
	return nil
}

// Close stops any PackWeights call, then releases the model's worker pool,
// its packed weights and any memory-mapped weight files. No pass may be
// running, and the model must not be used afterwards.
func (m *Model) Close() error {
	m.mu.Lock()
	select {
	case <-m.closed:
	default:
		close(m.closed)
	}
	m.mu.Unlock()
	m.packers.Wait()
	m.pool.Close()
	for _, l := range m.mats.all() {
		l.free()
	}
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
