package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/internal/bench"
	"github.com/newsflow/newsflow/internal/config"
)

// cmdBench is `newsflow bench`: the end-to-end benchmark on the embedded
// broker (see package bench).
func cmdBench(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	n := fs.Int("articles", 200_000, "articles for the throughput runs")
	parts := fs.Int("partitions", 3, "partitions of the benchmark topics")
	lat := fs.Duration("latency-duration", 10*time.Second, "length of the steady-rate latency run")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pipeline := fs.String("pipeline", "full", "full (every enrichment stage) or core (decode, clean, stats)")
	inProcess := fs.Bool("in-process-broker", false, "run the broker inside this process (memory figures then include its data)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	guarantee := fs.String("guarantee", "both", "at-least-once, or both: also run exactly-once over the same articles and report the ratio")
	memProfile := fs.String("memprofile", "", "write a heap profile, taken when the pipeline's heap was highest, to this file")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	if *pipeline != "full" && *pipeline != "core" {
		return usageError{fmt.Errorf("--pipeline must be full or core, got %q", *pipeline)}
	}
	if *n < 1000 || *parts < 1 || *lat < time.Second {
		return usageError{fmt.Errorf("--articles must be ≥ 1000, --partitions ≥ 1 and --latency-duration ≥ 1s")}
	}
	if *guarantee != "both" && *guarantee != "at-least-once" {
		return usageError{fmt.Errorf("--guarantee must be both or at-least-once, got %q", *guarantee)}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return usageError{fmt.Errorf("--cpuprofile: %w", err)}
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var brokers []string
	if !*inProcess {
		addr, stop, err := startBrokerProcess(ctx, *parts)
		if err != nil {
			return err
		}
		defer stop()
		brokers = []string{addr}
	}
	rep, err := bench.Run(ctx, bench.Options{Brokers: brokers, Articles: *n, Partitions: *parts, LatencyFor: *lat, Pipeline: *pipeline, Progress: e.stderr, MemProfile: *memProfile, ExactlyOnce: *guarantee == "both"})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.WriteText(e.stdout)
	return nil
}

// startBrokerProcess runs `newsflow broker` (this binary) as a child on a
// free loopback port with the bench topics, and waits until it accepts
// connections. stop kills it and waits.
func startBrokerProcess(ctx context.Context, partitions int) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("find own binary: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, self, "broker", "--listen", addr, "--partitions", strconv.Itoa(partitions),
		"--topics", strings.Join(bench.Topics, ","))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start broker process: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("broker process on %s did not come up: %w", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
