module github.com/inbrowser-ai/resnet

go 1.26.0

require (
	github.com/anthonynsimon/bild v0.14.0
	golang.org/x/image v0.48.0
)

require (
	github.com/inconshreveable/mousetrap v1.0.0 // indirect
	github.com/nlpodyssey/gopickle v0.2.0 // indirect
	github.com/spf13/cobra v0.0.5 // indirect
	github.com/spf13/pflag v1.0.3 // indirect
	github.com/syumai/workers v0.32.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
