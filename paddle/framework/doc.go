// Package framework holds Paddle's program and parameter formats for Go: framework.proto's
// messages (ProgramDesc, BlockDesc, OpDesc, VarDesc ...), compiled with protoc-gen-go from
// native/proto/framework.proto, the one copy the C++ library compiles too, and a program builder.
// It is pure Go; the paddle package above it is the only one that needs cgo.
package framework

//go:generate protoc --go_out=. --go_opt=paths=source_relative -I ../../native/proto framework.proto
