// Package hostile sets the numbers of a value to those a damaged or crafted
// capture may hold (zero, one, minus one, the largest of their type, an
// infinity, NaN): the structure-aware part of the fuzz tests of the
// commands that read captures.
package hostile

import (
	"math"
	"math/rand/v2"
	"reflect"
	"time"
)

// numbers are what a damaged or crafted capture may hold where a
// count, a duration or a rate belongs.
var numbers = []float64{0, 1, -1, math.MaxInt32, 1 << 53, math.MaxFloat64, math.Inf(1), math.NaN()}

// Perturb sets each number in v (a struct, walked through pointers,
// slices and maps; unexported fields left alone) to a hostile value with
// probability p, and each time.Time to a random second in 1970 ± 17000
// years with the same probability.
func Perturb(r *rand.Rand, v reflect.Value, p float64) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			Perturb(r, v.Elem(), p)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.CanSet() && r.Float64() < p {
				v.Set(reflect.ValueOf(time.Unix(r.Int64N(1<<40)-1<<39, 0)))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				Perturb(r, v.Field(i), p)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			Perturb(r, v.Index(i), p)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			Perturb(r, e, p)
			v.SetMapIndex(k, e)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() && r.Float64() < p {
			x := numbers[r.IntN(len(numbers))]
			if v.OverflowInt(int64(x)) || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1<<62 {
				x = -1
			}
			v.SetInt(int64(x))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.CanSet() && r.Float64() < p {
			x := numbers[r.IntN(len(numbers))]
			u := uint64(math.MaxUint64)
			if x >= 0 && x < 1<<63 {
				u = uint64(x)
			}
			if v.OverflowUint(u) {
				u = 1<<(8*v.Type().Size()) - 1
			}
			v.SetUint(u)
		}
	case reflect.Float32, reflect.Float64:
		if v.CanSet() && r.Float64() < p {
			v.SetFloat(numbers[r.IntN(len(numbers))])
		}
	}
}
