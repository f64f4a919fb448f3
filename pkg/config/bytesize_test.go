package config_test

import (
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"go.yaml.in/yaml/v3"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want config.ByteSize
	}{
		{"plain bytes", "1048576", 1 << 20},
		{"zero", "0", 0},
		{"minus one for unlimited", "-1", -1},
		{"B", "512B", 512},
		{"KiB", "512KiB", 512 << 10},
		{"MiB", "1MiB", 1 << 20},
		{"GiB", "10GiB", 10 << 30},
		{"TiB", "2TiB", 2 << 40},
		{"KB is 1000", "3KB", 3000},
		{"MB is 1000^2", "2MB", 2_000_000},
		{"GB is 1000^3", "1GB", 1_000_000_000},
		{"TB is 1000^4", "1TB", 1_000_000_000_000},
		{"space before unit", "2 MiB", 2 << 20},
		{"surrounding space", "  4KiB\t", 4 << 10},
		{"largest plain int64", "9223372036854775807", 1<<63 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := config.ParseByteSize(tt.in)
			if err != nil {
				t.Fatalf("ParseByteSize(%q) error: %v", tt.in, err)
			}
			if want := tt.want; got != want {
				t.Errorf("ParseByteSize(%q) = %d, want %d", tt.in, got, want)
			}
		})
	}
}

func TestParseByteSizeRejectsInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"unit only", "MiB"},
		{"word", "lots"},
		{"fraction", "1.5MiB"},
		{"lower-case unit", "1mib"},
		{"unknown unit", "1PiB"},
		{"unit before number", "MiB1"},
		{"hex", "0x100"},
		{"two numbers", "1 2MiB"},
		{"beyond int64", "9223372036854775808"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := config.ParseByteSize(tt.in); err == nil {
				t.Errorf("ParseByteSize(%q) = %d, want an error", tt.in, got)
			}
		})
	}
}

// TestParseByteSizeRejectsOverflow fails on the current code: ParseByteSize
// multiplies the number by the unit without an overflow check, so a size
// beyond int64 wraps around silently, to a negative or to a small positive
// size.
func TestParseByteSizeRejectsOverflow(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"wraps to negative", "9007199254740992KiB"},               // 2^53 KiB = 2^63
		{"wraps to a small positive size", "18014398509481985KiB"}, // (2^54+1) KiB = 2^64 + 1024
		{"largest int64 in TiB", "9223372036854775807TiB"},
		{"decimal unit", "9223372036854776KB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := config.ParseByteSize(tt.in); err == nil {
				t.Errorf("ParseByteSize(%q) = %d, want an error (the size overflows int64)", tt.in, got)
			}
		})
	}
}

func TestByteSizeFromYAML(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want config.ByteSize
	}{
		{"with unit", "size: 1MiB", 1 << 20},
		{"plain integer", "size: 1048576", 1 << 20},
		{"minus one", "size: -1", -1},
		{"quoted", `size: "2 KiB"`, 2 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				Size config.ByteSize `yaml:"size"`
			}
			if err := yaml.Unmarshal([]byte(tt.yaml), &v); err != nil {
				t.Fatal(err)
			}
			if got, want := v.Size, tt.want; got != want {
				t.Errorf("size = %d, want %d", got, want)
			}
		})
	}
}

func TestByteSizeFromYAMLRejectsInvalid(t *testing.T) {
	var v struct {
		Size config.ByteSize `yaml:"size"`
	}
	if err := yaml.Unmarshal([]byte("size: 1.5MiB"), &v); err == nil {
		t.Errorf("yaml.Unmarshal of 1.5MiB succeeded with %d, want an error", v.Size)
	}
}
