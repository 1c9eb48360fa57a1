module github.com/inbrowser-ai/resnet

go 1.26.0

require (
	github.com/anthonynsimon/bild v0.14.0
	github.com/nlpodyssey/gopickle v0.2.0
	golang.org/x/image v0.48.0
	google.golang.org/protobuf v1.36.12
)
