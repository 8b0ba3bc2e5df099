// Package flock takes exclusive locks on files without waiting: on Unix with flock(2), which the
// kernel releases when the process ends however it ends, elsewhere within this process only.
package flock
