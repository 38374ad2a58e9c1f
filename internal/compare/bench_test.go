package compare

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkCompare measures Compare and Render on two captures of n
// one-second intervals (an hour is 3600): the cost grows with intervals and
// distinct labels, not with events, which a comparison does not read.
func BenchmarkCompare(b *testing.B) {
	for _, n := range []int{60, 3600} {
		a, c := baseline(), baseline()
		a.n, c.n = n, n
		a.opsPerSec, c.opsPerSec = 200, 200
		c.seed = 9
		c.sites[2].prob = 0.5
		ca, cc := a.capture("A"), c.capture("B")
		b.Run(fmt.Sprintf("intervals=%d", n), func(b *testing.B) {
			for range b.N {
				res, err := Compare(ca, cc, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if err := res.Render(io.Discard, RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
