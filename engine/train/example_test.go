package train_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/transformer-explorer/explorer/engine/train"
)

// The learning-rate schedule: linear warm-up, then cosine decay.
func ExampleLearningRate() {
	for _, step := range []int{0, 9, 50, 100} {
		fmt.Printf("step %3d: lr %.4f\n", step, train.LearningRate(step, 10, 100, 1e-3, 1e-4))
	}
	// Output:
	// step   0: lr 0.0001
	// step   9: lr 0.0010
	// step  50: lr 0.0006
	// step 100: lr 0.0001
}

// The induction probe is a random token sequence repeated twice after a
// start token; InductionScores reads how strongly each head attends from
// the second copy to the token after the first occurrence.
func ExampleProbeTokens() {
	ids := train.ProbeTokens(rand.New(rand.NewPCG(1, 2)), 3, 256, 1000, 999)
	fmt.Println(len(ids), ids[0], ids[1:4], ids[4:])
	// Output: 7 999 [828 714 839] [828 714 839]
}
