package hub

// The module kinds Load can open: each registers itself with hub/kind when imported.
// Adding a kind is its package and one line here.
import (
	_ "github.com/gohub/gohub/hub/detect"
	_ "github.com/gohub/gohub/hub/facedet"
	_ "github.com/gohub/gohub/hub/imgcls"
	_ "github.com/gohub/gohub/hub/lexical"
)
