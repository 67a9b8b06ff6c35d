package main

import (
	"net"
	"slices"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: an error
	}{
		{"1048576", 1 << 20},
		{"512MiB", 512 << 20},
		{"2GiB", 2 << 30},
		{"2 GB", 2e9},
		{"64KiB", 64 << 10},
		{"10B", 10},
		{"0", 0},
		{"-1GiB", 0},
		{"1.5GiB", 0},
		{"lots", 0},
		{"9223372036854775807GiB", 0},
		{"", 0},
	} {
		got, err := parseBytes(tc.in)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("parseBytes(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseBytes(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestListenHosts(t *testing.T) {
	if got := listenHosts(&net.TCPAddr{IP: net.ParseIP("192.168.1.20"), Port: 8080}); !slices.Equal(got, []string{"192.168.1.20"}) {
		t.Errorf("a LAN address: %v", got)
	}
	if got := listenHosts(&net.TCPAddr{IP: net.IPv4zero, Port: 8080}); len(got) != len(lanURLs(&net.TCPAddr{IP: net.IPv4zero, Port: 8080})) {
		t.Errorf("all interfaces: %v, want one host per printed LAN URL", got)
	}
}

// FuzzParseBytes: any text is a size or an error, never a panic, and a
// size is positive.
func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"1GiB", "512MiB", "10", "-1", "9223372036854775807KB", " 2 GB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parseBytes(s); err == nil && n <= 0 {
			t.Fatalf("parseBytes(%q) = %d", s, n)
		}
	})
}
