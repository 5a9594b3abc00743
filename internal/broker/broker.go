// Package broker runs the embedded Kafka-protocol broker
// (github.com/twmb/franz-go/pkg/kfake) that `newsflow demo`, `newsflow
// broker` and the default tests use. It speaks the Kafka wire protocol on a
// loopback TCP port, so the real kafka-go client (and kcat, franz-go, …)
// talk to it exactly as to Apache Kafka. It keeps data in memory, unless
// Options.Extra passes kfake's persistence options (the kill -9 tests of
// the embedded tier do, to restart it from disk).
package broker

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a running embedded broker. Close it when done.
type Broker struct {
	cluster *kfake.Cluster
}

// Options configure Start.
type Options struct {
	// Listen is the address to listen on, host:port. The default
	// "127.0.0.1:0" picks a free loopback port.
	Listen string
	// Topics are created at start with Partitions partitions each
	// (default 3).
	Topics     []string
	Partitions int
	// Extra kfake options (fault injection in tests).
	Extra []kfake.Opt
}

// Start starts a single-node broker. It returns an error if the address
// cannot be parsed or bound.
func Start(opts Options) (*Broker, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Partitions <= 0 {
		opts.Partitions = 3
	}
	host, portStr, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("broker: listen address %q: %w (want host:port, e.g. 127.0.0.1:9092)", opts.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("broker: listen port %q is not a number in 0..65535", portStr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.DefaultNumPartitions(opts.Partitions),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		}),
	}
	if len(opts.Topics) > 0 {
		kopts = append(kopts, kfake.SeedTopics(int32(opts.Partitions), opts.Topics...))
	}
	kopts = append(kopts, opts.Extra...)
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("broker: start embedded broker on %s: %w", opts.Listen, err)
	}
	return &Broker{cluster: c}, nil
}

// Addrs returns the brokers' listen addresses (host:port).
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Cluster exposes the kfake cluster for fault injection in tests.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// Close stops the broker; its data is gone.
func (b *Broker) Close() { b.cluster.Close() }
