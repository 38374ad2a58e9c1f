package kvconf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestEach(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // "line:key=val;..." or the error
	}{
		{"pairs and comments", "# a scenario\ndescription = one line # trailing\n\n  sysctl = vm.x=1\n", "2:description=one line;4:sysctl=vm.x=1;"},
		{"no equals", "a = 1\nbogus\n", "f.conf:2: want key = value, got \"bogus\""},
		{"empty key", " = 3\n", "f.conf:1: want key = value, got \"= 3\""},
		{"error from fn", "a = 1\nstop = now\n", "f.conf:2: stopped at stop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			err := Each("f.conf", []byte(tc.src), func(line int, key, val string) error {
				if key == "stop" {
					return errors.New("stopped at stop")
				}
				fmt.Fprintf(&b, "%d:%s=%s;", line, key, val)
				return nil
			})
			got := b.String()
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
