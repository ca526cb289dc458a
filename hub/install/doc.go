// Package install installs modules into a store: it resolves NAME[==VERSION] through the
// sources (falling back to the LAC package on PyPI for lac), downloads and verifies the
// archive, imports it, and commits the module under the store's lock. It needs no cgo;
// the check that every model of a module loads is an InspectFunc the caller supplies
// (hub.NewInstaller supplies the Paddle one).
package install
