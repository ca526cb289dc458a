package source

import (
	"os"

	"github.com/gohub/gohub/hub/store"
	"github.com/gohub/gohub/internal/settings"
	"github.com/pkg/errors"
	"go.yaml.in/yaml/v3"
)

// DefaultServer is the official PaddleHub registry (its /search and /info protocol).
const DefaultServer = "http://paddlepaddle.org.cn/paddlehub"

// Config is conf/config.yaml.
type Config struct {
	// Servers are the remote sources, tried in order. A URL whose path ends in ".json" is a
	// static gohub index (see Index); any other URL speaks PaddleHub's server protocol.
	Servers []string `yaml:"servers"`
}

// DefaultConfig is what `gohub config reset` writes.
func DefaultConfig() Config { return Config{Servers: []string{DefaultServer}} }

// LoadConfig reads the home's config file; a missing file means the defaults.
func LoadConfig(h store.Home) (Config, error) {
	data, err := os.ReadFile(h.ConfigPath())
	if os.IsNotExist(err) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, errors.Wrap(err, "read config")
	}
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return Config{}, errors.Wrapf(err, "parse %s (fix it or run: gohub config reset)", h.ConfigPath())
	}
	return c, c.Validate()
}

// SaveConfig validates c and writes it atomically.
func SaveConfig(h store.Home, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := h.Ensure(); err != nil {
		return err
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		return errors.Wrap(err, "encode config")
	}
	return store.WriteFileAtomic(h.ConfigPath(), data)
}

// Validate checks that every server is an http(s) URL.
func (c Config) Validate() error {
	for _, s := range c.Servers {
		if _, err := parseServerURL(s); err != nil {
			return err
		}
	}
	return nil
}

// EffectiveServers is $GOHUB_SERVER when set (like PaddleHub's HUB_SERVER), else the
// configured servers.
func (c Config) EffectiveServers() []string {
	if env := settings.Servers(); len(env) > 0 {
		return env
	}
	return c.Servers
}
