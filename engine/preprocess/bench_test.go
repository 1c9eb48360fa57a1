package preprocess

import (
	"testing"

	"github.com/inbrowser-ai/resnet/engine/modelfile"
)

// go test ./engine/preprocess -run '^$' -bench . -benchmem
func BenchmarkDecode(b *testing.B) {
	data := readFile(b, "photos/dog.jpg") // 768×576 JPEG
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResizeCrop(b *testing.B) {
	img := mustDecode(b, "photos/dog.jpg")
	for b.Loop() {
		if _, err := ResizeCrop(img, 256, 224); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	img, _ := ResizeCrop(mustDecode(b, "photos/dog.jpg"), 256, 224)
	dst := make([]float32, 224*224*3)
	for b.Loop() {
		_ = Normalize(img, modelfile.TorchvisionPreprocess, dst)
	}
}
