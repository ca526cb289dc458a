package finetune

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gohub/gohub/readers/imgbatch"
)

// The training batches run on across epochs in order, from a checkpoint's position, and the
// next epoch's reader is open (decoding its first batches) from the moment an epoch has given
// its last batch, so that the loop can feed that epoch's first batch during the last step.
func TestTrainBatchesRunAcrossEpochs(t *testing.T) {
	data := catdogSubset(t, 24, 0, 0)
	reader := testReader(t)
	const batch, numEpoch = 8, 3
	var opened [][2]int
	open := func(epoch, startBatch int) *imgbatch.Iterator {
		opened = append(opened, [2]int{epoch, startBatch})
		return reader.Epoch(context.Background(), data.Train, imgbatch.EpochOptions{
			BatchSize: batch, Shuffle: true, DropLast: true, Seed: 1, Epoch: epoch, StartBatch: startBatch})
	}
	type pos struct{ epoch, index int }
	drain := func(s *trainBatches) []pos {
		var got []pos
		for {
			b, epoch, _, err := s.next()
			require.NoError(t, err)
			if b == nil {
				return got
			}
			got = append(got, pos{epoch, b.Index})
			if b.Index == 2 && epoch < numEpoch {
				require.NotNil(t, s.upcoming, "epoch %d gave its last batch: epoch %d is open", epoch, epoch+1)
			} else {
				require.Nil(t, s.upcoming, "epoch %d batch %d", epoch, b.Index)
			}
			b.Release()
		}
	}

	s := newTrainBatches(open, numEpoch, 24/batch, 1, 0)
	require.Equal(t, []pos{{1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}, {2, 2}, {3, 0}, {3, 1}, {3, 2}}, drain(s))
	require.Equal(t, [][2]int{{1, 0}, {2, 0}, {3, 0}}, opened)
	s.close()

	// Resumed mid epoch 2, and just after epoch 2's last batch.
	opened = nil
	s = newTrainBatches(open, numEpoch, 24/batch, 2, 1)
	require.Equal(t, []pos{{2, 1}, {2, 2}, {3, 0}, {3, 1}, {3, 2}}, drain(s))
	s.close()
	opened = nil
	s = newTrainBatches(open, numEpoch, 24/batch, 2, 3)
	require.Equal(t, []pos{{3, 0}, {3, 1}, {3, 2}}, drain(s))
	require.Equal(t, [][2]int{{2, 3}, {3, 0}}, opened)
	s.close()

	// A finished run gives nothing; a start past an epoch's end is the reader's error.
	s = newTrainBatches(open, numEpoch, 24/batch, numEpoch+1, 0)
	require.Equal(t, []pos(nil), drain(s))
	s.close()
	s = newTrainBatches(open, numEpoch, 24/batch, 1, 4)
	_, _, _, err := s.next()
	require.ErrorContains(t, err, "start batch 4 outside the epoch's 3 batches")
	s.close()

	// Closing in the middle stops both epochs' readers; next then reports the end.
	s = newTrainBatches(open, numEpoch, 24/batch, 1, 2)
	b, _, _, err := s.next()
	require.NoError(t, err)
	b.Release()
	require.NotNil(t, s.upcoming)
	s.close()
	b, _, _, err = s.next()
	require.NoError(t, err)
	require.Nil(t, b)
}
