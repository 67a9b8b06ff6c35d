package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Checkpoint file names in a Hugging Face model directory.
const (
	configFile      = "config.json"
	weightsFile     = "model.safetensors"
	weightsIndex    = "model.safetensors.index.json"
	vocabFile       = "vocab.json"
	mergesFile      = "merges.txt"
	tokenizerFile   = "tokenizer.json"
	pytorchWeights  = "pytorch_model.bin"
	prefixedWTEName = "transformer.wte.weight"
)

// ErrMissingTensor is wrapped when a checkpoint lacks a weight the config
// requires.
var ErrMissingTensor = errors.New("engine: tensor missing from checkpoint")

// ErrNonFinite is wrapped (in a TensorError) when a weight holds a NaN or
// an infinity, which would make every output of the model NaN.
var ErrNonFinite = errors.New("weight is not a finite number")

// A TensorError reports a weight whose stored shape or type does not match
// what the config requires.
type TensorError struct {
	File  string // the safetensors file
	Name  string // the key as stored, e.g. "h.3.attn.c_attn.weight"
	Want  []int
	Got   []int
	DType safetensors.DType
	Err   error
}

func (e *TensorError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("engine: %s: tensor %q: %v", e.File, e.Name, e.Err)
	}
	return fmt.Sprintf("engine: %s: tensor %q has shape %v, config.json implies %v", e.File, e.Name, e.Got, e.Want)
}

func (e *TensorError) Unwrap() error { return e.Err }

// checkpoint abstracts where a model's files come from: a directory (whose
// weights are memory-mapped) or an fs.FS such as the embedded default model.
type checkpoint interface {
	readFile(name string) ([]byte, error)
	open(name string) (fs.File, error)
	openWeights(name string) (*safetensors.File, error)
	where(name string) string // the path to name in error messages
}

type dirCheckpoint string

func (d dirCheckpoint) readFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), name))
}

func (d dirCheckpoint) open(name string) (fs.File, error) {
	return os.Open(filepath.Join(string(d), name))
}

func (d dirCheckpoint) openWeights(name string) (*safetensors.File, error) {
	return safetensors.Open(filepath.Join(string(d), name))
}

func (d dirCheckpoint) where(name string) string { return filepath.Join(string(d), name) }

type fsCheckpoint struct{ fsys fs.FS }

func (c fsCheckpoint) readFile(name string) ([]byte, error) { return fs.ReadFile(c.fsys, name) }

func (c fsCheckpoint) open(name string) (fs.File, error) { return c.fsys.Open(name) }

func (c fsCheckpoint) openWeights(name string) (*safetensors.File, error) {
	buf, err := fs.ReadFile(c.fsys, name)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Parse(buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

func (c fsCheckpoint) where(name string) string { return "embedded:" + name }

// LoadDir loads the model and tokenizer in a Hugging Face style directory.
func LoadDir(ctx context.Context, dir string) (*Model, *tokenizer.Tokenizer, error) {
	return LoadOptions{}.LoadDir(ctx, dir)
}

// LoadOptions are the choices of a load. The zero value reads every file
// as it is, as LoadDir and the other functions of this package do.
type LoadOptions struct {
	// TokenizerCache is a directory where a tokenizer read from its text
	// files is kept as a table file, named by the SHA-256 of those files,
	// so that the next load of the same files reads the table instead of
	// parsing them (tokenizer.ReadTableFile; see tokcache.go). Empty: no
	// cache.
	TokenizerCache string
	// CheckedWeights is a directory where a weight file found finite is
	// recorded by its identity (device, inode, size, modification and
	// change times), so that the next load of the same file skips reading
	// it all again (checked.go says when a record is trusted). Empty:
	// every load checks every weight.
	CheckedWeights string
}

// LoadDir is LoadDir with the options o.
func (o LoadOptions) LoadDir(ctx context.Context, dir string) (*Model, *tokenizer.Tokenizer, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("engine: load %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("engine: load %s: not a directory (HINT: give the folder holding config.json and model.safetensors)", dir)
	}
	m, tok, err := load(ctx, dirCheckpoint(dir), o)
	if err != nil {
		return nil, nil, err
	}
	m.Name = filepath.Base(filepath.Clean(dir))
	return m, tok, nil
}

// LoadFS loads the model and tokenizer at the root of fsys, reading the
// weights into memory. It is meant for small embedded models.
func LoadFS(ctx context.Context, fsys fs.FS, name string) (*Model, *tokenizer.Tokenizer, error) {
	m, tok, err := load(ctx, fsCheckpoint{fsys}, LoadOptions{})
	if err != nil {
		return nil, nil, err
	}
	m.Name = name
	return m, tok, nil
}

// LoadTokenizerDir loads only the tokenizer of a Hugging Face style
// directory (vocab.json and merges.txt, else tokenizer.json), for work
// that needs no weights, such as splitting text into tokens.
func LoadTokenizerDir(dir string) (*tokenizer.Tokenizer, error) {
	return LoadOptions{}.LoadTokenizerDir(dir)
}

// LoadTokenizerDir is LoadTokenizerDir with the options o.
func (o LoadOptions) LoadTokenizerDir(dir string) (*tokenizer.Tokenizer, error) {
	return loadTokenizer(dirCheckpoint(dir), o.TokenizerCache)
}

// LoadTokenizerFS loads only the tokenizer at the root of fsys.
func LoadTokenizerFS(fsys fs.FS) (*tokenizer.Tokenizer, error) {
	return loadTokenizer(fsCheckpoint{fsys}, "")
}

func load(ctx context.Context, src checkpoint, o LoadOptions) (*Model, *tokenizer.Tokenizer, error) {
	raw, err := src.readFile(configFile)
	if err != nil {
		return nil, nil, fmt.Errorf("engine: load: %w", err)
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", src.where(configFile), err)
	}
	// The tokenizer is parsed while the weights are mapped and checked:
	// the check waits on memory more than it computes.
	type tokResult struct {
		tok *tokenizer.Tokenizer
		err error
	}
	tokDone := make(chan tokResult, 1)
	go func() {
		tok, err := loadTokenizer(src, o.TokenizerCache)
		tokDone <- tokResult{tok, err}
	}()
	m, err := loadWeights(ctx, src, cfg, o.CheckedWeights)
	t := <-tokDone
	switch {
	case t.err != nil:
		err = t.err // reported first, as when the tokenizer was read first
	case err == nil && t.tok.VocabSize() > cfg.VocabSize:
		err = fmt.Errorf("engine: load: tokenizer has %d tokens but config.json vocab_size is %d", t.tok.VocabSize(), cfg.VocabSize)
	}
	if err != nil {
		if m != nil {
			m.Close()
		}
		return nil, nil, err
	}
	return m, t.tok, nil
}

// loadWeights maps or reads the weights, checks them against cfg and makes
// the model. checked is LoadOptions.CheckedWeights.
func loadWeights(ctx context.Context, src checkpoint, cfg Config, checked string) (*Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	files, err := openWeights(src)
	if err != nil {
		return nil, err
	}
	params, bound, err := bindWeights(src, cfg, files)
	if err != nil {
		closeAll(files)
		return nil, err
	}
	m := newModel(cfg, params)
	m.files = files
	m.mats.markMapped(bound)
	if err := checkWeights(m.pool, files, bound, checked, time.Now()); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// parseTokenizer reads the tokenizer of src from its text files:
// vocab.json and merges.txt when both are there, else tokenizer.json
// (tokenizerSources names them).
func parseTokenizer(src checkpoint) (*tokenizer.Tokenizer, error) {
	vocab, verr := src.readFile(vocabFile)
	merges, merr := src.readFile(mergesFile)
	if verr == nil && merr == nil {
		tok, err := tokenizer.Load(vocab, merges)
		if err != nil {
			return nil, fmt.Errorf("engine: %s: %w", src.where(vocabFile), err)
		}
		return tok, nil
	}
	if js, err := src.readFile(tokenizerFile); err == nil {
		tok, err := tokenizer.LoadTokenizerJSON(js)
		if err != nil {
			return nil, fmt.Errorf("engine: %s: %w", src.where(tokenizerFile), err)
		}
		return tok, nil
	}
	return nil, fmt.Errorf("engine: load: no tokenizer: need %s and %s, or %s (%v)",
		src.where(vocabFile), mergesFile, tokenizerFile, errors.Join(verr, merr))
}

// openWeights opens model.safetensors, or every shard named by
// model.safetensors.index.json.
func openWeights(src checkpoint) (map[string]*safetensors.File, error) {
	if idx, err := src.readFile(weightsIndex); err == nil {
		var index struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(idx, &index); err != nil {
			return nil, fmt.Errorf("engine: %s: %w", src.where(weightsIndex), err)
		}
		shards := map[string]bool{}
		for _, f := range index.WeightMap {
			if f == "" || strings.ContainsAny(f, `/\`) || f == ".." {
				return nil, fmt.Errorf("engine: %s: bad shard name %q", src.where(weightsIndex), f)
			}
			shards[f] = true
		}
		if len(shards) == 0 {
			return nil, fmt.Errorf("engine: %s: weight_map is empty", src.where(weightsIndex))
		}
		files := map[string]*safetensors.File{}
		names := make([]string, 0, len(shards))
		for s := range shards {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			f, err := src.openWeights(s)
			if err != nil {
				closeAll(files)
				return nil, fmt.Errorf("engine: weights: %w", err)
			}
			files[s] = f
		}
		return files, nil
	}
	f, err := src.openWeights(weightsFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, perr := src.readFile(pytorchWeights); perr == nil {
				return nil, fmt.Errorf("engine: %s: not found; only %s is present (HINT: convert it with transformers: model.save_pretrained(dir, safe_serialization=True))", src.where(weightsFile), pytorchWeights)
			}
		}
		return nil, fmt.Errorf("engine: weights: %w", err)
	}
	return map[string]*safetensors.File{weightsFile: f}, nil
}

func closeAll(files map[string]*safetensors.File) {
	for _, f := range files {
		f.Close()
	}
}

// bindWeights finds every weight the config requires, checks its shape and
// type, and points Params at it (F32 in place, other types widened). It
// returns the weights as found, for checkFinite.
func bindWeights(src checkpoint, cfg Config, files map[string]*safetensors.File) (Params, []boundTensor, error) {
	where := map[string]string{} // stored key -> shard
	for shard, f := range files {
		for _, t := range f.Tensors {
			where[t.Name] = shard
		}
	}
	prefix := ""
	if _, ok := where[prefixedWTEName]; ok {
		prefix = "transformer."
	}
	var p Params
	specs := p.Tensors(cfg)
	bound := make([]boundTensor, 0, len(specs))
	for _, spec := range specs {
		key := prefix + spec.Key
		if spec.Key == "lm_head.weight" {
			// The head sits outside the transformer module; a tied model
			// may still store a copy, which is ignored.
			key = spec.Key
		}
		shard, ok := where[key]
		if !ok {
			return Params{}, nil, fmt.Errorf("%w: %q (looked in %s)", ErrMissingTensor, key, strings.Join(sortedKeys(files), ", "))
		}
		f := files[shard]
		info, _ := f.Info(key)
		if !slices.Equal(info.Shape, spec.Shape) {
			return Params{}, nil, &TensorError{File: src.where(shard), Name: key, Want: spec.Shape, Got: info.Shape, DType: info.DType}
		}
		switch info.DType {
		case safetensors.F32, safetensors.F16, safetensors.BF16:
		default:
			return Params{}, nil, &TensorError{File: src.where(shard), Name: key, Want: spec.Shape, Got: info.Shape, DType: info.DType,
				Err: fmt.Errorf("dtype %s: weights must be F32, F16 or BF16", info.DType)}
		}
		_, data, err := f.Float32s(key)
		if err != nil {
			return Params{}, nil, &TensorError{File: src.where(shard), Name: key, Err: err}
		}
		*spec.Data = data
		bound = append(bound, boundTensor{shard: shard, file: src.where(shard), key: key, info: info, data: data, mapped: aliases(f, key, data)})
	}
	if cfg.Tied() {
		p.LMHead = p.WTE
	}
	return p, bound, nil
}

// aliases reports whether data is the named tensor of f in f's memory
// mapping itself, not a converted copy.
func aliases(f *safetensors.File, key string, data []float32) bool {
	_, raw, err := f.Bytes(key)
	if !f.Mapped() || err != nil || len(raw) == 0 || len(data) == 0 {
		return false
	}
	return &safetensors.Float32Bytes(data)[0] == &raw[0]
}

func sortedKeys(m map[string]*safetensors.File) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
