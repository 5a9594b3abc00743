package kafkasec_test

import (
	"fmt"
	"os"

	"github.com/newsflow/newsflow/internal/kafkasec"
)

// A SCRAM user over TLS, the password taken from NEWSFLOW_SASL_PASSWORD.
// Printing the options never shows the password.
func ExampleOptions_WithEnv() {
	lookup := func(name string) (string, bool) {
		if name == kafkasec.PasswordEnv {
			return "correct horse battery staple", true
		}
		return os.LookupEnv(name)
	}
	opts := kafkasec.Options{
		SASLMechanism: "SCRAM-SHA-512",
		Username:      "newsflow",
		TLS:           true,
	}.WithEnv(lookup)
	fmt.Println(opts)
	fmt.Println(opts.Validate())
	// Output:
	// sasl=scram-sha-512 user="newsflow" password=set tls=on
	// <nil>
}

// Validate names the flags to fix.
func ExampleOptions_Validate() {
	err := kafkasec.Options{SASLMechanism: "plain", TLSCAFile: "/etc/kafka/ca.pem"}.Validate()
	fmt.Println(err)
	// Output:
	// invalid Kafka security options: --sasl-mechanism plain needs --sasl-username
	// --sasl-mechanism plain needs a password: set NEWSFLOW_SASL_PASSWORD or --sasl-password-file
	// --tls-ca given without --tls: add --tls, or drop them
}
