package pth

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nlpodyssey/gopickle/types"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
	"github.com/inbrowser-ai/resnet/tools/convert/net"
)

// bnEps is torchvision's BatchNorm2d default; a state dict does not record it.
const bnEps = 1e-5

// stateDict turns the unpickled top-level object into name → tensor, taking
// a training checkpoint's {"state_dict": …} or {"model": …} apart (at most
// maxWrap deep) and dropping DataParallel's "module." prefix. It loops rather
// than recurses, and remembers every dict it opened: a pickle can make a
// dict that holds itself.
func stateDict(obj interface{}, maxWrap int) (map[string]*tensor, error) {
	where := "checkpoint"
	opened := map[interface{}]bool{}
	for depth := 0; ; depth++ {
		entries, err := dictEntries(obj)
		if err != nil {
			if depth > 0 {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			return nil, err
		}
		if id, ok := identity(obj); ok {
			opened[id] = true
		}
		hasTensor := false
		for _, e := range entries {
			if _, ok := e.value.(*tensor); ok {
				hasTensor = true
			}
		}
		if hasTensor {
			sd, err := tensorDict(entries)
			if err != nil && depth > 0 {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			return sd, err
		}
		inner, key := wrapped(entries)
		if key == "" {
			keys := make([]string, 0, len(entries))
			for _, e := range entries {
				keys = append(keys, e.key)
			}
			if len(keys) > 20 {
				keys = append(keys[:20], "…")
			}
			err := fmt.Errorf("no tensors and no state_dict/model entry in a dict with keys %q", keys)
			if depth > 0 {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			return nil, err
		}
		where += fmt.Sprintf("[%q]", key)
		if id, ok := identity(inner); ok && opened[id] {
			return nil, fmt.Errorf("%s is a dict that contains it (a cycle), not a state dict", where)
		}
		if depth+1 > maxWrap {
			return nil, fmt.Errorf("checkpoint wraps its state dict in more than %d dicts (the limit)", maxWrap)
		}
		obj = inner
	}
}

// wrapped finds the entry under which a training checkpoint keeps its state
// dict.
func wrapped(entries []entry) (interface{}, string) {
	for _, wrap := range []string{"state_dict", "model", "model_state_dict", "net"} {
		for _, e := range entries {
			if e.key == wrap {
				return e.value, wrap
			}
		}
	}
	return nil, ""
}

// identity is a dict's pointer, usable as a map key (a value of a
// non-comparable type would make the map panic).
func identity(v interface{}) (interface{}, bool) {
	switch d := v.(type) {
	case *types.Dict:
		return d, true
	case *types.OrderedDict:
		return d, true
	}
	return nil, false
}

func tensorDict(entries []entry) (map[string]*tensor, error) {
	sd := make(map[string]*tensor, len(entries))
	for _, e := range entries {
		name := strings.TrimPrefix(e.key, "module.")
		if strings.HasSuffix(name, "num_batches_tracked") {
			continue // training bookkeeping, not used at inference
		}
		t, ok := e.value.(*tensor)
		if !ok {
			return nil, fmt.Errorf("state dict entry %q is %s, not a tensor", e.key, describe(e.value))
		}
		if _, dup := sd[name]; dup {
			return nil, fmt.Errorf("state dict has %q twice (with and without \"module.\")", name)
		}
		sd[name] = t
	}
	return sd, nil
}

type entry struct {
	key   string
	value interface{}
}

func dictEntries(obj interface{}) ([]entry, error) {
	var out []entry
	add := func(k, v interface{}) error {
		s, ok := k.(string)
		if !ok {
			return fmt.Errorf("dict key %s is not a string", describe(k))
		}
		out = append(out, entry{s, v})
		return nil
	}
	switch d := obj.(type) {
	case *types.OrderedDict:
		for el := d.List.Front(); el != nil; el = el.Next() {
			e, ok := el.Value.(*types.OrderedDictEntry)
			if !ok {
				return nil, fmt.Errorf("malformed OrderedDict")
			}
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	case *types.Dict:
		for _, e := range *d {
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	case *opaqueObject:
		return nil, fmt.Errorf("file holds a pickled %s.%s object, not a state dict (save model.state_dict())", d.class.module, d.class.name)
	default:
		return nil, fmt.Errorf("file holds %s, not a state dict", describe(obj))
	}
	return out, nil
}

// builder takes tensors out of a state dict by name, so that whatever is
// left at the end is a key this reader does not understand. A dry builder
// checks names, shapes and dtypes only and lists the tensors it took, so
// that their storages can be sized and read before the real pass.
type builder struct {
	sd    map[string]*tensor
	dry   bool
	taken []*tensor
}

func (b *builder) take(name string, shape ...int) ([]float32, []int, error) {
	t, ok := b.sd[name]
	if !ok {
		return nil, nil, fmt.Errorf("missing %q", name)
	}
	delete(b.sd, name)
	if shape != nil && !equalShape(t.shape, shape) {
		return nil, nil, fmt.Errorf("%q has shape %v, want %v", name, t.shape, shape)
	}
	if b.dry {
		if err := t.check(); err != nil {
			return nil, nil, fmt.Errorf("%q: %w", name, err)
		}
		b.taken = append(b.taken, t)
		return nil, t.shape, nil
	}
	v, err := t.float32s()
	if err != nil {
		return nil, nil, fmt.Errorf("%q: %w", name, err)
	}
	return v, t.shape, nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if b[i] >= 0 && a[i] != b[i] {
			return false
		}
	}
	return true
}

// conv reads name.weight (square K×K, In input channels; -1 = any) and the
// BatchNorm bn that follows it.
func (b *builder) conv(name, bn string, in, k, stride int) (*net.Conv, error) {
	w, shape, err := b.take(name+".weight", -1, in, k, k)
	if err != nil {
		return nil, err
	}
	out := shape[0]
	if out == 0 || shape[1] == 0 {
		return nil, fmt.Errorf("%q has an empty shape %v", name+".weight", shape)
	}
	c := &net.Conv{Name: strings.TrimSuffix(name, ".0"), Out: out, In: shape[1], K: k, Stride: stride, Pad: k / 2, Weight: w}
	c.BN = &net.BatchNorm{Eps: bnEps}
	for _, p := range []struct {
		key string
		dst *[]float32
	}{{"weight", &c.BN.Gamma}, {"bias", &c.BN.Beta}, {"running_mean", &c.BN.Mean}, {"running_var", &c.BN.Var}} {
		if *p.dst, _, err = b.take(bn+"."+p.key, out); err != nil {
			return nil, err
		}
	}
	for i, v := range c.BN.Var {
		if !(v >= 0) {
			return nil, fmt.Errorf("%s.running_var[%d] = %v", bn, i, v)
		}
	}
	return c, nil
}

// resnet maps a torchvision ResNet state dict onto a net.Network.
func (b *builder) resnet() (*net.Network, error) {
	sd := b.sd
	n := &net.Network{Stride: modelfile.StrideOn3x3, Pre: modelfile.TorchvisionPreprocess}
	var err error
	if n.Stem, err = b.conv("conv1", "bn1", 3, 7, 2); err != nil {
		return nil, err
	}
	if _, ok := sd["layer1.0.conv3.weight"]; ok {
		n.Block = modelfile.Bottleneck
	} else {
		n.Block = modelfile.Basic
	}
	ch := n.Stem.Out
	for s := 1; s <= 4; s++ {
		nb := countBlocks(sd, s)
		if nb == 0 {
			return nil, fmt.Errorf("no blocks in layer%d", s)
		}
		var stage []net.Block
		for i := 0; i < nb; i++ {
			blk, err := b.block(fmt.Sprintf("layer%d.%d.", s, i), n.Block, ch, s > 1 && i == 0)
			if err != nil {
				return nil, err
			}
			ch = out(blk)
			stage = append(stage, *blk)
		}
		n.Stages = append(n.Stages, stage)
	}
	w, shape, err := b.take("fc.weight", -1, ch)
	if err != nil {
		return nil, err
	}
	n.FC = net.Dense{Out: shape[0], In: ch, Weight: w}
	if n.FC.Bias, _, err = b.take("fc.bias", shape[0]); err != nil {
		return nil, err
	}
	if len(b.sd) > 0 {
		left := make([]string, 0, len(b.sd))
		for k := range b.sd {
			left = append(left, k)
		}
		sort.Strings(left)
		if len(left) > 20 {
			left = append(left[:20], fmt.Sprintf("… %d more", len(left)-20))
		}
		return nil, fmt.Errorf("keys a torchvision ResNet does not have: %q", left)
	}
	depth, err := n.Depth()
	if err != nil {
		return nil, err
	}
	n.Name = "resnet" + strconv.Itoa(depth)
	return n, nil
}

// countBlocks finds how many consecutive layerS.I.conv1 entries there are.
func countBlocks(sd map[string]*tensor, s int) int {
	i := 0
	for {
		if _, ok := sd[fmt.Sprintf("layer%d.%d.conv1.weight", s, i)]; !ok {
			return i
		}
		i++
	}
}

func out(b *net.Block) int {
	if b.Conv3 != nil {
		return b.Conv3.Out
	}
	return b.Conv2.Out
}

// block reads one residual block. torchvision puts the stride-2 of a
// down-sampling block on the first 3×3: conv1 of a basic block, conv2 of a
// bottleneck (v1.5), and on the 1×1 projection.
func (b *builder) block(p string, kind modelfile.BlockKind, in int, down bool) (*net.Block, error) {
	stride := 1
	if down {
		stride = 2
	}
	blk := &net.Block{}
	var err error
	if kind == modelfile.Basic {
		if blk.Conv1, err = b.conv(p+"conv1", p+"bn1", in, 3, stride); err != nil {
			return nil, err
		}
		if blk.Conv2, err = b.conv(p+"conv2", p+"bn2", blk.Conv1.Out, 3, 1); err != nil {
			return nil, err
		}
	} else {
		if blk.Conv1, err = b.conv(p+"conv1", p+"bn1", in, 1, 1); err != nil {
			return nil, err
		}
		if blk.Conv2, err = b.conv(p+"conv2", p+"bn2", blk.Conv1.Out, 3, stride); err != nil {
			return nil, err
		}
		if blk.Conv3, err = b.conv(p+"conv3", p+"bn3", blk.Conv2.Out, 1, 1); err != nil {
			return nil, err
		}
	}
	o := out(blk)
	if _, ok := b.sd[p+"downsample.0.weight"]; ok {
		if blk.Downsample, err = b.conv(p+"downsample.0", p+"downsample.1", in, 1, stride); err != nil {
			return nil, err
		}
		if blk.Downsample.Out != o {
			return nil, fmt.Errorf("%sdownsample gives %d channels, the block %d", p, blk.Downsample.Out, o)
		}
	} else if down || in != o {
		return nil, fmt.Errorf("%s changes shape (%d→%d channels, stride %d) but has no downsample", p, in, o, stride)
	}
	return blk, nil
}
