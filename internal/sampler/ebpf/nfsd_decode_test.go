package ebpf

import (
	"encoding/binary"
	"reflect"
	"runtime"
	"testing"

	"github.com/cilium/ebpf/btf"

	"github.com/nfstrace/nfstrace/internal/model"
)

func v4addr(a, b, c, d byte) [16]byte { return [16]byte{a, b, c, d} }

func histOf(values ...uint64) rpcHist {
	var h rpcHist
	for _, v := range values {
		h.Slots[model.Bucket(v)]++
		h.Count++
		h.SumNs += v
		h.MaxNs = max(h.MaxNs, v)
	}
	return h
}

func modelHist(values ...uint64) model.Hist {
	var h model.Hist
	for _, v := range values {
		h.Add(v)
	}
	return h
}

func TestRPCRows(t *testing.T) {
	mapped := [16]byte{10: 0xff, 11: 0xff, 12: 192, 13: 168, 14: 1, 15: 9}
	v6 := [16]byte{0: 0x20, 1: 0x01, 2: 0x0d, 3: 0xb8, 15: 1}
	tests := []struct {
		name    string
		entries []rpcEntry
		want    []model.RPC
	}{
		{
			name: "v3 read ok from IPv4",
			entries: []rpcEntry{{
				Key:  rpcKey{Addr: v4addr(10, 0, 0, 7), Family: rpcAFInet, Vers: 3, Minor: minorUnknown, Op: 6},
				Hist: histOf(1500, 3000),
			}},
			want: []model.RPC{{Version: "v3", Op: "READ", Client: "10.0.0.7", Status: "ok", Hist: modelHist(1500, 3000)}},
		},
		{
			name: "v3 lookup NOENT, IPv6 client",
			entries: []rpcEntry{{
				Key:  rpcKey{Addr: v6, Family: rpcAFInet6, Vers: 3, Minor: minorUnknown, Op: 3, Status: 2},
				Hist: histOf(800),
			}},
			want: []model.RPC{{Version: "v3", Op: "LOOKUP", Client: "2001:db8::1", Status: "NFS3ERR_NOENT", Hist: modelHist(800)}},
		},
		{
			name: "v4.2 compound and its operations, mapped IPv4 shown as IPv4",
			entries: []rpcEntry{
				{Key: rpcKey{Addr: mapped, Family: rpcAFInet6, Vers: 4, Minor: 2, Level: levelRPC, Op: 1}, Hist: histOf(90000)},
				{Key: rpcKey{Addr: mapped, Family: rpcAFInet6, Vers: 4, Minor: 2, Level: levelOp, Op: 53}, Hist: histOf(2000)},
				{Key: rpcKey{Addr: mapped, Family: rpcAFInet6, Vers: 4, Minor: 2, Level: levelOp, Op: 38, Status: 10008}, Hist: histOf(80000)},
			},
			want: []model.RPC{
				{Version: "v4.2", Op: "COMPOUND", Client: "192.168.1.9", Status: "ok", Hist: modelHist(90000)},
				{Version: "v4.2", Op: "SEQUENCE", Client: "192.168.1.9", Status: "ok", Hist: modelHist(2000)},
				{Version: "v4.2", Op: "WRITE", Client: "192.168.1.9", Status: "NFS4ERR_DELAY", Hist: modelHist(80000)},
			},
		},
		{
			name: "v4 NULL without minor version, unknown client, RPC-level errors",
			entries: []rpcEntry{
				{Key: rpcKey{Vers: 4, Minor: minorUnknown, Op: 0}, Hist: histOf(100)},
				{Key: rpcKey{Vers: 3, Minor: minorUnknown, Op: 7, StatusKind: statusRPC, Status: 4}, Hist: histOf(50)},
				{Key: rpcKey{Vers: 3, Minor: minorUnknown, Op: 7, StatusKind: statusUnknown}, Hist: histOf(70)},
			},
			want: []model.RPC{
				{Version: "v3", Op: "WRITE", Client: "", Status: "rpc:GARBAGE_ARGS", Hist: modelHist(50)},
				{Version: "v3", Op: "WRITE", Client: "", Status: "unknown", Hist: modelHist(70)},
				{Version: "v4", Op: "NULL", Client: "", Status: "ok", Hist: modelHist(100)},
			},
		},
		{
			// The same client over IPv4 and as a mapped IPv6 address renders
			// to one row; the pad byte is ignored.
			name: "entries rendering alike merge",
			entries: []rpcEntry{
				{Key: rpcKey{Addr: v4addr(192, 168, 1, 9), Family: rpcAFInet, Vers: 3, Minor: minorUnknown, Op: 1}, Hist: histOf(10, 20)},
				{Key: rpcKey{Addr: mapped, Family: rpcAFInet6, Vers: 3, Minor: minorUnknown, Op: 1, Pad: 1}, Hist: histOf(5000)},
			},
			want: []model.RPC{{Version: "v3", Op: "GETATTR", Client: "192.168.1.9", Status: "ok", Hist: modelHist(10, 20, 5000)}},
		},
		{name: "empty", entries: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rpcRows(tt.entries, rpcClientCache{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRPCRowsRejectsBadKeys(t *testing.T) {
	for _, k := range []rpcKey{
		{Vers: 4, Level: 2},
		{Vers: 3, Level: levelOp, Op: 25},
	} {
		if _, err := rpcRows([]rpcEntry{{Key: k}}, nil); err == nil {
			t.Errorf("key %+v: no error", k)
		}
	}
}

// TestRPCKeyLayout checks the Go mirror of struct rpc_key and struct hist
// against the BTF of the compiled object, field by field.
func TestRPCKeyLayout(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "386" {
		t.Skip("the nfsd object is built for amd64 only")
	}
	spec, err := loadNfsd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cName string
		goVal any
	}{{"rpc_key", rpcKey{}}, {"hist", rpcHist{}}} {
		var s *btf.Struct
		if err := spec.Types.TypeByName(tc.cName, &s); err != nil {
			t.Fatalf("%s: %v", tc.cName, err)
		}
		rt := reflect.TypeOf(tc.goVal)
		if got := binary.Size(tc.goVal); got != int(s.Size) {
			t.Errorf("%s: Go size %d, C size %d", tc.cName, got, s.Size)
		}
		if rt.NumField() != len(s.Members) {
			t.Fatalf("%s: Go has %d fields, C %d", tc.cName, rt.NumField(), len(s.Members))
		}
		for i, m := range s.Members {
			f := rt.Field(i)
			if int(f.Offset) != int(m.Offset.Bytes()) {
				t.Errorf("%s.%s: Go offset %d (%s), C offset %d", tc.cName, m.Name, f.Offset, f.Name, m.Offset.Bytes())
			}
		}
	}
}

// BenchmarkRPCRows decodes 1000 map entries (50 clients x 20 operations), the
// per-interval work of Collect after the map read.
func BenchmarkRPCRows(b *testing.B) {
	var entries []rpcEntry
	for c := range 50 {
		for op := range 20 {
			entries = append(entries, rpcEntry{
				Key:  rpcKey{Addr: v4addr(10, 0, byte(c>>8), byte(c)), Family: rpcAFInet, Vers: 4, Minor: 2, Level: levelOp, Op: uint32(3 + op)},
				Hist: histOf(uint64(1000*op + c)),
			})
		}
	}
	clients := rpcClientCache{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rpcRows(entries, clients); err != nil {
			b.Fatal(err)
		}
	}
}
