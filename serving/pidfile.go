package serving

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pkg/errors"

	"github.com/gohub/gohub/hub/store"
)

// PIDFile is what `gohub serving start` writes under the home for `gohub serving stop`:
// PaddleHub's conf/serving_<port>.json.
type PIDFile struct {
	PID       int      `json:"pid"`
	Modules   []string `json:"module"`
	StartTime float64  `json:"start_time"` // seconds since 1970, as PaddleHub's time.time()
}

// ErrNoPIDFile is `gohub serving stop` on a port that no server of this home listens on.
var ErrNoPIDFile = errors.New("no PID file")

// PIDPath is the PID file of the server on port.
func PIDPath(h store.Home, port int) string {
	return filepath.Join(h.Root, "conf", "serving_"+strconv.Itoa(port)+".json")
}

// WritePIDFile records this process as the server on port.
func WritePIDFile(h store.Home, port int, modules []string) error {
	b, err := json.Marshal(PIDFile{PID: os.Getpid(), Modules: modules, StartTime: float64(time.Now().UnixMilli()) / 1e3})
	if err != nil {
		return err
	}
	path := PIDPath(h, port)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return errors.Wrap(err, "serving: PID file")
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return errors.Wrap(err, "serving: PID file")
	}
	return errors.Wrap(os.Rename(tmp, path), "serving: PID file")
}

// ReadPIDFile reads the PID file of the server on port; ErrNoPIDFile when there is none.
func ReadPIDFile(h store.Home, port int) (*PIDFile, error) {
	path := PIDPath(h, port)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.Wrapf(ErrNoPIDFile, "PaddleHub Serving config file is not exists, please confirm the port [%d] you specified is correct (%s)", port, path)
	}
	if err != nil {
		return nil, errors.Wrap(err, "serving: PID file")
	}
	var p PIDFile
	if err := json.Unmarshal(b, &p); err != nil || p.PID <= 0 {
		return nil, errors.Errorf("serving: PID file %s is damaged; remove it", path)
	}
	return &p, nil
}

// RemovePIDFile removes the PID file of the server on port, if any.
func RemovePIDFile(h store.Home, port int) error {
	err := os.Remove(PIDPath(h, port))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return errors.Wrap(err, "serving: PID file")
}

// PortError is a port that something already listens on.
type PortError struct{ Port int }

func (e *PortError) Error() string {
	return fmt.Sprintf("Port %d is occupied, please change it.", e.Port)
}

// CheckPort fails with a PortError when something accepts connections on 127.0.0.1:port,
// PaddleHub's check before it starts.
func CheckPort(port int) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return nil
	}
	_ = c.Close()
	return &PortError{Port: port}
}
