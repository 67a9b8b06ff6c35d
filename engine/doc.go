// Package engine runs GPT-2 checkpoints in float32 and reports every
// intermediate tensor to a trace.Recorder as it is computed.
//
// The forward pass follows GPT-2 exactly: token and position embeddings,
// pre-LayerNorm blocks of causal multi-head attention and a GELU MLP each
// added to the residual stream, a final LayerNorm and the tied
// unembedding. The layers themselves live in engine/nn; block.go wires one
// block together, for inference and for engine/train alike, and this
// package names the outputs with trace hook names and adds a key/value
// cache for generation.
//
// The model is read from a Hugging Face style directory (config.json,
// model.safetensors or a sharded index, vocab.json and merges.txt); F32
// weights are memory-mapped, F16 and BF16 are widened to float32 once at
// load. A traced pass computes each hook straight into memory the
// recorder lends (trace.Lender), so a trace.Trace keeps them without a
// copy, and Model.Record computes only as far as the wanted hooks need.
//
// # Packing, and which path each command takes
//
// The matrix kernels read a weight fastest from a copy in their panel
// layout (kernel.Pool.Pack). Loading makes no such copy, so GPT-2 small
// is ready in the time it takes to read config.json and the tokenizer, to
// map the weights and to check that they are finite (BenchmarkLoadGPT2Small
// on the shared 2-core test machine: ≈ 100 ms of CPU, ≈ 30 ms of it
// without the check, which reads all 500 MB; packing the matrices would
// take ≈ 400 ms of CPU and 500 MB more). A pass then reads each
// matrix in the checkpoint's Conv1D layout (in, out) as it is mapped: for
// 64 rows or more the product packs each block of the matrix into L2 as
// it goes, which costs what packing the whole matrix ahead would, once
// (reading the mapped layout in place instead was 1.25–1.85× slower at
// T = 128 and 512: its rows are a page apart); for fewer rows, as when
// decoding a token, it streams the matrix once at memory speed, as it
// would the packed copy (BenchmarkDecodeStep: the same GB/s either way).
// So packing ahead pays only from the second pass of many rows on.
// Model.PackWeights makes the copies, while passes run; each product uses
// its matrix's copy as soon as it exists.
//
//	explorer tokenize        the tokenizer alone (LoadTokenizerDir): no weights
//	explorer trace, plot,    mapped, not packed: one pass (Model.Record),
//	lessons export           which stops where the wanted hooks end and
//	                         holds one block's weights at a time (below)
//	explorer generate        mapped, not packed: a prompt pass, then decode
//	                         steps that stream the weights either way
//	explorer serve, /v1      mapped, packed in the background after loading:
//	                         ready at once, and every pass after the packing
//	                         saves it (5–10 % of a pass's CPU at T = 128 and
//	                         512 in paired runs of BenchmarkForward)
//	plot --trace, export     no model at all
//	explorer train           engine/train's own weights, which change
//
// The commands load through LoadOptions with a tokenizer cache: the first
// load of a vocabulary parses its text files and keeps the tables as a
// table file named by the files' SHA-256; every later load hashes the
// files (≈ 1 ms for GPT-2) and reads the table (≈ 3 ms, against 25–35 ms
// of parsing on the 2-core Zen 5 VM; BenchmarkLoadTokenizer). tokcache.go
// says what makes a table trusted. They also record each weight file that
// a load found finite, by the file's identity (LoadOptions.CheckedWeights):
// a later load of the unchanged file maps its pages (MADV_POPULATE_READ)
// instead of reading all of it, which took GPT-2 small's load from
// 37–43 ms to 11–13 ms, and whole T = 16 and 128 passes 6–35 ms sooner
// (bench/phases); checked.go says when a record is trusted.
//
// # How the page cache holds a checkpoint
//
// What loading and a first pass cost is mostly the first touch of each
// page table entry of the mapped weights, and that depends on how the
// page cache holds the file. On the 2-vCPU Zen 5 VM of bench/README.md,
// reading GPT-2 small's 500 MB through the mapping took 243–260 ms when
// the file had been written in 32 KiB pieces (cached in small folios,
// mapped 4 KiB at a time) and 29 ms when it had been written in aligned
// 2 MiB chunks (cached in 2 MiB folios, each mapped whole). So every file
// the explorer writes to be mapped later reaches the disk in such chunks
// (pages.ChunkWriter: explorer pull's downloads, training checkpoints),
// and safetensors.Open advises its mapping MADV_HUGEPAGE, so that a file
// read from disk is cached in 2 MiB folios too. A checkpoint another
// program wrote in small pieces loads at the slower rate until the page
// cache drops it.
//
// Copying the matrices with pread into huge pages of the process instead
// of touching the mapping was tried (a one-pass load that checked each
// chunk as it was copied): it saved 40 ms of the load in process, but
// whole processes got slower (T = 128 logits: 378 → 614 ms median, CPU
// 653 → 1088 ms), since fresh anonymous memory is what this VM charges
// most for, and peak RSS rose to 1.24× the checkpoint.
//
// # Memory of a one-shot command
//
// The check at load maps every weight, so a command holds the checkpoint
// (498 MB for GPT-2 small) from then on, unless it drops pages: a mapped
// page can be dropped from the process's resident set and mapped again
// from the page cache at a minor fault per large folio (pages.Evict).
// Model.Record, whose state no later pass reads, drops each block's
// matrices once the block is done when the recorder keeps hooks of the
// blocks or its own buffers exceed an eighth of the weights (the logits of
// 256 positions or more, or attention hooks of long prompts), and in the
// second case those of every later block before it starts too, mapping
// each again as it reaches it (≈ 15 ms for GPT-2 small, which a shorter
// pass does not pay). A pass that keeps neither, such as the logits of 128
// positions, leaves the weights mapped: it grows by less than an eighth. Its blocks share one key/value cache
// (passState), and every inference pass keeps the attention scores and
// patterns that no hook wants in the kernel's scratch, 64 rows at a time
// (kernel.Pool.Attention). So the checkpoint and a long pass's buffers are
// never resident together: explorer trace peaks at 1.01–1.03× the
// checkpoint for --hooks logits at T = 16 to 1024 and for a full trace at
// T = 512, and at 1.10–1.13× for a full trace at T = 1024 (1.0–1.9×
// before; see bench/README.md). A trace file is written by a goroutine of its own
// while the pass goes on (trace.FileWriter).
//
// A State's activation buffers that must grow are carved from one
// allocation in whole huge pages (pages.HugeFloats; its key/value cache
// from pages.NewFloats), for which Linux is asked for transparent huge
// pages: their first write then faults once per 2 MiB instead of once per
// 4 KiB. On a VM where a fault costs ≈ 12 µs this took a quarter to a
// half off a whole trace process (bench/README.md).
//
// Shapes in comments use the letters of engine/nn: T positions, C = n_embd
// channels, NH heads of HS = C/NH channels, F = n_inner (4C), V vocabulary
// entries, L layers.
package engine
