// Package hub loads installed modules and runs them:
//
//	m, err := hub.Load("lac")
//	defer m.Close()
//	res, err := m.Cut([]string{"今天是个好日子"})
//
// It sits above the pure-Go packages that manage modules: store (the local store and
// module.yaml), source (remote sources and downloads), importer (archives and directories
// into modules) and install (which puts them together). hub adds what needs the Paddle
// library: loading a model to inspect it (InspectModel), an installer that refuses modules
// whose models do not load (NewInstaller), and Load, which opens a module as its kind.
package hub
