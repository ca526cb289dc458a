package lac

import "math/big"

// logPrec is the working precision of exactLog, in bits: far more than float64's 53, so
// that rounding the result once gives the correctly rounded logarithm.
const logPrec = 200

// exactLog returns the natural logarithm of n > 0 correctly rounded to float64.
//
// LAC's segmenter scores paths with Python's math.log, which on Linux is glibc's log:
// correctly rounded for the integers it sees. Go's math.Log is not (math.Log(3) is one ulp
// below), and a one-ulp difference can flip a tie between two segmentations, so the
// scores are computed here exactly instead.
func exactLog(n uint64) float64 {
	if n <= 1 {
		return 0
	}
	// n = m * 2^e with m in [1, 2): ln n = e*ln 2 + ln m.
	m := new(big.Float).SetPrec(logPrec).SetUint64(n)
	e := m.MantExp(m) - 1 // MantExp gives m in [0.5, 1)
	m.SetMantExp(m, 1)
	res := lnSeries(m)
	ln2 := lnSeries(new(big.Float).SetPrec(logPrec).SetInt64(2))
	res.Add(res, ln2.Mul(ln2, new(big.Float).SetPrec(logPrec).SetInt64(int64(e))))
	f, _ := res.Float64()
	return f
}

// lnSeries returns ln x for x in [1, 2] as 2*atanh(z), z = (x-1)/(x+1) <= 1/3, summing
// z^(2k+1)/(2k+1) until the terms no longer change the sum.
func lnSeries(x *big.Float) *big.Float {
	one := new(big.Float).SetPrec(logPrec).SetInt64(1)
	z := new(big.Float).SetPrec(logPrec).Sub(x, one)
	z.Quo(z, new(big.Float).SetPrec(logPrec).Add(x, one))
	z2 := new(big.Float).SetPrec(logPrec).Mul(z, z)
	sum := new(big.Float).SetPrec(logPrec).Set(z)
	pow := new(big.Float).SetPrec(logPrec).Set(z)
	term := new(big.Float).SetPrec(logPrec)
	for k := int64(3); pow.Sign() != 0; k += 2 {
		pow.Mul(pow, z2)
		term.Quo(pow, new(big.Float).SetPrec(logPrec).SetInt64(k))
		if term.MantExp(nil)-sum.MantExp(nil) < -logPrec {
			break
		}
		sum.Add(sum, term)
	}
	return sum.Mul(sum, new(big.Float).SetPrec(logPrec).SetInt64(2))
}
