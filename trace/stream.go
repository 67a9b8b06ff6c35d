package trace

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// A FileWriter is a Recorder that writes the trace file of one prompt pass
// while the pass runs, instead of keeping the hooks: each hook goes to the
// file as it is recorded, so a trace of any length costs no memory for its
// tensors (a full trace of GPT-2 small at 512 positions is 800 MB), and
// the engine computes every hook in its own reused buffers. The file is
// the one Trace.Write writes for the same pass, except that its header is
// padded with more spaces.
//
// The hooks to write, and so the file's layout, are fixed when the writer
// is made; the header is written last, into room reserved for it at the
// start of the file, since the labels it holds name the tokens the derived
// hooks turn out to mention. The file appears at its path only when Close
// succeeds. A FileWriter is used by one pass at a time.
//
// Writing a hook into the page cache costs more than computing many of
// them (allocating the pages, ≈ 1 s of a full trace at T = 512 when the
// pass waited for it), so the writes run on a goroutine of the writer's
// own while the pass goes on: Record copies the hook into one of a few
// chunks of memory (writeChunks of writeChunk bytes, reused) and queues
// it, and waits only when every chunk is queued. The file's last hook,
// which nothing computed later can overlap, is written in place.
type FileWriter struct {
	path  string
	f     *os.File // the temporary file beside path
	label func(id int) string

	model        ModelInfo
	text         string
	ids          []int
	tokens       []string
	tokenStrings []string
	labels       map[int]string

	hooks  []fileHook
	byName map[string]int
	tensor []safetensors.Tensor // input_ids and the hooks, as the header lists them
	room   int                  // bytes reserved for the header, before the data
	err    error                // the first error, sticky

	// The background writes: chunks go out on queue and come back on free
	// once written; the writing goroutine closes done when queue is
	// closed and drained, after setting werr to its first error.
	queue   chan pendingWrite
	free    chan []byte
	chunks  int // chunks made so far, at most writeChunks
	done    chan struct{}
	stopped bool
	failed  atomic.Bool // a background write failed; werr says why once done
	werr    error
}

// A pendingWrite is a chunk of data to write at an offset of the file.
type pendingWrite struct {
	b  []byte
	at int64
}

// The background writes' memory: writeChunks chunks of writeChunk bytes,
// made as they are first needed.
const (
	writeChunk  = 2 << 20
	writeChunks = 8
)

// fileHook is one hook the file holds and where its data goes.
type fileHook struct {
	name    string
	shape   []int
	ids     bool  // written as I64 token ids
	at      int64 // offset of its data in the data buffer
	written bool
}

// labelRoom is the room reserved for each token a label may name (its id
// and display string as JSON): display strings are rarely more than a few
// characters, and a header that does not fit costs a copy of the data
// (see Close), not an error.
const labelRoom = 32

// CreateFile starts the trace file of a pass over the prompt ids at path:
// the hooks sel selects among Names(model.NLayer), in that (forward)
// order, with the shapes d gives them (d.T must be len(ids)), and the
// metadata of New's arguments. label, if not nil, names a token id for the
// file's labels: every id the derived hooks hold is named when they are
// recorded. Record each hook once, then Close; Abort discards the file.
func CreateFile(path string, model ModelInfo, d Dims, sel Selection, text string, ids []int, tokens, tokenStrings []string, label func(id int) string) (*FileWriter, error) {
	if d.T != len(ids) {
		return nil, fmt.Errorf("trace: create %s: dims are for %d positions, the prompt has %d", path, d.T, len(ids))
	}
	w := &FileWriter{
		path: path, label: label, model: model, text: text,
		ids: slices.Clone(ids), tokens: slices.Clone(tokens), tokenStrings: slices.Clone(tokenStrings),
		labels: map[int]string{}, byName: map[string]int{},
	}
	ids64 := make([]int64, len(ids))
	for i, id := range ids {
		ids64[i] = int64(id)
	}
	w.tensor = append(w.tensor, safetensors.Tensor{Name: InputIDs, DType: safetensors.I64, Shape: []int{len(ids)}, Data: safetensors.EncodeInt64(ids64)})
	at := int64(8 * len(ids))
	mentions := 0 // token ids the derived hooks hold
	for _, name := range Names(model.NLayer) {
		if !sel.Match(name) || (name == NextLoss && d.T < 2) {
			continue
		}
		lay, err := LayoutOf(name, d)
		if err != nil {
			return nil, fmt.Errorf("trace: create %s: %w", path, err)
		}
		h := fileHook{name: name, shape: lay.Shape, ids: IsIDs(name), at: at}
		n := int64(1)
		for _, x := range lay.Shape {
			n *= int64(x)
		}
		dt := safetensors.F32
		if h.ids {
			dt = safetensors.I64
			mentions += int(n)
		}
		w.byName[name] = len(w.hooks)
		w.hooks = append(w.hooks, h)
		w.tensor = append(w.tensor, safetensors.Tensor{Name: name, DType: dt, Shape: lay.Shape})
		at += n * int64(dt.Size())
	}
	meta, err := fileMetadata(model, text, tokens, tokenStrings, nil, w.hookNames())
	if err != nil {
		return nil, err
	}
	prefix, err := safetensors.Prefix(w.tensor, meta, 0)
	if err != nil {
		return nil, fmt.Errorf("trace: create %s: %w", path, err)
	}
	if label != nil {
		mentions = min(mentions, model.VocabSize)
	} else {
		mentions = 0
	}
	w.room = len(prefix) + (labelRoom*mentions+7)&^7
	if w.f, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*"); err != nil {
		return nil, fmt.Errorf("trace: create %s: %w", path, err)
	}
	if err := preallocate(w.f, int64(w.room)+at); err != nil {
		w.Abort()
		return nil, fmt.Errorf("trace: create %s: %d MB: %w", path, (int64(w.room)+at)>>20, err)
	}
	if _, err := w.f.WriteAt(w.tensor[0].Data, int64(w.room)); err != nil {
		w.Abort()
		return nil, fmt.Errorf("trace: create %s: %w", path, err)
	}
	w.queue = make(chan pendingWrite, writeChunks)
	w.free = make(chan []byte, writeChunks)
	w.done = make(chan struct{})
	go w.writeQueued(w.f, w.queue, w.free, w.done)
	return w, nil
}

// writeQueued writes the chunks queued until queue is closed, returning
// each to free. After an error it only returns them.
func (w *FileWriter) writeQueued(f *os.File, queue <-chan pendingWrite, free chan<- []byte, done chan<- struct{}) {
	var err error
	for c := range queue {
		if err == nil {
			if _, err = f.WriteAt(c.b, c.at); err != nil {
				w.failed.Store(true)
			}
		}
		free <- c.b[:cap(c.b)]
	}
	w.werr = err
	close(done)
}

// writeAsync copies data, to be written at offset at of the file, into
// chunks and queues them. If a queued write has failed it stops the
// writes and returns that error instead.
func (w *FileWriter) writeAsync(data []byte, at int64) error {
	for len(data) > 0 {
		if w.failed.Load() {
			return w.stop()
		}
		var buf []byte
		select {
		case buf = <-w.free:
		default:
			if w.chunks < writeChunks {
				w.chunks++
				buf = make([]byte, writeChunk)
			} else {
				buf = <-w.free
			}
		}
		n := copy(buf[:chunkAt(at, len(buf))], data)
		w.queue <- pendingWrite{buf[:n], at}
		data, at = data[n:], at+int64(n)
	}
	return nil
}

// chunkAt returns how many bytes, at most size, a chunk written at file
// offset at holds: up to the next multiple of writeChunk, so that every
// whole writeChunk-aligned window of the file is written at once. The
// page cache then holds the file in 2 MiB folios, which map whole when
// the trace is opened (one fault and one TLB entry per 2 MiB; the first
// touch of each 4 KiB entry is dear on a virtual machine).
func chunkAt(at int64, size int) int {
	return min(size, writeChunk-int(at%writeChunk))
}

// stop waits for the queued writes and returns the first of their errors.
func (w *FileWriter) stop() error {
	if w.queue == nil || w.stopped {
		return nil
	}
	w.stopped = true
	close(w.queue)
	<-w.done
	return w.werr
}

// Names returns the file's hooks in the order they are written.
func (w *FileWriter) Names() []string { return w.hookNames() }

func (w *FileWriter) hookNames() []string {
	names := make([]string, len(w.hooks))
	for i, h := range w.hooks {
		names[i] = h.name
	}
	return names
}

// Wants implements Filter: the writer wants each of its hooks until it is
// recorded.
func (w *FileWriter) Wants(name string) bool {
	i, ok := w.byName[name]
	return ok && !w.hooks[i].written && w.err == nil
}

// Record implements Recorder by writing t's data where the header will
// say it is. t must be one of the file's hooks, with the shape CreateFile
// gave it, recorded once, from the prompt's first position.
func (w *FileWriter) Record(t Tensor) error {
	if w.err != nil {
		return w.err
	}
	i, ok := w.byName[t.Name]
	if !ok {
		return nil // not one of the file's hooks: ignored, as Only would
	}
	h := &w.hooks[i]
	switch {
	case h.written:
		return w.fail(fmt.Errorf("trace: write %s: %q recorded twice (a file holds one prompt pass)", w.path, t.Name))
	case t.Offset != 0 || !slices.Equal(t.Shape, h.shape) || t.Len() != len(t.Data):
		return w.fail(fmt.Errorf("trace: write %s: %q has shape %v at offset %d, the file's header says %v at 0", w.path, t.Name, t.Shape, t.Offset, h.shape))
	}
	data := safetensors.Float32Bytes(t.Data)
	if h.ids {
		v := make([]int64, len(t.Data))
		for j, x := range t.Data {
			v[j] = int64(x)
			if id := int(x); id >= 0 && w.label != nil {
				if _, done := w.labels[id]; !done {
					w.labels[id] = w.label(id)
				}
			}
		}
		data = safetensors.EncodeInt64(v)
	}
	var err error
	if i == len(w.hooks)-1 {
		_, err = w.f.WriteAt(data, int64(w.room)+h.at)
	} else {
		err = w.writeAsync(data, int64(w.room)+h.at)
	}
	if err != nil {
		return w.fail(fmt.Errorf("trace: write %s: %w", w.path, err))
	}
	h.written = true
	return nil
}

func (w *FileWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// Close writes the header and moves the file to its path. It
// fails, leaving no file, if a hook was not recorded or a write failed. A
// header larger than the room reserved for it (labels much longer than
// usual) is written before a copy of the data, in a second temporary file.
func (w *FileWriter) Close() error {
	if err := w.stop(); err != nil {
		w.fail(fmt.Errorf("trace: write %s: %w", w.path, err))
	}
	if w.err != nil {
		w.Abort()
		return w.err
	}
	var missing []string
	for _, h := range w.hooks {
		if !h.written {
			missing = append(missing, h.name)
		}
	}
	if len(missing) > 0 {
		w.Abort()
		if len(missing) > 3 {
			missing = append(missing[:3], fmt.Sprintf("and %d more", len(missing)-3))
		}
		return fmt.Errorf("trace: write %s: no data for %s (the pass stopped early?)", w.path, strings.Join(missing, ", "))
	}
	meta, err := fileMetadata(w.model, w.text, w.tokens, w.tokenStrings, w.labels, w.hookNames())
	if err != nil {
		w.Abort()
		return err
	}
	prefix, err := safetensors.Prefix(w.tensor, meta, w.room)
	if errors.Is(err, safetensors.ErrPrefixTooLong) {
		return w.closeMoved(meta)
	}
	if err == nil {
		_, err = w.f.WriteAt(prefix, 0)
	}
	return w.finish(err)
}

// closeMoved writes the header and then the data, copied from the first
// temporary file, into a second one.
func (w *FileWriter) closeMoved(meta map[string]string) error {
	prefix, err := safetensors.Prefix(w.tensor, meta, 0)
	if err != nil {
		w.Abort()
		return fmt.Errorf("trace: write %s: %w", w.path, err)
	}
	g, err := os.CreateTemp(filepath.Dir(w.path), "."+filepath.Base(w.path)+".*")
	if err != nil {
		w.Abort()
		return fmt.Errorf("trace: write %s: %w", w.path, err)
	}
	old := w.f
	w.f = g
	defer func() {
		old.Close()
		os.Remove(old.Name())
	}()
	if _, err = g.Write(prefix); err == nil {
		var st os.FileInfo
		if st, err = old.Stat(); err == nil {
			_, err = io.Copy(g, io.NewSectionReader(old, int64(w.room), st.Size()-int64(w.room)))
		}
	}
	return w.finish(err)
}

// finish renames the file after err == nil, or discards it. Like
// Trace.WriteFile it does not sync: the rename makes the file appear
// whole, and a trace can be made again.
func (w *FileWriter) finish(err error) error {
	if err == nil {
		err = w.f.Close()
		if err == nil {
			err = os.Rename(w.f.Name(), w.path)
		}
		if err != nil {
			os.Remove(w.f.Name())
		}
	} else {
		w.Abort()
	}
	if err != nil {
		return fmt.Errorf("trace: write %s: %w", w.path, err)
	}
	w.err = errors.New("trace: FileWriter closed")
	return nil
}

// Abort discards the file. It may be called after a failed Close, or
// instead of Close.
func (w *FileWriter) Abort() {
	w.stop()
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
	}
	if w.err == nil {
		w.err = fmt.Errorf("trace: write %s: aborted", w.path)
	}
}
