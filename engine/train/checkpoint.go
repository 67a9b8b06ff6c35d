package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/engine/tokenizer"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Files of a checkpoint directory. The first five are the Hugging Face
// GPT-2 layout that engine.LoadDir and transformers' GPT2LMHeadModel load;
// the last two hold the optimizer and schedule state for resuming.
const (
	ConfigFile           = "config.json"
	WeightsFile          = "model.safetensors"
	VocabFile            = "vocab.json"
	MergesFile           = "merges.txt"
	GenerationConfigFile = "generation_config.json"
	OptimizerFile        = "optimizer.safetensors"
	StateFile            = "trainer_state.json"
)

// ErrNoState is wrapped when resuming from a checkpoint that has no
// optimizer state (it was not written by a training run).
var ErrNoState = errors.New("train: checkpoint has no trainer state")

// A Checkpoint is a model's weights and tokenizer, plus the optimizer
// state when it was saved during training.
type Checkpoint struct {
	Config    engine.Config
	Params    *engine.Params // one contiguous block (NewParams)
	Tokenizer *tokenizer.Tokenizer
	// State is nil when the directory has no trainer state.
	State *State
}

// State is what a training run needs to continue where it stopped.
type State struct {
	Step    int     `json:"step"`     // optimizer steps completed
	Seed    uint64  `json:"seed"`     // seed of the run
	Loss    float64 `json:"loss"`     // training loss of the last step
	ValLoss float64 `json:"val_loss"` // last validation loss, or 0
	Tokens  int64   `json:"tokens"`   // tokens trained on so far
	// The schedule of the run, so that a resumed run can continue it.
	Steps   int     `json:"steps"`
	LR      float64 `json:"lr"`
	MinLR   float64 `json:"min_lr"`
	Warmup  int     `json:"warmup"`
	Batch   int     `json:"batch"`
	Context int     `json:"context"`
	// Moments are AdamW's m and v, in the order of Params.Flat.
	M, V []float32 `json:"-"`
}

// hfConfig is config.json as transformers' GPT2Config writes it.
func hfConfig(cfg engine.Config, dtype safetensors.DType, eot int) map[string]any {
	torchDType := "float32"
	if dtype == safetensors.F16 {
		torchDType = "float16"
	}
	m := map[string]any{
		"activation_function": cfg.ActivationFunction, "architectures": []string{"GPT2LMHeadModel"},
		"attn_pdrop": 0.0, "embd_pdrop": 0.0, "resid_pdrop": 0.0, "initializer_range": 0.02,
		"layer_norm_epsilon": cfg.LayerNormEpsilon, "model_type": "gpt2",
		"n_ctx": cfg.NPositions, "n_positions": cfg.NPositions, "n_embd": cfg.NEmbd,
		"n_head": cfg.NHead, "n_layer": cfg.NLayer, "n_inner": cfg.NInner,
		"reorder_and_upcast_attn": false, "scale_attn_by_inverse_layer_idx": false, "scale_attn_weights": true,
		"summary_activation": nil, "summary_first_dropout": 0.0, "summary_proj_to_labels": true,
		"summary_type": "cls_index", "summary_use_proj": true,
		"tie_word_embeddings": cfg.Tied(), "torch_dtype": torchDType, "use_cache": true,
		"vocab_size": cfg.VocabSize,
	}
	if eot >= 0 {
		m["bos_token_id"], m["eos_token_id"] = eot, eot
	}
	return m
}

// Save writes the model in cfg/params and its tokenizer to dir in Hugging
// Face layout, with weights of type dtype (F32, or F16 to halve the size),
// and, when st is not nil, the trainer state. The directory is created if
// needed. Each file is written to a temporary of its own beside it and
// renamed over it (engine/atomicfile), so an interrupted or failed save
// leaves the previous file intact and no temporary behind.
func Save(dir string, cfg engine.Config, params *engine.Params, tok *tokenizer.Tokenizer, dtype safetensors.DType, st *State) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: save: %w", err)
	}
	eot := -1
	if tok != nil {
		eot = tok.EndOfText()
	}
	files := map[string]func(*bytes.Buffer) error{
		ConfigFile: func(b *bytes.Buffer) error { return writeJSON(b, hfConfig(cfg, dtype, eot)) },
		GenerationConfigFile: func(b *bytes.Buffer) error {
			g := map[string]any{"_from_model_config": true}
			if eot >= 0 {
				g["bos_token_id"], g["eos_token_id"] = eot, eot
			}
			return writeJSON(b, g)
		},
		WeightsFile: func(b *bytes.Buffer) error { return writeWeights(b, cfg, params, dtype) },
	}
	if tok != nil {
		files[VocabFile] = func(b *bytes.Buffer) error { return tok.WriteVocab(b) }
		files[MergesFile] = func(b *bytes.Buffer) error { return tok.WriteMerges(b) }
	}
	if st != nil {
		files[StateFile] = func(b *bytes.Buffer) error { return writeJSON(b, st) }
		files[OptimizerFile] = func(b *bytes.Buffer) error {
			return safetensors.Write(b, []safetensors.Tensor{
				{Name: "m", DType: safetensors.F32, Shape: []int{len(st.M)}, Data: safetensors.EncodeFloat32(st.M)},
				{Name: "v", DType: safetensors.F32, Shape: []int{len(st.V)}, Data: safetensors.EncodeFloat32(st.V)},
			}, nil)
		}
	}
	for name, write := range files {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return fmt.Errorf("train: save %s: %w", name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, name), b.Bytes()); err != nil {
			return fmt.Errorf("train: save: %w", err)
		}
	}
	return nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeWeights writes the weights as model.safetensors with the keys of
// transformers' GPT2LMHeadModel ("transformer.h.0.attn.c_attn.weight", ...;
// Conv1D matrices stored (in, out) exactly as engine.Params holds them) and
// the "format": "pt" metadata transformers requires. A tied LM head is not
// stored, as save_pretrained does not store it.
func writeWeights(b *bytes.Buffer, cfg engine.Config, params *engine.Params, dtype safetensors.DType) error {
	var ts []safetensors.Tensor
	for _, t := range params.Tensors(cfg) {
		key := "transformer." + t.Key
		if t.Key == "lm_head.weight" {
			key = t.Key
		}
		var data []byte
		switch dtype {
		case safetensors.F32:
			data = safetensors.EncodeFloat32(*t.Data)
		case safetensors.F16:
			data = make([]byte, 2*len(*t.Data))
			for i, x := range *t.Data {
				binary.LittleEndian.PutUint16(data[2*i:], safetensors.Float32ToFloat16(x))
			}
		default:
			return fmt.Errorf("dtype %s: want F32 or F16", dtype)
		}
		ts = append(ts, safetensors.Tensor{Name: key, DType: dtype, Shape: t.Shape, Data: data})
	}
	return safetensors.Write(b, ts, map[string]string{"format": "pt"})
}

// Load reads the checkpoint in dir: any GPT-2 model engine.LoadDir loads,
// with its weights copied into one trainable block, and the trainer state
// when dir has one.
func Load(ctx context.Context, dir string) (*Checkpoint, error) {
	m, tok, err := engine.LoadDir(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer m.Close()
	ck := &Checkpoint{Config: m.Config, Params: engine.NewParams(m.Config), Tokenizer: tok}
	dst, src := ck.Params.Tensors(m.Config), m.Params().Tensors(m.Config)
	for i := range dst {
		copy(*dst[i].Data, *src[i].Data)
	}
	raw, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return ck, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: load: %w", err)
	}
	st := &State{}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("train: load %s: %w", filepath.Join(dir, StateFile), err)
	}
	f, err := safetensors.Open(filepath.Join(dir, OptimizerFile))
	if err != nil {
		return nil, fmt.Errorf("train: load: %w", err)
	}
	defer f.Close()
	n := len(ck.Params.Flat())
	for _, mv := range []struct {
		name string
		dst  *[]float32
	}{{"m", &st.M}, {"v", &st.V}} {
		_, data, err := f.Float32s(mv.name)
		if err != nil {
			return nil, fmt.Errorf("train: load %s: %w", OptimizerFile, err)
		}
		if len(data) != n {
			return nil, fmt.Errorf("train: load %s: %q has %d values, the model has %d weights", OptimizerFile, mv.name, len(data), n)
		}
		*mv.dst = append([]float32(nil), data...)
	}
	ck.State = st
	return ck, nil
}
