//go:build unix

package flock

import (
	"errors"
	"os"
	"syscall"
)

// TryLock takes the exclusive lock of the file at path (created for its owner only if missing)
// without waiting: ok is false when another open file holds it. The lock lasts until release is
// called or the process ends. err is the error of opening or locking the file.
func TryLock(path string) (release func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() { f.Close() }, true, nil
}
