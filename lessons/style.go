package lessons

import _ "embed"

//go:embed content/style.css
var css string

// CSS returns the stylesheet of rendered lessons (their tables, tokens,
// exercises and math fonts). The web app serves it; handouts inline it.
func CSS() string { return css }
