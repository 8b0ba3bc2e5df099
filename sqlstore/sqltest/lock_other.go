//go:build !unix

package sqltest

import "sync"

// Without flock the slots bound only this process's schemas.
var (
	lockMu sync.Mutex
	locked = map[string]bool{}
)

// tryLock takes the slot at path without waiting.
func tryLock(path string) (release func(), ok bool, err error) {
	lockMu.Lock()
	defer lockMu.Unlock()
	if locked[path] {
		return nil, false, nil
	}
	locked[path] = true
	return func() {
		lockMu.Lock()
		delete(locked, path)
		lockMu.Unlock()
	}, true, nil
}
