package finetune

import (
	"io"
	"time"

	"github.com/gohub/gohub/readers/imgbatch"
)

// trainBatches hands the training loop its batches across the run's epochs, from the
// checkpoint's position on. When an epoch's iterator has given its last batch it opens the
// next epoch's, so the reader decodes that epoch's first batches while this epoch's last steps
// run, and the loop feeds the first of them during the epoch's last step as it feeds every
// other batch during the step before it.
type trainBatches struct {
	open     func(epoch, startBatch int) *imgbatch.Iterator
	numEpoch int
	perEpoch int

	cur      *imgbatch.Iterator
	upcoming *imgbatch.Iterator // epoch+1's, opened when cur gave its last batch
	epoch    int                // cur's epoch
	left     int                // batches cur has still to give
}

// newTrainBatches starts at batch startBatch of epoch (both as a checkpoint records them).
func newTrainBatches(open func(epoch, startBatch int) *imgbatch.Iterator, numEpoch, perEpoch, epoch, startBatch int) *trainBatches {
	s := &trainBatches{open: open, numEpoch: numEpoch, perEpoch: perEpoch, epoch: epoch}
	if epoch <= numEpoch {
		s.cur, s.left = open(epoch, startBatch), perEpoch-startBatch
		if s.left < 0 { // a start past the epoch's end: Next reports it
			s.left = 1
		}
		s.openUpcoming()
	}
	return s
}

// next returns the next batch and its epoch, nil after the last epoch's last batch, and how
// long it waited for the reader.
func (s *trainBatches) next() (*imgbatch.Batch, int, time.Duration, error) {
	start := timeNow()
	for s.left == 0 {
		if s.cur != nil {
			s.cur.Close()
			s.cur = nil
		}
		if s.upcoming == nil {
			return nil, 0, timeNow().Sub(start), nil
		}
		s.cur, s.upcoming = s.upcoming, nil
		s.epoch++
		s.left = s.perEpoch
		s.openUpcoming()
	}
	b, err := s.cur.Next()
	if err == io.EOF { // an epoch has perEpoch batches: fewer means the reader went wrong
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, 0, timeNow().Sub(start), err
	}
	s.left--
	s.openUpcoming()
	return b, s.epoch, timeNow().Sub(start), nil
}

// openUpcoming opens the next epoch once the current one has nothing left to give.
func (s *trainBatches) openUpcoming() {
	if s.left == 0 && s.upcoming == nil && s.epoch < s.numEpoch {
		s.upcoming = s.open(s.epoch+1, 0)
	}
}

// close stops the readers' workers.
func (s *trainBatches) close() {
	for _, it := range []*imgbatch.Iterator{s.cur, s.upcoming} {
		if it != nil {
			it.Close()
		}
	}
	s.cur, s.upcoming, s.left = nil, nil, 0
}
