//go:build !unix

package flock

import (
	"os"
	"sync"
)

// Without flock the locks bind only this process.
var (
	mu     sync.Mutex
	locked = map[string]bool{}
)

// TryLock takes the lock of path without waiting, within this process only: ok is false while
// this process holds it already. It creates the file for its owner if it is missing, as the
// Unix TryLock does; err is the error of creating it.
func TryLock(path string) (release func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	f.Close()
	mu.Lock()
	defer mu.Unlock()
	if locked[path] {
		return nil, false, nil
	}
	locked[path] = true
	return func() {
		mu.Lock()
		delete(locked, path)
		mu.Unlock()
	}, true, nil
}
