package trace

import "errors"

// Errors of the trace package.
var (
	ErrUnknownHook = errors.New("trace: unknown hook")
	ErrNoMatch     = errors.New("trace: pattern matches no hook")
	ErrFormat      = errors.New("trace: not an explorer trace file")
	// ErrSealed is the error of recording into a sealed trace (Seal).
	ErrSealed = errors.New("trace: the trace is sealed (shared read-only): record into a Clone")
)

// Tensor is one named intermediate of a forward pass, row-major.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	// Offset is the position of the first row along the hook's position
	// axis: 0 for a prompt, the token's position for a token generated
	// with a key/value cache (then the pass has a single row).
	Offset int
}

// Len returns the number of elements the shape holds.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Clone returns a deep copy of t that the caller owns.
func (t Tensor) Clone() Tensor {
	t.Shape = append([]int(nil), t.Shape...)
	t.Data = append([]float32(nil), t.Data...)
	return t
}

// A Recorder receives the intermediates of a forward pass as the engine
// produces them, in forward order, on the goroutine running the pass.
//
// The Tensor's Shape and Data are borrowed: they are valid only during the
// call, and the engine reuses the memory afterwards, so a Recorder must copy
// what it keeps. Returning an error stops the forward pass, which returns
// that error.
type Recorder interface {
	Record(t Tensor) error
}

// The RecorderFunc type is an adapter to allow the use of ordinary functions
// as Recorders.
type RecorderFunc func(t Tensor) error

// Record calls f(t).
func (f RecorderFunc) Record(t Tensor) error { return f(t) }

// A Lender is a Recorder that supplies the memory of the hooks it keeps, so
// that the engine can compute a hook straight into it instead of into its
// own buffers and the recorder need not copy it. Lend returns a slice of n
// values (its contents are unspecified) or nil to decline. The engine then
// fills the slice, passes it as the Data of the Tensor it records under
// the same name, and never writes to it again: the memory is the
// recorder's from that call on. A slice that is lent but never recorded
// (the pass stopped early) is simply dropped.
type Lender interface {
	Lend(name string, n int) []float32
}

// Lend asks rec for the memory of n values of the named hook: nil when rec
// is nil, does not want the hook, or is not a Lender.
func Lend(rec Recorder, name string, n int) []float32 {
	if !Wants(rec, name) {
		return nil
	}
	if l, ok := rec.(Lender); ok {
		return l.Lend(name, n)
	}
	return nil
}

// A Filter is a Recorder that captures only some hooks. The engine asks
// before computing or copying a hook and skips the work for hooks nobody
// wants; a Recorder without Wants is sent every hook.
type Filter interface {
	Wants(name string) bool
}

// Wants reports whether rec wants the named hook: false for a nil recorder,
// true for a recorder that does not implement Filter.
func Wants(rec Recorder, name string) bool {
	if rec == nil {
		return false
	}
	if f, ok := rec.(Filter); ok {
		return f.Wants(name)
	}
	return true
}

// Only returns a Recorder that passes rec the hooks sel matches and
// reports wanting no other.
func Only(sel Selection, rec Recorder) Recorder {
	return filtered{sel: sel, rec: rec}
}

type filtered struct {
	sel Selection
	rec Recorder
}

func (f filtered) Wants(name string) bool { return f.sel.Match(name) && Wants(f.rec, name) }

func (f filtered) Lend(name string, n int) []float32 {
	if !f.sel.Match(name) {
		return nil
	}
	return Lend(f.rec, name, n)
}

func (f filtered) Record(t Tensor) error {
	if !f.Wants(t.Name) {
		return nil
	}
	return f.rec.Record(t)
}

// Tee returns a Recorder that records to each of recs in turn, stopping at
// the first error. It wants a hook when any of them does, and passes each
// recorder only the hooks it wants. It lends the memory of the first
// recorder that wants a hook and lends it; the recorders after that one
// then see memory that no one writes to any more.
func Tee(recs ...Recorder) Recorder {
	return tee(recs)
}

type tee []Recorder

func (t tee) Wants(name string) bool {
	for _, r := range t {
		if Wants(r, name) {
			return true
		}
	}
	return false
}

func (t tee) Lend(name string, n int) []float32 {
	for _, r := range t {
		if buf := Lend(r, name, n); buf != nil {
			return buf
		}
	}
	return nil
}

func (t tee) Record(x Tensor) error {
	for _, r := range t {
		if !Wants(r, x.Name) {
			continue
		}
		if err := r.Record(x); err != nil {
			return err
		}
	}
	return nil
}
