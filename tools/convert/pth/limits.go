package pth

import (
	"fmt"
	"math/big"
	"unicode/utf8"
)

// limits bound what reading one checkpoint may cost. A torch.save file is
// a program for an unpickler plus archives of raw bytes; every quantity
// below is one an attacker controls and a real checkpoint keeps small.
type limits struct {
	// pickleBytes bounds one pickle (data.pkl). ResNet-152's state dict
	// pickles to about 120 kB.
	pickleBytes int64
	// pickleOps bounds the opcodes of one pickle: each makes the unpickler
	// allocate, up to 250 bytes for one byte of file (an empty dict; a
	// MARK costs 256). ResNet-50's state dict takes 10 900 opcodes,
	// ResNet-152's about 32 000, with an optimizer's state about 100 000.
	pickleOps int
	// markDepth bounds MARKs open at once; torch.save nests three or four.
	markDepth int
	// wrapDepth bounds checkpoint wrappers ({"state_dict": {"model": …}})
	// followed to reach the tensors.
	wrapDepth int
	// storageBytes bounds one storage, as the pickle declares it and as it
	// is inflated. The largest tensor of ResNet-152 is 9.4 MB in float32,
	// of wide_resnet101_2 75 MB in float64.
	storageBytes int64
	// totalBytes bounds all the storages a network uses together:
	// ResNet-152 is 241 MB in float32, 482 MB in float64.
	totalBytes int64
}

func defaultLimits() limits {
	return limits{
		pickleBytes:  16 << 20,
		pickleOps:    1 << 18,
		markDepth:    256,
		wrapDepth:    8,
		storageBytes: 256 << 20,
		totalBytes:   1 << 30,
	}
}

// mib writes a byte count the way the limits are stated.
func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// describe names an unpickled value in an error message without printing
// it whole: a value from a hostile file can be a dict of a million entries,
// a nest of a million tuples or an integer of a hundred million digits.
func describe(v interface{}) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case int, bool, float64:
		return fmt.Sprint(x)
	case *big.Int:
		if x.BitLen() <= 64 {
			return x.String()
		}
		return fmt.Sprintf("an integer of %d bits", x.BitLen())
	case string:
		if len(x) > 40 {
			cut := 40
			for cut > 0 && !utf8.RuneStart(x[cut]) {
				cut--
			}
			return fmt.Sprintf("%q…", x[:cut])
		}
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprintf("a %T", v)
}
