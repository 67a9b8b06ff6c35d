package hub_test

import (
	"fmt"

	"github.com/transformer-explorer/explorer/engine/hub"
)

func ExampleParseRef() {
	for _, name := range []string{"gpt2", "openai-community/gpt2@v1.0"} {
		ref, err := hub.ParseRef(name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(ref.Repo, ref.Revision, ref.Candidates(), hub.RepoDir("/cache", ref.Repo))
		fmt.Println(ref.PullCommand())
	}
	// Output:
	// gpt2 main [gpt2 openai-community/gpt2] /cache/models--gpt2
	// explorer models pull gpt2
	// openai-community/gpt2 v1.0 [openai-community/gpt2 gpt2] /cache/models--openai-community--gpt2
	// explorer models pull openai-community/gpt2 --revision v1.0
}
