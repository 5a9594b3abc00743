// Package kafkasec turns newsflow's broker-security options (SASL and TLS)
// into kafka-go configuration: a *kafka.Dialer for readers, consumer groups
// and connections, and a *kafka.Transport for writers and clients.
//
// The zero Options is valid and means "no security": Dialer and Transport
// then return plain kafka-go values. With SASL, the mechanism is one of
// "plain", "scram-sha-256" or "scram-sha-512" (case-insensitive, so the Kafka
// spellings "PLAIN" and "SCRAM-SHA-512" are accepted too); the password comes
// from Options.Password (fill it from the environment with
// [Options.WithEnv] and [PasswordEnv]) or from a file named by
// Options.PasswordFile, never from a command-line flag. With TLS, the broker
// certificate is verified against Options.TLSCAFile when given (that CA
// only), else against the system roots; Options.TLSCertFile and
// Options.TLSKeyFile add a client certificate for mutual TLS.
//
// [Options.Validate] fails fast, before any connection, on contradictions and
// on missing or unreadable files, and every message names the flag to fix.
// The password is never printed: [Options.String], [Options.GoString] and
// [Options.LogValue] show only where it comes from.
//
// Options is a plain value: copy it freely; its methods do not modify it and
// are safe for concurrent use. Files are read each time Validate, Dialer or
// Transport is called, so a rotated password file or certificate is picked up
// by the next Dialer or Transport built, not by ones already built.
package kafkasec
