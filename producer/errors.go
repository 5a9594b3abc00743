package producer

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// Error classes. The record classes are reported per record in a
// *RejectedError; the operator classes make Write retry until an operator
// fixes the cause; transient errors are retried.
const (
	// Caused by the record: dead-letter its source.
	ClassTooLarge      = "too_large"      // over BatchBytes or the broker's size limit
	ClassInvalidRecord = "invalid_record" // refused by the broker's record validation

	// Caused by configuration or permissions: retried until fixed.
	ClassAuthorization  = "authorization"  // an ACL is missing
	ClassAuthentication = "authentication" // SASL or TLS credentials refused
	ClassUnknownTopic   = "unknown_topic"  // the topic does not exist (or may not be described)
	ClassInvalidTopic   = "invalid_topic"  // the topic name is not valid
	ClassConfig         = "config"         // the broker refuses a producer setting

	// Anything else: retried.
	ClassTransient = "transient"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("producer: closed")

// WriteError is a classified failure to write to Topic.
type WriteError struct {
	Topic string
	Class string // one of the Class constants
	Err   error  // what the client or broker said
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("producer: write to topic %q (%s): %v", e.Topic, e.Class, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// RejectedError lists records refused for good. Errs is aligned with the
// records given to Write: nil for the ones acknowledged, a *WriteError of
// class ClassTooLarge or ClassInvalidRecord for the others.
type RejectedError struct {
	Errs []error
}

func (e *RejectedError) Error() string {
	n, first := 0, error(nil)
	for _, err := range e.Errs {
		if err != nil {
			if first == nil {
				first = err
			}
			n++
		}
	}
	return fmt.Sprintf("producer: %d record(s) rejected, the first: %v", n, first)
}

// Unwrap returns the errors of the rejected records, for errors.Is and
// errors.As.
func (e *RejectedError) Unwrap() []error {
	var errs []error
	for _, err := range e.Errs {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// recordClass reports whether class is caused by the record.
func recordClass(class string) bool { return class == ClassTooLarge || class == ClassInvalidRecord }

// operatorClass reports whether class needs an operator.
func operatorClass(class string) bool { return !recordClass(class) && class != ClassTransient }

// classOf classifies err. It answers ClassUnknownTopic for every unknown
// topic; the caller treats it as transient during the grace period.
func classOf(err error) string {
	var ke kafka.Error
	if errors.As(err, &ke) {
		switch ke {
		case kafka.MessageSizeTooLarge, kafka.InvalidMessageSize, kafka.RecordListTooLarge:
			return ClassTooLarge
		case kafka.InvalidMessage, kafka.InvalidRecord, kafka.InvalidTimestamp:
			return ClassInvalidRecord
		case kafka.TopicAuthorizationFailed, kafka.ClusterAuthorizationFailed,
			kafka.TransactionalIDAuthorizationFailed, kafka.GroupAuthorizationFailed,
			kafka.DelegationTokenAuthorizationFailed:
			return ClassAuthorization
		case kafka.SASLAuthenticationFailed, kafka.UnsupportedSASLMechanism, kafka.IllegalSASLState:
			return ClassAuthentication
		case kafka.UnknownTopicOrPartition:
			return ClassUnknownTopic
		case kafka.InvalidTopic:
			return ClassInvalidTopic
		case kafka.UnsupportedCompressionType, kafka.InvalidRequiredAcks, kafka.UnsupportedForMessageFormat,
			kafka.PolicyViolation, kafka.UnsupportedVersion:
			return ClassConfig
		}
		return ClassTransient
	}
	var (
		unknownCA    x509.UnknownAuthorityError
		hostname     x509.HostnameError
		invalidCert  x509.CertificateInvalidError
		verification *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalidCert) || errors.As(err, &verification) {
		return ClassAuthentication
	}
	return ClassTransient
}

// fix says what an operator should do about an error of an operator class.
func fix(class, topic string, err error) string {
	var ke kafka.Error
	errors.As(err, &ke)
	switch class {
	case ClassAuthorization:
		switch ke {
		case kafka.ClusterAuthorizationFailed:
			return "grant this client's principal the cluster permission it lacks (IDEMPOTENT_WRITE for an idempotent producer)"
		case kafka.TransactionalIDAuthorizationFailed:
			return "grant this client's principal WRITE and DESCRIBE on its transactional id"
		}
		return fmt.Sprintf("grant this client's principal WRITE and DESCRIBE on topic %q", topic)
	case ClassAuthentication:
		return "check the SASL mechanism, user name and password, or the TLS certificates, configured for the brokers"
	case ClassUnknownTopic:
		return fmt.Sprintf("create topic %q (the producer does not auto-create topics), or grant DESCRIBE on it if it exists", topic)
	case ClassInvalidTopic:
		return fmt.Sprintf("topic name %q is not valid: fix the configured topic name", topic)
	case ClassConfig:
		if ke == kafka.UnsupportedCompressionType {
			return "the broker does not accept this compression codec: choose another producer compression"
		}
		return "the broker refuses a producer setting: check the producer configuration against the broker's version and the topic's settings"
	}
	return ""
}
