package producer

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
)

func TestClassOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{kafka.MessageSizeTooLarge, ClassTooLarge},
		{kafka.MessageTooLargeError{}, ClassTooLarge}, // kafka-go's own size check
		{kafka.RecordListTooLarge, ClassTooLarge},
		{kafka.InvalidMessageSize, ClassTooLarge},
		{kafka.InvalidMessage, ClassInvalidRecord}, // CORRUPT_MESSAGE
		{kafka.InvalidRecord, ClassInvalidRecord},
		{kafka.InvalidTimestamp, ClassInvalidRecord},
		{fmt.Errorf("%w: message from the broker", kafka.TopicAuthorizationFailed), ClassAuthorization},
		{kafka.ClusterAuthorizationFailed, ClassAuthorization},
		{kafka.TransactionalIDAuthorizationFailed, ClassAuthorization},
		{kafka.SASLAuthenticationFailed, ClassAuthentication},
		{kafka.UnsupportedSASLMechanism, ClassAuthentication},
		{fmt.Errorf("dial: %w", x509.UnknownAuthorityError{}), ClassAuthentication},
		{x509.HostnameError{Host: "kafka"}, ClassAuthentication},
		{kafka.UnknownTopicOrPartition, ClassUnknownTopic},
		{kafka.InvalidTopic, ClassInvalidTopic},
		{kafka.UnsupportedCompressionType, ClassConfig},
		{kafka.PolicyViolation, ClassConfig},
		{kafka.NotEnoughReplicas, ClassTransient},
		{kafka.NotLeaderForPartition, ClassTransient},
		{kafka.RequestTimedOut, ClassTransient},
		{io.ErrUnexpectedEOF, ClassTransient},
		{errors.New("connection refused"), ClassTransient},
	} {
		if got := classOf(tc.err); got != tc.want {
			t.Errorf("classOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestFixNamesWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		class string
		err   error
		want  string
	}{
		{ClassAuthorization, kafka.TopicAuthorizationFailed, `WRITE and DESCRIBE on topic "out"`},
		{ClassAuthorization, kafka.ClusterAuthorizationFailed, "IDEMPOTENT_WRITE"},
		{ClassAuthorization, kafka.TransactionalIDAuthorizationFailed, "transactional id"},
		{ClassAuthentication, kafka.SASLAuthenticationFailed, "SASL mechanism"},
		{ClassUnknownTopic, kafka.UnknownTopicOrPartition, `create topic "out"`},
		{ClassInvalidTopic, kafka.InvalidTopic, `topic name "out" is not valid`},
		{ClassConfig, kafka.UnsupportedCompressionType, "compression"},
		{ClassConfig, kafka.PolicyViolation, "producer configuration"},
		{ClassTransient, kafka.NotEnoughReplicas, ""},
	} {
		got := fix(tc.class, "out", tc.err)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("fix(%s, %v) = %q, want it to contain %q", tc.class, tc.err, got, tc.want)
		}
	}
}
