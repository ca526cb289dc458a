package imgbatch

import (
	"math/bits"
	"math/rand/v2"
)

// gen is a PCG generator with this package's own range reductions: math/rand/v2 specifies
// PCG's output but not how Shuffle or IntN use it, and an epoch's order and augmentation
// must not change with the Go release.
type gen struct{ pcg *rand.PCG }

// Streams keep the shuffle's generator apart from the samples'.
const (
	streamShuffle = 0x5348554646 // "SHUFF"
	streamSample  = 0x53414d50   // "SAMP"
)

// mix is splitmix64's finaliser: a bijection that spreads every input bit over the output.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newGen seeds a generator from the run's seed, the stream, the epoch and an index.
func newGen(seed uint64, stream uint64, epoch, index int) *gen {
	h := mix(mix(mix(seed)^stream) ^ uint64(epoch))
	h = mix(h ^ uint64(index))
	return &gen{rand.NewPCG(h, mix(h^0xda3e39cb94b95bdb))}
}

// intn is uniform in [0, n), by Lemire's multiply-and-reject.
func (g *gen) intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(g.pcg.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(g.pcg.Uint64(), un)
		}
	}
	return int(hi)
}

// float64 is uniform in [0, 1) with 53 random bits.
func (g *gen) float64() float64 {
	return float64(g.pcg.Uint64()>>11) / (1 << 53)
}

// permutation is a Fisher–Yates shuffle of 0..n-1.
func (g *gen) permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := g.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// SampleAugmentation returns the transform the sample at index (in the example list) gets
// in the epoch when a Reader augments it: to explain a prediction or reproduce a batch.
func SampleAugmentation(seed uint64, epoch, index int) Augmentation {
	return drawAugmentation(newGen(seed, streamSample, epoch, index))
}
