//go:build !race

package faults_test

// raceEnabled: under the race detector the embedded broker in this
// process runs several times slower, so the tests use smaller volumes.
const raceEnabled = false
