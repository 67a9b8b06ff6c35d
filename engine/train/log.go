package train

import (
	"encoding/json"
	"io"
)

// LogFile is the name of the training log in a checkpoint directory: one
// JSON LogRecord per line, appended to when a run resumes.
const LogFile = "train_log.jsonl"

// A LogRecord is one line of the training log, for plotting the loss
// curve. ValLoss is present only on steps that computed it.
type LogRecord struct {
	Step         int      `json:"step"`
	Loss         float64  `json:"loss"`
	ValLoss      *float64 `json:"val_loss,omitempty"`
	LR           float64  `json:"lr"`
	GradNorm     float64  `json:"grad_norm"`
	TokensPerSec float64  `json:"tokens_per_sec"`
	ElapsedSec   float64  `json:"elapsed_sec"`
	// Induction is the best head's induction score on the probe, when the
	// step ran one.
	Induction *float64 `json:"induction,omitempty"`
}

// Record returns p as a log line.
func (p Progress) Record() LogRecord {
	r := LogRecord{Step: p.Step, Loss: p.Loss, LR: p.LR, GradNorm: p.GradNorm,
		TokensPerSec: p.TokensPerSec, ElapsedSec: p.Elapsed.Seconds()}
	if p.HasVal {
		v := p.ValLoss
		r.ValLoss = &v
	}
	if p.Probe != nil {
		best, _, _ := p.Probe.Best()
		r.Induction = &best
	}
	return r
}

// WriteLogRecord appends r to w as one JSON line.
func WriteLogRecord(w io.Writer, r LogRecord) error {
	return json.NewEncoder(w).Encode(r)
}
