package hub

import (
	"github.com/gohub/gohub/hub/install"
	"github.com/gohub/gohub/hub/progress"
	"github.com/gohub/gohub/hub/store"
)

// NewInstaller configures an installer for home (install.New) that loads every model of a
// module before installing it, and recognises PaddleHub's Paddle-Lite face models.
func NewInstaller(home store.Home, report progress.Func) (*install.Installer, error) {
	in, err := install.New(home, report)
	if err != nil {
		return nil, err
	}
	in.Inspect = InspectModel
	return in, nil
}
