// Package source asks the remote sources of modules and downloads their archives. It
// needs no cgo.
//
// Sources are tried in the configured order (conf/config.yaml, GOHUB_SERVER): PaddleHub's
// registry protocol (/search, /info) or a static gohub index (index.json). Every network
// wait is bounded by GOHUB_TIMEOUT (3 s), so an offline machine fails at once with a
// message that says what to do; listings are cached in the store for offline search.
// Downloads resume with HTTP Range after a dropped or stalled connection and are checked
// against the source's sha256 or md5 before anything is unpacked.
package source
