package finetune

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/encoding/protowire"
)

// The checkpoint directory's layout is PaddleHub 1.x's:
//
//	ckpt.meta           the CheckPoint message: current_epoch, global_step, latest_model_dir, best_score
//	step_N/             every persistable of the training program (parameters, batch-norm
//	                    statistics, optimizer state), one file per variable
//	best_model/         the best model on dev, an inference model
//	visualization/      curves
//
// Each step_N/ also holds trainer.json, the state PaddleHub does not keep: where in the
// epoch the run was, so that a resumed run continues with the next batch rather than at the
// start of the epoch. Every write goes to a temporary name first and is renamed into place,
// so a kill at any moment leaves the previous checkpoint intact.
const (
	metaFile      = "ckpt.meta"
	stateFile     = "trainer.json"
	bestModelDir  = "best_model"
	stepDirPrefix = "step_"
)

// meta is PaddleHub's CheckPoint message (paddlehub/finetune/checkpoint.proto).
type meta struct {
	CurrentEpoch   int64
	GlobalStep     int64
	LatestModelDir string
	BestScore      float64
}

// encode writes the message as protobuf: fields 1–4 in order, as protoc would.
func (m meta) encode() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(m.CurrentEpoch))
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(m.GlobalStep))
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, m.LatestModelDir)
	b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(m.BestScore))
	return b
}

// decodeMeta reads a CheckPoint message, skipping fields it does not know.
func decodeMeta(b []byte) (meta, error) {
	var m meta
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return m, errors.Wrap(protowire.ParseError(n), "ckpt.meta")
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, k := protowire.ConsumeVarint(b)
			m.CurrentEpoch, n = int64(v), k
		case num == 2 && typ == protowire.VarintType:
			v, k := protowire.ConsumeVarint(b)
			m.GlobalStep, n = int64(v), k
		case num == 3 && typ == protowire.BytesType:
			v, k := protowire.ConsumeString(b)
			m.LatestModelDir, n = v, k
		case num == 4 && typ == protowire.Fixed64Type:
			v, k := protowire.ConsumeFixed64(b)
			m.BestScore, n = math.Float64frombits(v), k
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return m, errors.Wrap(protowire.ParseError(n), "ckpt.meta")
		}
		b = b[n:]
	}
	return m, nil
}

// trainerState is what a step directory records beyond the persistables.
type trainerState struct {
	Epoch      int     `json:"epoch"`       // 1-based epoch in progress
	EpochBatch int     `json:"epoch_batch"` // batches of that epoch already trained
	GlobalStep int     `json:"global_step"`
	BestScore  float64 `json:"best_score"`
	Stale      int     `json:"stale"` // evaluations in a row without a better score
	Seed       int64   `json:"seed"`
}

// writeFileAtomic writes data to path through a temporary file, synced, then renamed.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return errors.Wrap(err, "write "+path)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return errors.Wrap(err, "write "+path)
	}
	return nil
}

// replaceDir fills a fresh temporary directory next to dst with fill, then puts it in
// dst's place; the old dst is removed only after the new one is complete.
func replaceDir(dst string, fill func(dir string) error) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp*")
	if err != nil {
		return errors.Wrap(err, "save "+dst)
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	old := ""
	if _, err := os.Stat(dst); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dst, old); err != nil {
			os.RemoveAll(tmp)
			return errors.Wrap(err, "save "+dst)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return errors.Wrap(err, "save "+dst)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// readMeta reads dir/ckpt.meta; ok is false when there is none.
func readMeta(dir string) (m meta, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if os.IsNotExist(err) {
		return m, false, nil
	}
	if err != nil {
		return m, false, errors.Wrap(err, "read checkpoint")
	}
	m, err = decodeMeta(b)
	return m, err == nil, err
}

func writeState(dir string, s trainerState) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, stateFile), b, 0o644)
}

func readState(dir string) (trainerState, error) {
	var s trainerState
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return s, errors.Wrap(err, "read checkpoint state")
	}
	return s, errors.Wrap(json.Unmarshal(b, &s), "read checkpoint state")
}

// stepDirs lists dir's step_N directories, oldest first.
func stepDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type step struct {
		n    int
		name string
	}
	var steps []step
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), stepDirPrefix))
		if e.IsDir() && strings.HasPrefix(e.Name(), stepDirPrefix) && err == nil {
			steps = append(steps, step{n, e.Name()})
		}
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].n < steps[j].n })
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.name
	}
	return names, nil
}

// pruneStepDirs keeps the newest keep step directories (all when keep <= 0) and never the
// one ckpt.meta names.
func pruneStepDirs(dir string, keep int, latest string) error {
	if keep <= 0 {
		return nil
	}
	names, err := stepDirs(dir)
	if err != nil {
		return err
	}
	for i := 0; i < len(names)-keep; i++ {
		if names[i] != latest {
			if err := os.RemoveAll(filepath.Join(dir, names[i])); err != nil {
				return err
			}
		}
	}
	return nil
}
